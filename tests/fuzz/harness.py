"""Running one input through the engine the way the CLI does: time it, catch what it raises,
check what it returns.

The time bound. The engine must return within

    bound = 100 ms + 20 µs per byte (of UTF-8 text; about 0.6 ms per line of 30 characters)

of CPU time of the thread analysing, whatever the file holds. The engine keeps its work
proportional to the file by design: evaluation has a budget of steps (`evaluate.BASE_STEPS`,
`STEPS_PER_CHARACTER`; a step costs a few microseconds), interpretation follows the models
evaluation recorded, and verifying fixes spends a few analyses more at most, fewer on
a long file (`verify.keep_working_fixes`). The CI fuzz test allows ten times the bound, so
that it cannot flake on a busy machine; `python -m tests.fuzz.deep` reports every input
over the bound itself and the slowest input.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from shape_engine.analysis import Analysis, analyze_bytes, analyze_source
from shape_engine.cli import model_json, summary_table
from shape_engine.evaluation.scope import ModuleResolver
from shape_engine.findings import Position, Range
from shape_engine.presenters.json_format import finding_json
from shape_engine.source import LineIndex

BASE_SECONDS = 0.100
SECONDS_PER_BYTE = 0.000_020
BOUND_TEXT = "100 ms + 20 us per byte of CPU time"


def time_bound(data: bytes | str) -> float:
    """Seconds of CPU time the engine may take on this input."""
    return BASE_SECONDS + SECONDS_PER_BYTE * _size(data)


def _size(data: bytes | str) -> int:
    return len(data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass"))


def _line_count(data: bytes | str) -> int:
    if isinstance(data, bytes):
        return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n") + 1
    return data.count("\n") + data.count("\r") - data.count("\r\n") + 1


class Hang(BaseException):
    """Raised by the watchdog inside the engine: a BaseException, so that no `except
    Exception` in the engine can swallow it."""


@dataclass(frozen=True)
class Outcome:
    name: str
    size: int  # bytes
    lines: int
    seconds: float  # wall clock
    cpu_seconds: float  # CPU time of the analysing thread
    bound: float
    error: str | None  # what went wrong: the exception and where, a broken invariant, a log

    @property
    def over_bound(self) -> bool:
        return self.cpu_seconds > self.bound


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _watchdog(seconds: float | None) -> Iterator[None]:
    """Raise `Hang` in the engine after `seconds` (main thread only, where signals go)."""
    if seconds is None or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise Hang(f"still running after {seconds:.1f} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_input(name: str, data: bytes | str, hang_after: float | None = 120.0,
              modules: dict[str, str] | None = None) -> Outcome:
    """Analyse `data` (bytes as read from disk, or text as an editor sends it), then present
    the result as `shapelens check/shapes --format json` and the summary table do.
    `modules`: the user's modules the program may import, by name (their time counts)."""
    resolver = None if modules is None else memory_resolver(modules)
    size = _size(data)
    records = _Records()
    root = logging.getLogger()
    root.addHandler(records)
    error: str | None = None
    wall = cpu = 0.0
    try:
        with _watchdog(hang_after):
            started, started_cpu = time.perf_counter(), time.thread_time()
            try:
                analysis = (analyze_bytes(data, "fuzz.py", resolver) if isinstance(data, bytes)
                            else analyze_source(data, "fuzz.py", resolver))
            finally:
                wall = time.perf_counter() - started
                cpu = time.thread_time() - started_cpu
            error = broken_invariant(analysis) or _present(analysis)
    except BaseException as exc:  # every failure, a hang included, is a result here
        if isinstance(exc, KeyboardInterrupt):
            raise
        error = describe(exc)
    finally:
        root.removeHandler(records)
    if error is None and records.records:
        error = "logged: " + "; ".join(r.getMessage() for r in records.records[:3])
    return Outcome(name, size, _line_count(data), wall, cpu, time_bound(data), error)


def memory_resolver(modules: dict[str, str]) -> ModuleResolver:
    """Resolves `import a.b` and `from . import a` to `modules["a"]` (a module of any name
    whose first part is known), as the filesystem resolver would find a sibling file."""
    def resolve(module: str, level: int, from_path: str | None) -> tuple[str, str] | None:
        first = module.split(".")[0] if module else "fuzz"
        text = modules.get(first)
        return None if text is None else (f"{first}.py", text)

    return resolve


def describe(exc: BaseException) -> str:
    """The exception and the innermost engine frames that raised it."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if "shape_engine" in f.filename or "server" in f.filename]
    where = " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}"
                        for f in reversed(frames[-4:]))
    return f"{type(exc).__name__}: {str(exc)[:200]} at {where or 'the harness'}"


def broken_invariant(analysis: Analysis) -> str | None:
    """What a presenter relies on: ranges ordered and inside the text, JSON-able results."""
    lines = LineIndex(analysis.text).lines
    for finding in analysis.findings:
        if finding.file is not None:
            continue
        ranges = [finding.range] + [e.range for fix in finding.fixes for e in fix.edits]
        ranges += [r.range for r in finding.related if r.file is None]
        for where in ranges:
            problem = _outside(where, lines)
            if problem:
                return f"{finding.code} {finding.message[:80]!r}: {problem}"
    return None


def _outside(where: Range, lines: list[str]) -> str | None:
    if (where.end.line, where.end.character) < (where.start.line, where.start.character):
        return f"range {where} ends before it starts"
    for position in (where.start, where.end):
        if not _inside(position, lines):
            return f"position {position} is outside the text ({len(lines)} lines)"
    return None


def _inside(position: Position, lines: list[str]) -> bool:
    return (0 <= position.line < len(lines)
            and 0 <= position.character <= len(lines[position.line]))


def _present(analysis: Analysis) -> str | None:
    json.dumps([finding_json("fuzz.py", f) for f in analysis.findings])
    json.dumps([model_json(m) for m in analysis.models])
    for report in analysis.models:
        summary_table(report, "fuzz.py")
    return None
