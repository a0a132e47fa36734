"""Handing memory freed by closed documents back to the system.

Python returns the memory of the objects a closed document leaves to the C allocator, and
glibc's allocator keeps much of it for later (tens of MB after closing hundreds of files):
resident memory then grows from one round of opening and closing files to the next, though
nothing is leaked. `malloc_trim` gives the free pages back. Elsewhere than on glibc this does
nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    import ctypes  # on the first close, not at start-up

    try:
        # The symbols the interpreter is linked with: glibc's, where it is glibc.
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None  # not glibc
    return trim


def release_free_memory() -> bool:
    """Give the allocator's free memory back to the system; whether that could be done."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
