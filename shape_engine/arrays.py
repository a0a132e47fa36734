"""Data shapes: what numpy, TensorFlow and Keras' data helpers produce, statically.

The evaluator calls in here for calls on numpy/tf/keras.utils/keras.datasets/sklearn names,
attributes, subscripts, methods and arithmetic on arrays. Each returns an `ArrayValue` (shape
and dtype as far as known) or UNKNOWN; `call` returns None for names it does not model.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from shape_engine.findings import Range
from shape_engine.values import UNKNOWN, ArrayValue, Const, Seq, Value, constant

Evaluate = Callable[[ast.expr], Value]


def call(name: str, args: list[Value], kwargs: dict[str, Value], at: Range) -> Value | None:
    handler = _CALLS.get(name)
    if handler is None:
        return None
    return handler(args, kwargs, at)


def attribute(array: ArrayValue, attr: str) -> Value:
    if attr == "shape":
        if array.shape is None:
            return UNKNOWN
        return Seq(tuple(Const(d) if d is not None else UNKNOWN for d in array.shape))
    if attr == "ndim" and array.shape is not None:
        return Const(len(array.shape))
    from shape_engine.values import BoundMethod

    return BoundMethod(array, attr)


def subscript(array: ArrayValue, index: ast.expr, evaluate: Evaluate, at: Range) -> Value:
    return ArrayValue(None, array.dtype, at)


def method(array: ArrayValue, name: str, args: list[Value], kwargs: dict[str, Value],
           at: Range) -> Value:
    return UNKNOWN


def binop(op: ast.operator, left: Value, right: Value) -> Value:
    return UNKNOWN


def unpack(array: ArrayValue, count: int) -> list[Value]:
    return [UNKNOWN] * count


def _shape_arg(value: Value) -> tuple[int, ...] | None:
    shape = constant(value)
    if isinstance(shape, int) and not isinstance(shape, bool):
        return (shape,)
    if isinstance(shape, tuple | list) and all(
            isinstance(d, int) and not isinstance(d, bool) for d in shape):
        return tuple(shape)
    return None


def _random_rand(args: list[Value], kwargs: dict[str, Value], at: Range) -> Value:
    dims = [constant(a) for a in args]
    if all(isinstance(d, int) and not isinstance(d, bool) for d in dims):
        return ArrayValue(tuple(dims), "float", at)  # type: ignore[arg-type]
    return ArrayValue(None, "float", at)


_CALLS: dict[str, Callable[[list[Value], dict[str, Value], Range], Value]] = {
    "numpy.random.rand": _random_rand,
    "numpy.random.randn": _random_rand,
}
