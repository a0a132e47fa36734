"""The TensorFlow side of the oracle for scripts, subclassed models and custom layers: runs a
test program as a script (`__name__ == "__main__"`) in real Keras and records every layer
call made directly by a line of the program, at any depth (inside a subclass's `call` too).

Request (one line): {"source": "..."}
Reply (one line): {"error": "Type: message" | null, "error_line": int | null,
                   "calls": [{"line": int, "class": str, "output_shapes": [[...], ...] | null,
                              "params": int | null}]}
`error_line` is the deepest line of the program in the traceback (inside `call` when Keras
refuses a layer there). Only test programs written by the test suite are run here.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import keras
import tensorflow as tf

tf.get_logger().setLevel("ERROR")
warnings.simplefilter("ignore")
keras.utils.disable_interactive_logging()

_original_call = keras.Layer.__call__
_records: list[dict[str, object]] = []
_layers: list[object] = []


def _shape(value: object) -> list[int | None] | None:
    try:
        return [None if d is None else int(d) for d in value.shape]  # type: ignore[attr-defined]
    except (TypeError, AttributeError, ValueError):
        return None


def _recording_call(self: keras.Layer, *args: object, **kwargs: object) -> object:
    caller = sys._getframe(1)
    if caller.f_code.co_filename != "<case>":
        return _original_call(self, *args, **kwargs)
    record: dict[str, object] = {"line": caller.f_lineno, "class": type(self).__name__,
                                 "output_shapes": None, "layer": len(_layers)}
    _layers.append(self)
    _records.append(record)
    out = _original_call(self, *args, **kwargs)
    record["output_shapes"] = [_shape(t) for t in keras.tree.flatten(out)]
    return out


keras.Layer.__call__ = _recording_call  # type: ignore[method-assign]


def run(source: str) -> dict[str, object]:
    _records.clear()
    _layers.clear()
    namespace: dict[str, object] = {"__name__": "__main__"}
    error = error_line = None
    try:
        exec(compile(source, "<case>", "exec"), namespace)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        error = f"{type(exc).__name__}: {exc}"[:2000]
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == "<case>"]
        error_line = frames[-1].lineno if frames else None
    calls = []
    for record in _records:
        layer = _layers[int(record.pop("layer"))]  # type: ignore[call-overload]
        try:
            record["params"] = int(layer.count_params())  # type: ignore[attr-defined]
        except Exception:
            record["params"] = None
        calls.append(record)
    return {"error": error, "error_line": error_line, "calls": calls}


def main() -> None:
    out = sys.stdout
    sys.stdout = sys.stderr
    for count, line in enumerate(sys.stdin, start=1):
        reply = run(json.loads(line)["source"])
        out.write(json.dumps(reply) + "\n")
        out.flush()
        if count % 50 == 0:
            keras.backend.clear_session()


if __name__ == "__main__":
    main()
