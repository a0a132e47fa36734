"""Python's operators on constant values, computed only when cheap and small."""

from __future__ import annotations

import ast
from collections.abc import Callable

from shape_engine.evaluation.limits import MAX_INT_BITS, MAX_SEQUENCE_LENGTH
from shape_engine.values import UNKNOWN, Const, NotConstant, Seq, Value, from_python, to_python


def truth_of(value: Value) -> bool | None:
    try:
        return bool(to_python(value))
    except NotConstant:
        return None


def constant_binop(op: ast.operator, left: Value, right: Value, a: object, b: object
                    ) -> Value:
    """`a op b` of the constants `left` and `right` hold, when it is cheap and small."""
    if not _affordable(op, left, right, a, b):
        return UNKNOWN
    if isinstance(a, _TEXT) or isinstance(b, _TEXT):
        if isinstance(op, ast.Add) and isinstance(a, _TEXT) and type(a) is type(b):
            return Const(a + b)  # type: ignore[operator]
        return UNKNOWN
    operation = _BINOPS.get(type(op))
    if operation is None:
        return UNKNOWN
    try:
        return from_python(operation(a, b))
    except Exception:
        return UNKNOWN


def _affordable(op: ast.operator, left: Value, right: Value, a: object, b: object) -> bool:
    """Whether `a op b` is cheap to compute and gives a small value: not `(0,) * 10**9`,
    `s = s + s` or `x = x * x` in a loop, `9 ** 10**6`."""
    if (isinstance(a, int) and a.bit_length() > MAX_INT_BITS) or (
            isinstance(b, int) and b.bit_length() > MAX_INT_BITS):
        return False
    kind = type(op)
    if kind is ast.Pow:
        return not (isinstance(b, _NUMBERS) and abs(b) > 64)
    if kind is ast.LShift:
        return not (isinstance(b, int) and b > 64)
    if kind is not ast.Add and kind is not ast.Mult:
        return True
    left_size, right_size = _size(left, a), _size(right, b)
    if kind is ast.Add:
        return left_size + right_size <= MAX_SEQUENCE_LENGTH
    for x, count, size in ((a, b, left_size), (b, a, right_size)):
        if isinstance(x, _REPEATABLE) and isinstance(count, int):
            return count * size <= MAX_SEQUENCE_LENGTH
    return True


def _size(value: Value, python: object) -> int:
    """How many values `value` (whose Python value is `python`) holds, as `_affordable`
    counts them."""
    if isinstance(value, Seq):
        return value.size
    return len(python) if isinstance(python, _TEXT) else 1


# Tuples made once: isinstance takes them faster than a union made at each test.
_TEXT = (str, bytes)
_NUMBERS = (int, float)
_REPEATABLE = (str, bytes, list, tuple)


def optional_int(x: object) -> int | None:
    if x is None or (isinstance(x, int) and not isinstance(x, bool)):
        return x
    raise TypeError


_BINOPS: dict[type, Callable[[object, object], object]] = {
    ast.Add: lambda a, b: a + b,  # type: ignore[operator]
    ast.Sub: lambda a, b: a - b,  # type: ignore[operator]
    ast.Mult: lambda a, b: a * b,  # type: ignore[operator]
    ast.Div: lambda a, b: a / b,  # type: ignore[operator]
    ast.FloorDiv: lambda a, b: a // b,  # type: ignore[operator]
    ast.Mod: lambda a, b: a % b,  # type: ignore[operator]
    ast.Pow: lambda a, b: a**b,  # type: ignore[operator]
    ast.LShift: lambda a, b: a << b,  # type: ignore[operator]
    ast.RShift: lambda a, b: a >> b,  # type: ignore[operator]
    ast.BitOr: lambda a, b: a | b,  # type: ignore[operator]
    ast.BitAnd: lambda a, b: a & b,  # type: ignore[operator]
    ast.BitXor: lambda a, b: a ^ b,  # type: ignore[operator]
}


def fold_constants(node: ast.expr, values: list[object]) -> object:
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            result: object = True
            for v in values:
                result = v
                if not v:
                    return v
            return result
        for v in values:
            if v:
                return v
        return values[-1]
    if isinstance(node, ast.Compare):
        left = values[0]
        for op, right in zip(node.ops, values[1:], strict=True):
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    raise NotConstant


_COMPARE: dict[type, Callable[[object, object], bool]] = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,  # type: ignore[operator]
    ast.LtE: lambda a, b: a <= b,  # type: ignore[operator]
    ast.Gt: lambda a, b: a > b,  # type: ignore[operator]
    ast.GtE: lambda a, b: a >= b,  # type: ignore[operator]
    ast.Is: lambda a, b: a is b,
    ast.IsNot: lambda a, b: a is not b,
    ast.In: lambda a, b: a in b,  # type: ignore[operator]
    ast.NotIn: lambda a, b: a not in b,  # type: ignore[operator]
}
