"""The test side of the script oracle (see worker.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

WORKER = Path(__file__).with_name("worker.py")
ROOT = WORKER.parents[2]


@dataclass(frozen=True)
class Call:
    line: int
    class_name: str
    output_shapes: tuple[tuple[int | None, ...] | None, ...] | None
    params: int | None


@dataclass(frozen=True)
class ScriptResult:
    error: str | None
    error_line: int | None  # the deepest line of the program in the traceback
    calls: tuple[Call, ...]

    def calls_at(self, line: int) -> list[Call]:
        return [c for c in self.calls if c.line == line]


class ScriptOracle:
    """One persistent TensorFlow worker, restarted when a program hangs."""

    def __init__(self, timeout: float = 120.0) -> None:
        self.timeout = timeout
        self._process: subprocess.Popen[str] | None = None

    def run(self, source: str) -> ScriptResult:
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(
                [sys.executable, str(WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, text=True, cwd=str(ROOT),
                env=dict(os.environ, PYTHONPATH=str(ROOT)))
        process = self._process
        assert process.stdin and process.stdout
        process.stdin.write(json.dumps({"source": source}) + "\n")
        process.stdin.flush()
        line: list[str] = []
        reader = threading.Thread(
            target=lambda: line.append(process.stdout.readline()),  # type: ignore[union-attr]
            daemon=True)
        reader.start()
        reader.join(self.timeout)
        if not line or not line[0]:
            self.close()
            raise TimeoutError(f"TensorFlow did not answer within {self.timeout}s")
        reply = json.loads(line[0])
        calls = tuple(Call(
            c["line"], c["class"],
            None if c["output_shapes"] is None else tuple(
                None if s is None else tuple(s) for s in c["output_shapes"]),
            c["params"]) for c in reply["calls"])
        return ScriptResult(reply["error"], reply["error_line"], calls)

    def close(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None
