"""Limits an analysis runs under that its caller sets: a deadline, and being interrupted.

The evaluator's step budget keeps the work proportional to the file; the deadline bounds it
in time as well (a language server must answer other documents), and an interruption stops
an analysis whose result is no longer wanted (its document changed again). The limits
belong to the thread that runs the analysis; without them nothing is ever cut short (the
command line sets none, so its results do not depend on the machine's speed).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NamedTuple


class Interrupted(BaseException):
    """The analysis was stopped from outside; it has no result. A BaseException, so that
    the engine's guards against its own failures (`except Exception`) let it through."""


class Limits(NamedTuple):
    """The limits analyses on one thread run under."""

    seconds: float | None = None  # how long the analysis may take
    deadline: float | None = None  # time.monotonic() when it is up
    # Raises `Interrupted` (or a subclass) when the analysis must stop now.
    interrupt: Callable[[], None] | None = None


_local = threading.local()


@contextmanager
def limited(seconds: float | None = None, interrupt: Callable[[], None] | None = None
            ) -> Iterator[Limits]:
    """Run the analyses in the block under these limits (on this thread)."""
    deadline = time.monotonic() + seconds if seconds is not None else None
    limits = Limits(seconds, deadline, interrupt)
    previous = getattr(_local, "limits", None)
    _local.limits = limits
    try:
        yield limits
    finally:
        _local.limits = previous


def current() -> Limits | None:
    limits: Limits | None = getattr(_local, "limits", None)
    return limits


def out_of_time() -> bool:
    """Whether the deadline has passed; raises `Interrupted` when the caller says so.
    Called every few thousand evaluation steps and between the parts of an analysis."""
    limits: Limits | None = getattr(_local, "limits", None)
    if limits is None:
        return False
    if limits.interrupt is not None:
        limits.interrupt()
    return limits.deadline is not None and time.monotonic() > limits.deadline


def check_interrupt() -> None:
    """Raises `Interrupted` when the caller says the analysis must stop (the deadline is
    left to `out_of_time`): for steps that cannot stop half-way but can be skipped."""
    limits: Limits | None = getattr(_local, "limits", None)
    if limits is not None and limits.interrupt is not None:
        limits.interrupt()
