"""The Python builtins evaluation follows (`range`, `len`, `zip`, ...), and iteration over
the values it knows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shape_engine.data import arrays
from shape_engine.evaluation import dicts
from shape_engine.evaluation.constants import optional_int
from shape_engine.evaluation.dicts import ModelDict
from shape_engine.evaluation.limits import MAX_SEQUENCE_LENGTH
from shape_engine.values import (
    UNKNOWN,
    ArrayValue,
    Const,
    NotConstant,
    Seq,
    Value,
    from_python,
    to_python,
)


def unpack(value: Value, count: int) -> list[Value]:
    if isinstance(value, Seq) and len(value.items) == count:
        return list(value.items)
    if isinstance(value, ArrayValue):
        return arrays.unpack(value, count)
    return [UNKNOWN] * count


def iteration_items(value: Value) -> list[Value] | None:
    if isinstance(value, Seq):
        return list(value.items)
    if isinstance(value, ModelDict):
        return dicts.iteration(value)
    if isinstance(value, Const) and isinstance(value.value, str):
        if len(value.value) > MAX_SEQUENCE_LENGTH:
            return None
        return [Const(c) for c in value.value]
    if isinstance(value, _RangeValue):
        return [Const(i) for i in value.values]
    if isinstance(value, ArrayValue) and value.shape and isinstance(value.shape[0], int) and (
            value.shape[0] <= MAX_ARRAY_TURNS):
        # `for row in X`: X[i] at each turn. Longer arrays are gone through once, with X[i]
        # (see `_for`): a loop of predict calls over a whole dataset would cost the budget.
        return arrays.unpack(value, value.shape[0])
    return None


# The most items of an array a loop over it is unrolled for.
MAX_ARRAY_TURNS = 16


@dataclass(frozen=True)
class _RangeValue(Value):
    """A `range(...)` with known bounds, as the ints it yields."""

    values: tuple[int, ...]


def _builtin_range(args: list[Value], kwargs: dict[str, Value]) -> Value:
    try:
        bounds = [optional_int(to_python(a)) for a in args]
        if None in bounds:
            return UNKNOWN
        result = range(*bounds)  # type: ignore[arg-type]
        # Longer than a loop unrolls: an appending loop is still summarised (summarised_loops).
        if len(result) > MAX_SEQUENCE_LENGTH:  # OverflowError past sys.maxsize items
            return UNKNOWN
    except (NotConstant, TypeError, ValueError, OverflowError):
        return UNKNOWN
    return _RangeValue(tuple(result))


def _builtin_len(args: list[Value], kwargs: dict[str, Value]) -> Value:
    if len(args) != 1:
        return UNKNOWN
    (value,) = args
    if isinstance(value, Seq):
        return Const(len(value.items))
    if isinstance(value, Const) and isinstance(value.value, str | bytes):
        return Const(len(value.value))
    if isinstance(value, ArrayValue) and value.shape and value.shape[0] is not None:
        return Const(value.shape[0])
    if isinstance(value, _RangeValue):
        return Const(len(value.values))
    return UNKNOWN


def _pure(function: Callable[..., object]) -> Callable[[list[Value], dict[str, Value]], Value]:
    def call(args: list[Value], kwargs: dict[str, Value]) -> Value:
        try:
            # The arguments first: `function(*(generator), **named)` whose generator raises
            # leaks 64 bytes a call in CPython 3.11.
            positional = [to_python(a) for a in args]
            named = {k: to_python(v) for k, v in kwargs.items()}
            result = function(*positional, **named)
        except Exception:
            return UNKNOWN
        if isinstance(result, list) or (isinstance(result, tuple) and (
                len(result) > MAX_SEQUENCE_LENGTH or any(isinstance(i, list) for i in result))):
            return UNKNOWN  # `max(a, b)` of lists is one of them: a copy would not be
        return from_python(result)
    return call


def _sequence_of(kind: str) -> Callable[[list[Value], dict[str, Value]], Value]:
    def call(args: list[Value], kwargs: dict[str, Value]) -> Value:
        if not args:
            return Seq((), kind)  # type: ignore[arg-type]
        items = iteration_items(args[0])
        if items is None:
            return UNKNOWN
        return Seq(tuple(items), kind)  # type: ignore[arg-type]
    return call


def _builtin_enumerate(args: list[Value], kwargs: dict[str, Value]) -> Value:
    start = args[1] if len(args) > 1 else kwargs.get("start", Const(0))
    items = iteration_items(args[0]) if args else None
    if items is None or not (isinstance(start, Const) and isinstance(start.value, int)):
        return UNKNOWN
    return Seq(tuple(Seq((Const(start.value + i), item)) for i, item in enumerate(items)))


def _builtin_zip(args: list[Value], kwargs: dict[str, Value]) -> Value:
    columns = [iteration_items(arg) for arg in args]
    if kwargs or not args or any(column is None for column in columns):
        return UNKNOWN
    return Seq(tuple(Seq(row) for row in zip(*columns, strict=False)))


def _builtin_reversed(args: list[Value], kwargs: dict[str, Value]) -> Value:
    items = iteration_items(args[0]) if len(args) == 1 and not kwargs else None
    return UNKNOWN if items is None else Seq(tuple(reversed(items)))


def string_method(text: str, name: str, args: list[Value]) -> Value:
    if name in ("lower", "upper", "strip") and not args:
        return Const(getattr(text, name)())
    return UNKNOWN


def _int(x: object) -> int:
    if isinstance(x, float | int | str | bool):
        return int(x)
    raise TypeError


BUILTIN_FUNCTIONS: dict[str, Callable[[list[Value], dict[str, Value]], Value]] = {
    "range": _builtin_range,
    "len": _builtin_len,
    # Iterators over the same items (as tuples: they cannot be changed through them).
    "enumerate": _builtin_enumerate,
    "zip": _builtin_zip,
    "reversed": _builtin_reversed,
    "tuple": _sequence_of("tuple"),
    "list": _sequence_of("list"),
    "int": _pure(_int),
    "float": _pure(float),
    "abs": _pure(abs),
    "min": _pure(min),
    "max": _pure(max),
    "sum": _pure(sum),
    "round": _pure(round),
    "str": _pure(str),
    "bool": _pure(bool),
}
