"""The TensorFlow side of the functional-graph oracle: runs a test program in real Keras and
records every call of a layer or model on symbolic tensors made by the program's own lines.

Request (one line): {"source": "..."}
Reply (one line): {"error": "Type: message" | null, "error_line": int | null,
                   "error_line_top": int | null,
                   "calls": [{"line": int, "class": str, "output_shapes": [[...], ...] | null,
                              "params": int | null}]}
Only test programs written by the test suite are run here.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "1"
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import keras
import tensorflow as tf

tf.get_logger().setLevel("ERROR")
warnings.simplefilter("ignore")
keras.utils.disable_interactive_logging()

_original_call = keras.Layer.__call__
_records: list[dict[str, object]] = []
_layers: list[object] = []
_depth = [0]


def _case_line() -> int | None:
    for frame in reversed(traceback.extract_stack()):
        if frame.filename == "<case>":
            return frame.lineno
    return None


def _shape(shape: object) -> list[int | None] | None:
    try:
        return [None if d is None else int(d) for d in shape]  # type: ignore[union-attr]
    except TypeError:
        return None


def _recording_call(self: keras.Layer, *args: object, **kwargs: object) -> object:
    symbolic = any(isinstance(x, keras.KerasTensor) for x in keras.tree.flatten((args, kwargs)))
    if not symbolic or _depth[0] > 0:
        _depth[0] += 1
        try:
            return _original_call(self, *args, **kwargs)
        finally:
            _depth[0] -= 1
    record: dict[str, object] = {"line": _case_line(), "class": type(self).__name__,
                                 "output_shapes": None, "layer": len(_layers)}
    _layers.append(self)
    _records.append(record)
    _depth[0] += 1
    try:
        out = _original_call(self, *args, **kwargs)
    finally:
        _depth[0] -= 1
    record["output_shapes"] = [_shape(t.shape) for t in keras.tree.flatten(out)]
    return out


keras.Layer.__call__ = _recording_call  # type: ignore[method-assign]


def run(source: str) -> dict[str, object]:
    _records.clear()
    _layers.clear()
    namespace: dict[str, object] = {"__name__": "__case__"}
    error = error_line = error_line_top = None
    try:
        exec(compile(source, "<case>", "exec"), namespace)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        error = f"{type(exc).__name__}: {exc}"[:2000]
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == "<case>"]
        error_line = frames[-1].lineno if frames else None
        error_line_top = frames[0].lineno if frames else None
    calls = []
    for record in _records:
        layer = _layers[int(record.pop("layer"))]  # type: ignore[call-overload]
        try:
            record["params"] = int(layer.count_params())  # type: ignore[attr-defined]
        except Exception:
            record["params"] = None
        calls.append(record)
    keras.config.set_image_data_format("channels_last")
    return {"error": error, "error_line": error_line, "error_line_top": error_line_top,
            "calls": calls}


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
