"""The test side of the oracle: a persistent TF worker process, restarted if a program hangs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
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
class OracleTensor:
    """A symbolic tensor a program left in a variable, and the layer that made it."""

    shape: tuple[int | None, ...] | None  # None: not a single tensor
    layer_class: str | None
    layer: int | None  # the same number for every call of one (shared) layer
    params: int | None


@dataclass(frozen=True)
class OracleCall:
    """A call of a layer or model on symbolic tensors, made by a line of the program."""

    line: int | None
    class_name: str
    output_shapes: tuple[tuple[int | None, ...] | None, ...] | None
    params: int | None  # the layer's parameters once the program ran


@dataclass(frozen=True)
class OracleResult:
    error: str | None
    error_line: int | None  # deepest line of the program in the traceback
    error_line_top: int | None  # the module-level statement that raised
    models: dict[str, OracleModel]
    # What the program put in its global MEASURED (losses, accuracies...), as JSON.
    measured: object = None
    # Only when asked for (`run(..., tensors=[...])`): the named variables, and the
    # functional models' parameter counts by variable.
    tensors: dict[str, OracleTensor] = field(default_factory=dict)
    graph_params: dict[str, int | None] = field(default_factory=dict)
    # Only when asked for (`run(..., calls=True)`): every call on symbolic tensors, in order.
    calls: tuple[OracleCall, ...] = ()

    @property
    def raised(self) -> bool:
        return self.error is not None

    def calls_at(self, line: int) -> list[OracleCall]:
        return [call for call in self.calls if call.line == line]


def _tuple(shape: list[int | None] | None) -> tuple[int | None, ...] | None:
    return None if shape is None else tuple(shape)


def _request(source: str, tensors: Sequence[str] | None, calls: bool = False,
             script: bool = False) -> str:
    request: dict[str, object] = {"source": source}
    if tensors is not None:
        request["tensors"] = list(tensors)
    if calls:
        request["calls"] = True
    if script:
        request["script"] = True
    return json.dumps(request) + "\n"


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

    def _running(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            self._process = self._start()
        return self._process

    def run(self, source: str, tensors: Sequence[str] | None = None, calls: bool = False,
            script: bool = False) -> OracleResult:
        """Run one program; `tensors`: variables to describe after it ran; `calls`: record
        every call of a layer or model on symbolic tensors (Keras 3); `script`: run it as a
        script, recording every layer call its lines make at any depth (see worker.py)."""
        process = self._running()
        assert process.stdin
        process.stdin.write(_request(source, tensors, calls, script))
        process.stdin.flush()
        return self._reply()

    def run_many(self, programs: Sequence[tuple[str, Sequence[str] | None]],
                 meanwhile: Callable[[], None] | None = None
                 ) -> list[OracleResult | TimeoutError]:
        """Run a batch of (source, tensors) in one go: the worker starts on the next program
        without waiting for us, and `meanwhile` runs here while TensorFlow works."""
        process = self._running()
        stdin = process.stdin
        assert stdin
        requests = "".join(_request(source, tensors) for source, tensors in programs)

        def write() -> None:
            try:
                stdin.write(requests)
                stdin.flush()
            except (BrokenPipeError, ValueError, OSError):
                pass  # the worker was restarted after a hang: those programs rerun one by one

        writer = threading.Thread(target=write, daemon=True)
        writer.start()
        if meanwhile is not None:
            meanwhile()
        results: list[OracleResult | TimeoutError] = []
        for index in range(len(programs)):
            try:
                results.append(self._reply())
            except TimeoutError as error:
                results.append(error)
                writer.join()
                results += [self._run_or_timeout(s, t) for s, t in programs[index + 1:]]
                break
        writer.join()
        return results

    def _run_or_timeout(self, source: str, tensors: Sequence[str] | None
                        ) -> OracleResult | TimeoutError:
        try:
            return self.run(source, tensors)
        except TimeoutError as error:
            return error

    def _reply(self) -> OracleResult:
        process = self._process
        if process is None or process.stdout is None:
            raise TimeoutError("the TensorFlow worker is gone")
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
        tensors = {name: OracleTensor(_tuple(t["shape"]), t["class"], t["layer"], t["params"])
                   for name, t in reply.get("tensors", {}).items()}
        graph_params = {name: m["total_params"]
                        for name, m in reply.get("graph_models", {}).items()}
        calls = tuple(OracleCall(
            c["line"], c["class"],
            None if c["output_shapes"] is None else tuple(
                None if s is None else tuple(s) for s in c["output_shapes"]),
            c["params"]) for c in reply.get("calls", ()))
        return OracleResult(reply["error"], reply["error_line"], reply["error_line_top"], models,
                            reply.get("measured"), tensors, graph_params, calls)

    def close(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None
