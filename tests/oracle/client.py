"""The test side of the oracle: a persistent TF worker process, restarted if a program hangs."""

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
class OracleLayer:
    class_name: str
    output_shape: tuple[int | None, ...] | None
    params: int | None


@dataclass(frozen=True)
class OracleModel:
    built: bool
    input_shape: tuple[int | None, ...] | None
    output_shape: tuple[int | None, ...] | None
    total_params: int | None
    layers: tuple[OracleLayer, ...]


@dataclass(frozen=True)
class OracleResult:
    error: str | None
    error_line: int | None  # deepest line of the program in the traceback
    error_line_top: int | None  # the module-level statement that raised
    models: dict[str, OracleModel]
    # What the program put in its global MEASURED (losses, accuracies...), as JSON.
    measured: object = None

    @property
    def raised(self) -> bool:
        return self.error is not None


def _tuple(shape: list[int | None] | None) -> tuple[int | None, ...] | None:
    return None if shape is None else tuple(shape)


class Oracle:
    def __init__(self, timeout: float = 120.0, keras_version: str = "3") -> None:
        """`keras_version` "2": the programs run in tf.keras 2 (the tf-keras package)."""
        self.timeout = timeout
        self.keras_version = keras_version
        self._process: subprocess.Popen[str] | None = None

    def _start(self) -> subprocess.Popen[str]:
        env = dict(os.environ, PYTHONPATH=str(ROOT), SHAPELENS_ORACLE_KERAS=self.keras_version)
        return subprocess.Popen([sys.executable, str(WORKER)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                env=env, cwd=str(ROOT))

    def run(self, source: str) -> OracleResult:
        if self._process is None or self._process.poll() is not None:
            self._process = self._start()
        process = self._process
        assert process.stdin and process.stdout
        process.stdin.write(json.dumps({"source": source}) + "\n")
        process.stdin.flush()
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(process.stdout.readline()),  # type: ignore[union-attr]
                                  daemon=True)
        reader.start()
        reader.join(self.timeout)
        if not line or not line[0]:
            self.close()
            raise TimeoutError(f"TensorFlow did not answer within {self.timeout}s")
        reply = json.loads(line[0])
        models = {
            name: OracleModel(
                built=m["built"], input_shape=_tuple(m["input_shape"]),
                output_shape=_tuple(m["output_shape"]), total_params=m["total_params"],
                layers=tuple(OracleLayer(layer["class"], _tuple(layer["output_shape"]),
                                         layer["params"]) for layer in m["layers"]))
            for name, m in reply["models"].items()
        }
        return OracleResult(reply["error"], reply["error_line"], reply["error_line_top"], models,
                            reply.get("measured"))

    def close(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None
