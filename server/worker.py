"""One background thread for analyses, urgent work first.

Analyses are CPU-bound Python: running two at once on other threads would only slice the GIL.
One thread keeps the event loop free for requests answered from the cache, and a priority
queue lets the analysis a user waits for overtake background preparation. A running analysis
can see that urgent work is waiting (`urgent_waiting`) and step aside for it (see
`server.documents`).
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

URGENT = 0
BACKGROUND = 1

T = TypeVar("T")


class Worker:
    def __init__(self, name: str = "shapelens-analysis") -> None:
        self._queue: queue.PriorityQueue[tuple[int, int, Callable[[], None] | None]] = (
            queue.PriorityQueue())
        self._order = itertools.count()
        self._urgent = 0  # urgent jobs queued, not yet started
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, function: Callable[[], T], priority: int = URGENT) -> Future[T]:
        future: Future[T] = Future()

        def job() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(function())
            except BaseException as error:  # handed to whoever waits on the future
                future.set_exception(error)

        if priority <= URGENT:
            with self._lock:
                self._urgent += 1
        self._queue.put((priority, next(self._order), job))
        return future

    def urgent_waiting(self) -> bool:
        """Whether an urgent job waits for the one running now (from any thread)."""
        return self._urgent > 0

    def close(self) -> None:
        self._queue.put((-1, next(self._order), None))

    def _run(self) -> None:
        while True:
            priority, _, job = self._queue.get()
            if job is None:
                return
            if priority <= URGENT:
                with self._lock:
                    self._urgent -= 1
            try:
                job()
            except Exception:  # pragma: no cover - job() catches everything itself
                logger.exception("analysis job failed")

    def pending(self) -> int:
        return self._queue.qsize()


def run_detached(function: Callable[[], Any]) -> None:
    """Call and log any error: for callbacks whose caller cannot handle one."""
    try:
        function()
    except Exception:
        logger.exception("callback failed")
