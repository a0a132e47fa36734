"""Declared input shapes that are partly known keep their rank.

`input_shape=(X.shape[1], 1)` where `X.shape[1]` is not known still declares a 3-D input
(None, ?, 1): the layers after it check ranks that are certain. A dim that is only unknown to
the engine is not a dim Keras sees as None, so a layer that refuses an undefined dim
(SL102) says nothing about such a model (`ModelReport.guessed_dims`).
"""

from __future__ import annotations

from shape_engine.ir import LayerCall
from shape_engine.shapes import Dim, MaybeShape, Shape
from shape_engine.values import Const, Seq, Unknown, Value

DECLARING = ("input_shape", "input_dim")


def partial_declared_shape(call: LayerCall) -> Shape | None:
    """The batch shape `input_shape=`/`input_dim=` declares with some dims not known, or None
    when even its rank is not known (or nothing is declared that way)."""
    if "input_shape" in call.kwargs and "input_dim" not in call.kwargs:
        dims = _dims(call.kwargs["input_shape"])
        return None if dims is None else (None, *dims)
    if "input_dim" in call.kwargs and "input_shape" not in call.kwargs and (
            call.kind != "Embedding"):
        dim = _dim(call.kwargs["input_dim"])
        return None if dim is False else (None, dim)
    return None


def _dims(value: Value) -> tuple[Dim, ...] | None:
    if not isinstance(value, Seq) or not value.items:
        return None
    dims = [_dim(item) for item in value.items]
    if any(d is False for d in dims):
        return None
    return tuple(d for d in dims if d is not False)


def _dim(value: Value) -> Dim | bool:
    """A dim: an int, None for a dim not known; False for what cannot be a dim."""
    if isinstance(value, Unknown):
        return None
    if isinstance(value, Const) and (value.value is None or (
            isinstance(value.value, int) and not isinstance(value.value, bool)
            and value.value >= 0)):
        return value.value
    return False


def has_guessed_dims(shape: MaybeShape) -> bool:
    """Data of this batch shape has dims the engine does not know besides the batch."""
    return shape is not None and any(d is None for d in shape[1:])
