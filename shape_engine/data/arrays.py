"""Data shapes: what numpy, TensorFlow and Keras' data helpers produce, statically.

The evaluator calls in here for calls on numpy/tf/keras.utils/keras.datasets/sklearn names,
attributes, subscripts, methods and arithmetic on arrays. Each returns an `ArrayValue` (shape
and dtype as far as known) or UNKNOWN; `call` returns None for names it does not model.

Shapes are tuples of dims, None for an unknown dim; a wholly unknown shape is None. Value
bounds are kept where they are certain (randint, arange, literals, dataset labels), because
the label checks compare them with the number of output units. The flag `fractional` marks
float data known to hold non-whole values (rand, normal, ...): labels made from it are
truncated by a sparse loss.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Literal

from shape_engine.findings import Range
from shape_engine.shapes import Dim, MaybeShape, Shape
from shape_engine.values import (
    UNKNOWN,
    ArrayValue,
    BoundMethod,
    Const,
    Instance,
    ModuleRef,
    NotConstant,
    Seq,
    Value,
    constant,
)

Evaluate = Callable[[ast.expr], Value]
Args = list[Value]
Kwargs = dict[str, Value]
Handler = Callable[[Args, Kwargs, Range], Value]
Bounds = tuple[float, float] | None
DType = Literal["int", "float", "bool", "str"]

# Bigger literals are not worth walking: their shape is taken as unknown.
MAX_LITERAL_ITEMS = 100_000
FRACTIONAL = "fractional"
# The bounds are reached (every class of a dataset's labels is there): to_categorical without
# num_classes then makes exactly bounds[1] + 1 columns.
EXACT = "exact"
# Integers drawn uniformly over the bounds (randint; a dataset's balanced labels): with many of
# them, every value near the bounds is there, with a probability the checks can compute.
DRAWN = "drawn"

# -- entry points called by the evaluator ------------------------------------------------------


def call(name: str, args: list[Value], kwargs: dict[str, Value], at: Range) -> Value | None:
    handler = _CALLS.get(name)
    if handler is None:
        handler = _instance_call(name)
    if handler is None:
        return None
    try:
        return handler(args, kwargs, at)
    except (NotConstant, ArithmeticError, ValueError, TypeError, IndexError, OverflowError):
        return UNKNOWN


def attribute(array: ArrayValue, attr: str) -> Value:
    shape = array.shape
    if attr == "shape":
        if shape is None:
            return UNKNOWN
        return Seq(tuple(Const(d) if d is not None else UNKNOWN for d in shape))
    if attr == "ndim" and shape is not None:
        return Const(len(shape))
    if attr == "size" and shape is not None:
        total = _product(shape)
        return Const(total) if total is not None else UNKNOWN
    if attr == "T":
        return replace(array, shape=None if shape is None else tuple(reversed(shape)))
    return BoundMethod(array, attr)


def subscript(array: ArrayValue, index: ast.expr, evaluate: Evaluate, at: Range) -> Value:
    # A part of the data may not reach the bounds the whole reaches.
    array = replace(array, extra=tuple(e for e in array.extra if e[0] != EXACT))
    try:
        return _subscript(array, index, evaluate, at)
    except (NotConstant, ArithmeticError, ValueError, TypeError, IndexError):
        return ArrayValue(None, array.dtype, at)


def method(array: ArrayValue, name: str, args: list[Value], kwargs: dict[str, Value],
           at: Range) -> Value:
    handler = _METHODS.get(name)
    if handler is None:
        return UNKNOWN
    try:
        return handler(array, args, kwargs, at)
    except (NotConstant, ArithmeticError, ValueError, TypeError, IndexError, OverflowError):
        return UNKNOWN


def binop(op: ast.operator, left: Value, right: Value) -> Value:
    try:
        return _binop(op, left, right)
    except (ArithmeticError, ValueError, TypeError, OverflowError):
        return UNKNOWN


def compare(values: Sequence[Value]) -> Value:
    """`x > 0.5`: a boolean array of the broadcast shape."""
    try:
        return _compare(values)
    except ValueError:
        return UNKNOWN


def _compare(values: Sequence[Value]) -> Value:
    shapes: list[MaybeShape] = []
    for value in values:
        if isinstance(value, ArrayValue):
            shapes.append(value.shape)
        elif isinstance(value, Const) and isinstance(value.value, int | float):
            shapes.append(())
        else:
            return UNKNOWN
    shape: MaybeShape = ()
    for other in shapes:
        shape = broadcast(shape, other)
    return ArrayValue(shape, "bool", bounds=(0, 1))


def unary(op: ast.unaryop, operand: ArrayValue) -> Value:
    if isinstance(op, ast.UAdd):
        return operand
    if isinstance(op, ast.USub):
        bounds = operand.bounds
        return replace(operand, bounds=None if bounds is None else (-bounds[1], -bounds[0]))
    if isinstance(op, ast.Invert) and operand.dtype in ("int", "bool"):
        return replace(operand, bounds=None)
    return UNKNOWN


def unpack(array: ArrayValue, count: int) -> list[Value]:
    shape = array.shape
    if shape is None or not shape or (shape[0] is not None and shape[0] != count):
        return [UNKNOWN] * count
    item = ArrayValue(shape[1:], array.dtype, array.origin, array.bounds, array.one_hot,
                      array.extra)
    return [item] * count


# -- shapes --------------------------------------------------------------------------------------


def row(array: ArrayValue) -> Value:
    """One item of iterating over an array (`for row in X`): X[i]."""
    if array.shape is None or not array.shape:
        return UNKNOWN
    return ArrayValue(array.shape[1:], array.dtype, array.origin, array.bounds,
                      extra=tuple(e for e in array.extra if e[0] != EXACT))


def broadcast(a: MaybeShape, b: MaybeShape) -> MaybeShape:
    """numpy broadcasting with unknown dims; raises ValueError when it surely fails."""
    if a is None or b is None:
        return None
    result: list[Dim] = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        result.append(_broadcast_dim(x, y))
    return tuple(reversed(result))


def _broadcast_dim(x: Dim, y: Dim) -> Dim:
    if x == 1:
        return y
    if y == 1:
        return x
    if x is None or y is None:
        # The known one wins when the other is either equal or 1, unless both are unknown.
        return x if y is None and x is not None else y if x is None and y is not None else None
    if x != y:
        raise ValueError(f"cannot broadcast {x} against {y}")
    return x


def _product(shape: Shape) -> int | None:
    if any(d is None for d in shape):
        return None
    return math.prod(d for d in shape if d is not None)


def _int(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def _dims(value: Value | None) -> tuple[Dim, ...] | None:
    """A shape argument: an int, or a tuple/list whose items may be unknown."""
    if value is None:
        return None
    if isinstance(value, Const):
        n = _int(value.value)
        return (n,) if n is not None and n >= 0 else None
    if isinstance(value, Seq):
        return _dim_args(value.items)
    return None


def _dim_args(args: Sequence[Value]) -> tuple[Dim, ...] | None:
    """`rand(3, 4)`: each positional argument is a dim (unknown ones allowed); the items of
    a shape tuple too."""
    dims: list[Dim] = []
    for arg in args:
        if isinstance(arg, Const):
            n = _int(arg.value)
            if n is None or n < 0:
                return None
            dims.append(n)
        elif isinstance(arg, Seq | ArrayValue):
            return None
        else:
            dims.append(None)
    return tuple(dims)


def _axis(axis: int, rank: int) -> int:
    if not -rank <= axis < rank:
        raise IndexError(axis)
    return axis + rank if axis < 0 else axis


# -- dtypes --------------------------------------------------------------------------------------

_DTYPE_PATTERN = re.compile(r"^(u?int|float|bfloat|complex|bool|str)")


def dtype_of(value: Value | None) -> DType | None:
    """'int', 'float', 'bool', 'str' for a dtype argument, None when unknown."""
    if isinstance(value, Const) and isinstance(value.value, str):
        name = value.value
    elif isinstance(value, ModuleRef):
        name = value.name.rsplit(".", 1)[-1]
    else:
        return None
    name = name.lower().rstrip("_")
    match = _DTYPE_PATTERN.match(name)
    if match is None:
        return None
    return _KINDS[match.group(1)]


_KINDS: dict[str, DType | None] = {"uint": "int", "int": "int", "float": "float",
                                   "bfloat": "float", "complex": None, "bool": "bool",
                                   "str": "str"}


def _dtype(given: Value | None, default: DType | None) -> DType | None:
    """The dtype a `dtype=` argument names, `default` when it is absent."""
    return dtype_of(given) if given is not None else default


def _is_fractional(array: ArrayValue) -> bool:
    return (FRACTIONAL, True) in array.extra


def _fractional(flag: bool) -> tuple[tuple[str, object], ...]:
    return ((FRACTIONAL, True),) if flag else ()


def _is_exact(array: ArrayValue) -> bool:
    return (EXACT, True) in array.extra


def _with_dtype(array: ArrayValue, dtype: DType | None) -> ArrayValue:
    """astype: converting to int truncates values (and their bounds)."""
    if dtype is None:
        return replace(array, dtype=None, bounds=None, extra=())
    bounds = array.bounds
    extra = array.extra
    if dtype in ("int", "bool"):
        extra = tuple(e for e in extra if e[0] != FRACTIONAL)
        if bounds is not None:
            bounds = (float(math.trunc(bounds[0])), float(math.trunc(bounds[1])))
        if dtype == "bool":
            bounds = (0, 1)
    return replace(array, dtype=dtype, bounds=bounds, extra=extra)


# -- literals --------------------------------------------------------------------------------


def literal(value: Value, at: Range | None = None) -> ArrayValue | None:
    """The array `np.array(value)` makes of nested literals or arrays, or None."""
    if isinstance(value, ArrayValue):
        return value
    if isinstance(value, Const):
        item = value.value
        reached = ((EXACT, True),)
        if isinstance(item, bool):
            return ArrayValue((), "bool", at, (int(item), int(item)), extra=reached)
        if isinstance(item, int | float):
            return ArrayValue((), "int" if isinstance(item, int) else "float", at,
                              (item, item), extra=reached)
        if isinstance(item, str):
            return ArrayValue((), "str", at)
        return None
    if not isinstance(value, Seq):
        return None
    if len(value.items) > MAX_LITERAL_ITEMS:
        return None
    items = [literal(item) for item in value.items]
    if not items:
        return ArrayValue((0,), "float", at)
    if any(item is None for item in items):
        return None
    known = [item for item in items if item is not None]
    first = known[0].shape
    if first is None or any(item.shape != first for item in known):
        return None
    kinds = {item.dtype for item in known}
    dtype: DType | None
    if kinds <= {"bool"}:
        dtype = "bool"
    elif kinds <= {"bool", "int"}:
        dtype = "int"
    elif kinds <= {"bool", "int", "float"}:
        dtype = "float"
    elif kinds == {"str"}:
        dtype = "str"
    else:
        dtype = None
    bounds = None
    if all(item.bounds is not None for item in known) and dtype in ("int", "float", "bool"):
        bounds = (min(item.bounds[0] for item in known if item.bounds),
                  max(item.bounds[1] for item in known if item.bounds))
    fractional = any(_is_fractional(item) for item in known) or (
        dtype == "float" and any(_const_fractional(v) for v in value.items))
    exact = bounds is not None and all(_is_exact(item) for item in known)
    return ArrayValue((len(known), *first), dtype, at, bounds,
                      extra=_fractional(fractional) + (((EXACT, True),) if exact else ()))


def _const_fractional(value: Value) -> bool:
    return isinstance(value, Const) and isinstance(value.value, float) and (
        not value.value.is_integer())


# -- numpy creation ------------------------------------------------------------------------------


def _get(args: Args, kwargs: Kwargs, position: int, name: str) -> Value | None:
    if name in kwargs:
        return kwargs[name]
    if position < len(args):
        return args[position]
    return None


def _const(value: Value | None, default: object = None) -> object:
    if value is None:
        return default
    result = constant(value)
    if result is UNKNOWN:
        raise NotConstant
    return result


def _number(value: Value | None, default: float | None) -> float | None:
    """A numeric constant, `default` when absent, None when given but not known."""
    if value is None:
        return default
    result = constant(value)
    if isinstance(result, int | float) and not isinstance(result, bool):
        return result
    return None


def _zeros(value: float) -> Handler:
    def make(args: Args, kwargs: Kwargs, at: Range) -> Value:
        shape = _dims(_get(args, kwargs, 0, "shape"))
        dtype = _dtype(_get(args, kwargs, 1, "dtype"), "float")
        return ArrayValue(shape, dtype, at, (value, value))
    return make


def _empty(args: Args, kwargs: Kwargs, at: Range) -> Value:
    return ArrayValue(_dims(_get(args, kwargs, 0, "shape")),
                      _dtype(_get(args, kwargs, 1, "dtype"), "float"), at)


def _full(args: Args, kwargs: Kwargs, at: Range) -> Value:
    shape = _dims(_get(args, kwargs, 0, "shape"))
    fill = _get(args, kwargs, 1, "fill_value")
    filled = literal(fill) if fill is not None else None
    dtype = _dtype(_get(args, kwargs, 2, "dtype"), filled.dtype if filled else None)
    bounds = filled.bounds if filled is not None and filled.shape == () else None
    return ArrayValue(shape, dtype, at, bounds)


def _like(value: float | None) -> Handler:
    def make(args: Args, kwargs: Kwargs, at: Range) -> Value:
        source = _get(args, kwargs, 0, "a")
        if not isinstance(source, ArrayValue):
            return UNKNOWN
        dtype = _dtype(_get(args, kwargs, 1, "dtype"), source.dtype)
        bounds = (value, value) if value is not None else None
        return ArrayValue(source.shape, dtype, at, bounds)
    return make


def _array(args: Args, kwargs: Kwargs, at: Range) -> Value:
    source = _get(args, kwargs, 0, "object")
    if source is None:
        return UNKNOWN
    made = literal(source, at)
    if made is None:
        # Whatever it was given, np.array makes an array, of a rank not known.
        return ArrayValue(None, None, at)
    given = _get(args, kwargs, 1, "dtype")
    if given is not None:
        made = _with_dtype(made, dtype_of(given))
    return replace(made, origin=at)


def _arange(args: Args, kwargs: Kwargs, at: Range) -> Value:
    given = [_number(a, None) for a in args[:3]]
    numbers = [n for n in given if n is not None]
    if not numbers or len(numbers) != len(given):
        return ArrayValue((None,), None, at)
    if len(numbers) == 1:
        numbers = [0.0, *numbers]
    start, stop = numbers[0], numbers[1]
    step = numbers[2] if len(numbers) == 3 else 1.0
    count = max(math.ceil((stop - start) / step), 0)
    is_int = all(isinstance(constant(a), int) for a in args[:3])
    dtype = _dtype(kwargs.get("dtype"), "int" if is_int else "float")
    bounds = None
    if count:
        last = start + (count - 1) * step
        bounds = (min(start, last), max(start, last))
    return ArrayValue((count,), dtype, at, bounds, extra=((EXACT, True),))


def _linspace(args: Args, kwargs: Kwargs, at: Range) -> Value:
    num = _int(_const(_get(args, kwargs, 2, "num"), 50))
    start = _number(_get(args, kwargs, 0, "start"), None)
    stop = _number(_get(args, kwargs, 1, "stop"), None)
    bounds = (min(start, stop), max(start, stop)) if start is not None and stop is not None \
        else None
    return ArrayValue((num,), "float", at, bounds)


def _eye(args: Args, kwargs: Kwargs, at: Range) -> Value:
    n = _int(_const(_get(args, kwargs, 0, "N")))
    m = _const(_get(args, kwargs, 1, "M"))
    cols = n if m is None else _int(m)
    return ArrayValue((n, cols), _dtype(_get(args, kwargs, 3, "dtype"), "float"), at, (0, 1),
                      one_hot=True)


def _identity(args: Args, kwargs: Kwargs, at: Range) -> Value:
    n = _int(_const(_get(args, kwargs, 0, "n")))
    return ArrayValue((n, n), "float", at, (0, 1), one_hot=True)


# -- numpy.random --------------------------------------------------------------------------------


def _size(value: Value | None) -> tuple[Dim, ...] | None:
    """A `size=` argument; () for None (a scalar)."""
    if value is None or (isinstance(value, Const) and value.value is None):
        return ()
    return _dims(value)


def _sized(shape: tuple[Dim, ...] | None, dtype: DType | None, at: Range, bounds: Bounds,
           fractional: bool = False, drawn: bool = False) -> Value:
    if shape == ():
        return UNKNOWN  # a scalar draw, not data
    return ArrayValue(shape, dtype, at, bounds,
                      extra=_fractional(fractional) + (((DRAWN, True),) if drawn else ()))


def _rand(args: Args, kwargs: Kwargs, at: Range) -> Value:
    return _sized(_dim_args(args), "float", at, (0, 1), fractional=True)


def _randn(args: Args, kwargs: Kwargs, at: Range) -> Value:
    return _sized(_dim_args(args), "float", at, None, fractional=True)


def _random(args: Args, kwargs: Kwargs, at: Range) -> Value:
    return _sized(_size(_get(args, kwargs, 0, "size")), "float", at, (0, 1), fractional=True)


def _uniform(args: Args, kwargs: Kwargs, at: Range) -> Value:
    low = _number(_get(args, kwargs, 0, "low"), 0.0)
    high = _number(_get(args, kwargs, 1, "high"), 1.0)
    bounds = (min(low, high), max(low, high)) if low is not None and high is not None else None
    return _sized(_size(_get(args, kwargs, 2, "size")), "float", at, bounds, fractional=True)


def _normal(args: Args, kwargs: Kwargs, at: Range) -> Value:
    return _sized(_size(_get(args, kwargs, 2, "size")), "float", at, None, fractional=True)


def _standard_normal(args: Args, kwargs: Kwargs, at: Range) -> Value:
    return _sized(_size(_get(args, kwargs, 0, "size")), "float", at, None, fractional=True)


def _integer_bounds(low: Value | None, high: Value | None, endpoint: bool) -> Bounds:
    lo = _number(low, 0)
    if high is None or (isinstance(high, Const) and high.value is None):
        # randint(n): values in [0, n)
        return (0, lo - 1) if lo is not None else None
    hi = _number(high, None)
    if lo is None or hi is None:
        return None
    return (lo, hi if endpoint else hi - 1)


def _randint(args: Args, kwargs: Kwargs, at: Range) -> Value:
    bounds = _integer_bounds(_get(args, kwargs, 0, "low"), _get(args, kwargs, 1, "high"),
                             endpoint=False)
    return _sized(_size(_get(args, kwargs, 2, "size")),
                  _dtype(_get(args, kwargs, 3, "dtype"), "int"), at, bounds, drawn=True)


def _integers(args: Args, kwargs: Kwargs, at: Range) -> Value:
    endpoint = bool(_const(_get(args, kwargs, 4, "endpoint"), False))
    bounds = _integer_bounds(_get(args, kwargs, 0, "low"), _get(args, kwargs, 1, "high"),
                             endpoint)
    return _sized(_size(_get(args, kwargs, 2, "size")), "int", at, bounds, drawn=True)


def _choice(args: Args, kwargs: Kwargs, at: Range) -> Value:
    population = _get(args, kwargs, 0, "a")
    size = _size(_get(args, kwargs, 1, "size"))
    if isinstance(population, Const) and _int(population.value) is not None:
        n = _int(population.value)
        assert n is not None
        uniform = "p" not in kwargs and len(args) < 4
        return _sized(size, "int", at, (0, n - 1), drawn=uniform)
    source = literal(population) if population is not None else None
    if source is None or source.shape is None or len(source.shape) != 1:
        return _sized(size, "float", at, None) if size != () else UNKNOWN
    return _sized(size, source.dtype or "float", at, source.bounds,
                  fractional=_is_fractional(source))


def _binomial(args: Args, kwargs: Kwargs, at: Range) -> Value:
    n = _number(_get(args, kwargs, 0, "n"), None)
    return _sized(_size(_get(args, kwargs, 2, "size")), "int", at,
                  (0, n) if n is not None else None)


def _permutation(args: Args, kwargs: Kwargs, at: Range) -> Value:
    source = _get(args, kwargs, 0, "x")
    if isinstance(source, Const) and _int(source.value) is not None:
        n = _int(source.value)
        assert n is not None
        return ArrayValue((n,), "int", at, (0, n - 1) if n else None)
    if isinstance(source, ArrayValue):
        return replace(source, origin=at)
    return UNKNOWN


def _none(args: Args, kwargs: Kwargs, at: Range) -> Value:
    return Const(None)


def _generator(kind: str) -> Handler:
    def make(args: Args, kwargs: Kwargs, at: Range) -> Value:
        return ModuleRef(kind)
    return make


# -- numpy shape functions -------------------------------------------------------------------


def _first_array(args: Args, kwargs: Kwargs, name: str = "a") -> ArrayValue | None:
    value = _get(args, kwargs, 0, name)
    if value is None:
        return None
    return literal(value)


def reshape(array: ArrayValue, target: tuple[Dim, ...] | None, at: Range | None) -> Value:
    """`reshape(target)` with at most one -1 (as a dim, the unknown items stay unknown)."""
    if target is None:
        return ArrayValue(None, array.dtype, at, array.bounds, array.one_hot, array.extra)
    total = _product(array.shape) if array.shape is not None else None
    if target.count(-1) > 1:
        raise ValueError("more than one -1")
    known = [d for d in target if d is not None and d != -1]
    dims: list[Dim] = list(target)
    if -1 in target:
        index = target.index(-1)
        rest = math.prod(known) if known else 1
        if total is not None and None not in target:
            if rest == 0 or total % rest:
                raise ValueError("cannot reshape")
            dims[index] = total // rest
        else:
            dims[index] = None
    elif total is not None and None not in target and math.prod(known) != total:
        raise ValueError("cannot reshape")
    return ArrayValue(tuple(dims), array.dtype, at, array.bounds, False, array.extra)


def _target_shape(args: Args) -> tuple[Dim, ...] | None:
    """Accepts reshape((2, 3)), reshape([2, 3]) and reshape(2, 3); -1 is kept as -1."""
    if len(args) == 1 and isinstance(args[0], Seq):
        return _signed_dims(args[0].items)
    return _signed_dims(tuple(args))


def _signed_dims(items: Sequence[Value]) -> tuple[Dim, ...] | None:
    dims: list[Dim] = []
    for item in items:
        if isinstance(item, Const):
            n = _int(item.value)
            if n is None or n < -1:
                return None
            dims.append(n)
        elif isinstance(item, Seq | ArrayValue):
            return None
        else:
            dims.append(None)
    return tuple(dims)


def _np_reshape(args: Args, kwargs: Kwargs, at: Range) -> Value:
    array = _first_array(args, kwargs)
    target = _get(args, kwargs, 1, "newshape")
    if target is None:
        target = _get(args, kwargs, 1, "shape")
    if array is None or target is None:
        return UNKNOWN
    return reshape(array, _target_shape([target]), at)


def expand_dims(array: ArrayValue, axis_value: Value | None, at: Range | None) -> Value:
    axes = _const(axis_value)
    axes_list = [axes] if isinstance(axes, int) else list(axes) if isinstance(
        axes, tuple | list) else None
    if axes_list is None or not all(_int(a) is not None for a in axes_list):
        return ArrayValue(None, array.dtype, at, array.bounds, array.one_hot, array.extra)
    if array.shape is None:
        return ArrayValue(None, array.dtype, at, array.bounds, array.one_hot, array.extra)
    rank = len(array.shape) + len(axes_list)
    positions = sorted(_axis(a, rank) for a in axes_list)
    dims = list(array.shape)
    for position in positions:
        dims.insert(position, 1)
    return ArrayValue(tuple(dims), array.dtype, at, array.bounds, array.one_hot, array.extra)


def _np_expand_dims(args: Args, kwargs: Kwargs, at: Range) -> Value:
    array = _first_array(args, kwargs)
    if array is None:
        return UNKNOWN
    return expand_dims(array, _get(args, kwargs, 1, "axis"), at)


def squeeze(array: ArrayValue, axis_value: Value | None, at: Range | None) -> Value:
    if array.shape is None:
        return ArrayValue(None, array.dtype, at, array.bounds, array.one_hot, array.extra)
    axis = _const(axis_value)
    shape = array.shape
    if axis is None:
        if any(d is None for d in shape):
            return ArrayValue(None, array.dtype, at, array.bounds, array.one_hot, array.extra)
        dims = tuple(d for d in shape if d != 1)
    else:
        axes = [axis] if isinstance(axis, int) else list(axis)  # type: ignore[call-overload]
        drop = {_axis(a, len(shape)) for a in axes}
        if any(shape[a] not in (1, None) for a in drop):
            raise ValueError("cannot squeeze an axis whose size is not 1")
        dims = tuple(d for i, d in enumerate(shape) if i not in drop)
    return ArrayValue(dims, array.dtype, at, array.bounds, False, array.extra)


def _np_squeeze(args: Args, kwargs: Kwargs, at: Range) -> Value:
    array = _first_array(args, kwargs)
    if array is None:
        return UNKNOWN
    return squeeze(array, _get(args, kwargs, 1, "axis"), at)


def transpose(array: ArrayValue, axes: object, at: Range | None) -> Value:
    if array.shape is None:
        return replace(array, origin=at)
    if axes is None:
        return replace(array, shape=tuple(reversed(array.shape)), origin=at)
    if not isinstance(axes, tuple | list) or sorted(
            _axis(a, len(array.shape)) for a in axes) != list(range(len(array.shape))):
        return ArrayValue(None, array.dtype, at)
    return replace(array, shape=tuple(array.shape[_axis(a, len(array.shape))] for a in axes),
                   origin=at)


def _np_transpose(args: Args, kwargs: Kwargs, at: Range) -> Value:
    array = _first_array(args, kwargs)
    if array is None:
        return UNKNOWN
    return transpose(array, _const(_get(args, kwargs, 1, "axes")), at)


def _items(value: Value | None) -> list[ArrayValue] | None:
    if not isinstance(value, Seq) or not value.items:
        return None
    arrays = [literal(item) for item in value.items]
    if any(a is None or a.shape is None for a in arrays):
        return None
    return [a for a in arrays if a is not None]


def _merge_dtype(arrays: list[ArrayValue]) -> DType | None:
    kinds = {a.dtype for a in arrays}
    if len(kinds) == 1:
        return kinds.pop()
    if kinds <= {"int", "bool"}:
        return "int"
    if kinds <= {"int", "bool", "float"}:
        return "float"
    return None


def _merge_bounds(arrays: list[ArrayValue]) -> Bounds:
    if any(a.bounds is None for a in arrays):
        return None
    return (min(a.bounds[0] for a in arrays if a.bounds),
            max(a.bounds[1] for a in arrays if a.bounds))


def concatenate(arrays: list[ArrayValue], axis: int, at: Range | None) -> Value:
    shapes = [a.shape for a in arrays if a.shape is not None]
    rank = len(shapes[0])
    if any(len(s) != rank for s in shapes):
        raise ValueError("ranks differ")
    axis = _axis(axis, rank)
    dims: list[Dim] = []
    for i in range(rank):
        column = [s[i] for s in shapes]
        if i == axis:
            dims.append(None if None in column else sum(d for d in column if d is not None))
        else:
            known = {d for d in column if d is not None}
            if len(known) > 1:
                raise ValueError("dims differ")
            dims.append(known.pop() if known else None)
    return ArrayValue(tuple(dims), _merge_dtype(arrays), at, _merge_bounds(arrays),
                      all(a.one_hot for a in arrays),
                      _fractional(any(_is_fractional(a) for a in arrays)))


def stack(arrays: list[ArrayValue], axis: int, at: Range | None) -> Value:
    shapes = [a.shape for a in arrays if a.shape is not None]
    rank = len(shapes[0])
    dims: list[Dim] = []
    for i in range(rank):
        known = {s[i] for s in shapes if s[i] is not None}
        if len(known) > 1 or any(len(s) != rank for s in shapes):
            raise ValueError("shapes differ")
        dims.append(known.pop() if known else None)
    dims.insert(_axis(axis, rank + 1), len(arrays))
    return ArrayValue(tuple(dims), _merge_dtype(arrays), at, _merge_bounds(arrays),
                      extra=_fractional(any(_is_fractional(a) for a in arrays)))


def _np_concatenate(args: Args, kwargs: Kwargs, at: Range) -> Value:
    arrays = _items(_get(args, kwargs, 0, "arrays"))
    axis = _const(_get(args, kwargs, 1, "axis"), 0)
    if arrays is None or _int(axis) is None:
        return UNKNOWN
    return concatenate(arrays, axis, at)  # type: ignore[arg-type]


def _np_stack(args: Args, kwargs: Kwargs, at: Range) -> Value:
    arrays = _items(_get(args, kwargs, 0, "arrays"))
    axis = _const(_get(args, kwargs, 1, "axis"), 0)
    if arrays is None or _int(axis) is None:
        return UNKNOWN
    return stack(arrays, axis, at)  # type: ignore[arg-type]


def _at_least_2d(array: ArrayValue) -> ArrayValue:
    if array.shape is not None and len(array.shape) == 1:
        return replace(array, shape=(1, *array.shape))
    return array


def _vstack(args: Args, kwargs: Kwargs, at: Range) -> Value:
    arrays = _items(_get(args, kwargs, 0, "tup"))
    if arrays is None:
        return UNKNOWN
    return concatenate([_at_least_2d(a) for a in arrays], 0, at)


def _hstack(args: Args, kwargs: Kwargs, at: Range) -> Value:
    arrays = _items(_get(args, kwargs, 0, "tup"))
    if arrays is None:
        return UNKNOWN
    one_d = all(a.shape is not None and len(a.shape) == 1 for a in arrays)
    return concatenate(arrays, 0 if one_d else 1, at)


def _column_stack(args: Args, kwargs: Kwargs, at: Range) -> Value:
    arrays = _items(_get(args, kwargs, 0, "tup"))
    if arrays is None:
        return UNKNOWN
    columns = [replace(a, shape=(*a.shape, 1)) if a.shape is not None and len(a.shape) == 1
               else a for a in arrays]
    return concatenate(columns, 1, at)


def _elementwise(dtype: DType | None, keeps_bounds: bool = False,
                 integral: bool = False) -> Handler:
    """np.exp(x), np.round(x), ...: same shape."""
    def make(args: Args, kwargs: Kwargs, at: Range) -> Value:
        array = _first_array(args, kwargs, "x")
        if array is None:
            return UNKNOWN
        extra = () if integral else array.extra
        return ArrayValue(array.shape, dtype or array.dtype, at,
                          array.bounds if keeps_bounds else None, False, extra)
    return make


def _clip(args: Args, kwargs: Kwargs, at: Range) -> Value:
    array = _first_array(args, kwargs)
    if array is None:
        return UNKNOWN
    low = _number(_get(args, kwargs, 1, "a_min"), None)
    high = _number(_get(args, kwargs, 2, "a_max"), None)
    bounds = array.bounds
    if low is not None and high is not None:
        bounds = (max(low, bounds[0]), min(high, bounds[1])) if bounds else (low, high)
    else:
        bounds = None
    return ArrayValue(array.shape, array.dtype, at, bounds, False, array.extra)


def reduce(array: ArrayValue, axis_value: Value | None, keepdims_value: Value | None,
           at: Range | None, dtype: DType | None = None, bounds: Bounds = None) -> Value:
    axis = _const(axis_value)
    keepdims = bool(_const(keepdims_value, False))
    if array.shape is None:
        return ArrayValue(None, dtype or array.dtype, at, bounds)
    if axis is None:
        if keepdims:
            return ArrayValue((1,) * len(array.shape), dtype or array.dtype, at, bounds)
        return UNKNOWN  # a scalar
    axes = [axis] if isinstance(axis, int) else list(axis)  # type: ignore[call-overload]
    drop = {_axis(a, len(array.shape)) for a in axes}
    dims = tuple(1 if i in drop else d for i, d in enumerate(array.shape)) if keepdims else \
        tuple(d for i, d in enumerate(array.shape) if i not in drop)
    return ArrayValue(dims, dtype or array.dtype, at, bounds)


def _reduction(args: Args, kwargs: Kwargs, at: Range) -> Value:
    array = _first_array(args, kwargs)
    if array is None:
        return UNKNOWN
    dtype = "float" if array.dtype in ("int", "bool") else array.dtype
    return reduce(array, _get(args, kwargs, 1, "axis"), kwargs.get("keepdims"), at, dtype)


def _extremum(args: Args, kwargs: Kwargs, at: Range) -> Value:
    array = _first_array(args, kwargs)
    if array is None:
        return UNKNOWN
    return reduce(array, _get(args, kwargs, 1, "axis"), kwargs.get("keepdims"), at,
                  array.dtype, array.bounds)


def argmax(array: ArrayValue, axis_value: Value | None, at: Range | None) -> Value:
    axis = _const(axis_value)
    bounds: Bounds = None
    if isinstance(axis, int) and array.shape is not None:
        size = array.shape[_axis(axis, len(array.shape))]
        bounds = (0, size - 1) if size else None
    return reduce(array, axis_value, None, at, "int", bounds)


def _np_argmax(args: Args, kwargs: Kwargs, at: Range) -> Value:
    array = _first_array(args, kwargs)
    if array is None:
        return UNKNOWN
    return argmax(array, _get(args, kwargs, 1, "axis"), at)


# -- tensorflow ----------------------------------------------------------------------------------


def _tf_random_normal(args: Args, kwargs: Kwargs, at: Range) -> Value:
    return _sized(_dims(_get(args, kwargs, 0, "shape")), "float", at, None, fractional=True)


def _tf_random_uniform(args: Args, kwargs: Kwargs, at: Range) -> Value:
    shape = _dims(_get(args, kwargs, 0, "shape"))
    dtype = _dtype(_get(args, kwargs, 3, "dtype"), "float")
    low = _number(_get(args, kwargs, 1, "minval"), 0)
    high = _number(_get(args, kwargs, 2, "maxval"), 1 if dtype == "float" else None)
    bounds: Bounds = None
    if low is not None and high is not None:
        bounds = (low, high - 1) if dtype == "int" else (low, high)
    return _sized(shape, dtype or "float", at, bounds, fractional=dtype == "float",
                  drawn=dtype == "int")


def _tf_filled(value: float) -> Handler:
    def make(args: Args, kwargs: Kwargs, at: Range) -> Value:
        dtype = _dtype(_get(args, kwargs, 1, "dtype"), "float")
        return ArrayValue(_dims(_get(args, kwargs, 0, "shape")), dtype, at, (value, value))
    return make


def _tf_constant(args: Args, kwargs: Kwargs, at: Range) -> Value:
    source = _get(args, kwargs, 0, "value")
    made = literal(source, at) if source is not None else None
    if made is None:
        return UNKNOWN
    given = _get(args, kwargs, 1, "dtype")
    if given is not None:
        made = _with_dtype(made, dtype_of(given))
    shape = _get(args, kwargs, 2, "shape")
    if shape is not None and made.shape == ():
        return replace(made, shape=_dims(shape), origin=at)  # a scalar fills the shape
    if shape is not None:
        return reshape(made, _target_shape([shape]), at)
    return replace(made, origin=at)


def _tf_convert(args: Args, kwargs: Kwargs, at: Range) -> Value:
    source = _get(args, kwargs, 0, "value")
    made = literal(source, at) if source is not None else None
    if made is None:
        return UNKNOWN
    given = _get(args, kwargs, 1, "dtype")
    return _with_dtype(made, dtype_of(given)) if given is not None else made


def one_hot(labels: ArrayValue, classes: int | None, at: Range | None,
            squeeze_last: bool) -> ArrayValue:
    shape = labels.shape
    if shape is not None and squeeze_last and len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    return ArrayValue(None if shape is None else (*shape, classes), "float", at, (0, 1),
                      one_hot=True)


def _tf_one_hot(args: Args, kwargs: Kwargs, at: Range) -> Value:
    labels = _first_array(args, kwargs, "indices")
    depth = _int(constant(_get(args, kwargs, 1, "depth") or UNKNOWN))
    if labels is None:
        return UNKNOWN
    return one_hot(labels, depth, at, squeeze_last=False)


def _tf_reshape(args: Args, kwargs: Kwargs, at: Range) -> Value:
    array = _first_array(args, kwargs, "tensor")
    target = _get(args, kwargs, 1, "shape")
    if array is None or target is None:
        return UNKNOWN
    return reshape(array, _target_shape([target]), at)


def _tf_expand_dims(args: Args, kwargs: Kwargs, at: Range) -> Value:
    array = _first_array(args, kwargs, "input")
    if array is None:
        return UNKNOWN
    return expand_dims(array, _get(args, kwargs, 1, "axis"), at)


def _tf_squeeze(args: Args, kwargs: Kwargs, at: Range) -> Value:
    array = _first_array(args, kwargs, "input")
    if array is None:
        return UNKNOWN
    return squeeze(array, _get(args, kwargs, 1, "axis"), at)


def _tf_cast(args: Args, kwargs: Kwargs, at: Range) -> Value:
    array = _first_array(args, kwargs, "x")
    if array is None:
        return UNKNOWN
    return replace(_with_dtype(array, dtype_of(_get(args, kwargs, 1, "dtype"))), origin=at)


def _tf_concat(args: Args, kwargs: Kwargs, at: Range) -> Value:
    arrays = _items(_get(args, kwargs, 0, "values"))
    axis = _int(constant(_get(args, kwargs, 1, "axis") or UNKNOWN))
    if arrays is None or axis is None:
        return UNKNOWN
    return concatenate(arrays, axis, at)


def _tf_stack(args: Args, kwargs: Kwargs, at: Range) -> Value:
    arrays = _items(_get(args, kwargs, 0, "values"))
    axis = _const(_get(args, kwargs, 1, "axis"), 0)
    if arrays is None or _int(axis) is None:
        return UNKNOWN
    return stack(arrays, axis, at)  # type: ignore[arg-type]


def _tf_transpose(args: Args, kwargs: Kwargs, at: Range) -> Value:
    array = _first_array(args, kwargs)
    if array is None:
        return UNKNOWN
    return transpose(array, _const(_get(args, kwargs, 1, "perm")), at)


def _same(args: Args, kwargs: Kwargs, at: Range) -> Value:
    array = _first_array(args, kwargs, "x")
    return replace(array, origin=at) if array is not None else UNKNOWN


# -- keras.utils ---------------------------------------------------------------------------------


def _to_categorical(args: Args, kwargs: Kwargs, at: Range) -> Value:
    labels = _first_array(args, kwargs, "x")
    if labels is None:
        return UNKNOWN
    classes_value = _get(args, kwargs, 1, "num_classes")
    classes: int | None
    if classes_value is None or constant(classes_value) is None:
        bounds = labels.bounds
        classes = int(bounds[1]) + 1 if (bounds is not None and labels.dtype == "int"
                                         and _is_exact(labels)) else None
    else:
        classes = _int(constant(classes_value))
    return one_hot(labels, classes, at, squeeze_last=True)


def _pad_sequences(args: Args, kwargs: Kwargs, at: Range) -> Value:
    sequences = _get(args, kwargs, 0, "sequences")
    maxlen = _const(_get(args, kwargs, 1, "maxlen"))
    count: Dim = None
    if isinstance(sequences, Seq):
        count = len(sequences.items)
    elif isinstance(sequences, ArrayValue) and sequences.shape:
        count = sequences.shape[0]
    length = _int(maxlen) if maxlen is not None else None
    dtype = _dtype(_get(args, kwargs, 2, "dtype"), "int")
    bounds = None
    if isinstance(sequences, ArrayValue) and sequences.bounds is not None:
        # Padding and truncating add the value 0 (the default) to what was there.
        bounds = (min(0, sequences.bounds[0]), max(0, sequences.bounds[1]))
    if isinstance(sequences, ArrayValue) and sequences.shape is not None and len(
            sequences.shape) == 2 and length is None:
        length = sequences.shape[1]
    sample = _sample_shape(sequences)
    if sample is None:
        return ArrayValue(None, dtype, at)
    if length is None and isinstance(sequences, Seq):
        length = _longest(sequences)
    return ArrayValue((count, length, *sample), dtype, at, bounds)


def _sample_shape(sequences: Value | None) -> tuple[Dim, ...] | None:
    """What one time step holds: Keras takes it from the first non-empty sequence (`()` for
    sequences of numbers, `(3,)` for a list of (steps, 3) arrays); None when not known."""
    if isinstance(sequences, ArrayValue):
        shape = sequences.shape
        # Rank 1: an array of token lists (keras.datasets.imdb); rank 2: equal-length rows.
        return None if shape is None or not shape else tuple(shape[2:])
    if not isinstance(sequences, Seq):
        return ()  # a Python list Keras reads as sequences of tokens (the common case)
    for item in sequences.items:
        if isinstance(item, ArrayValue):
            if item.shape is None or not item.shape:
                return None
            if item.shape[0] == 0:
                continue
            return tuple(item.shape[1:])
        if isinstance(item, Seq):
            if not item.items:
                continue
            if all(isinstance(step, Const) for step in item.items):
                return ()
            return None
        return None
    return ()


def _longest(sequences: Seq) -> Dim:
    """The longest sequence's length, when every length is known."""
    lengths: list[int] = []
    for item in sequences.items:
        if isinstance(item, Seq):
            lengths.append(len(item.items))
        elif isinstance(item, ArrayValue) and item.shape and item.shape[0] is not None:
            lengths.append(item.shape[0])
        else:
            return None
    return max(lengths, default=None)


# -- keras.datasets ------------------------------------------------------------------------------


def _split(total: int, test_split: float) -> tuple[int, int]:
    train = int(total * (1 - test_split))
    return train, total - train


def _dataset(train: tuple[Shape, Shape], test: tuple[Shape, Shape], x_dtype: DType | None,
             y_dtype: DType, y_bounds: Bounds, x_bounds: Bounds, at: Range) -> Value:
    def pair(shapes: tuple[Shape, Shape]) -> Value:
        # Every class is among a dataset's labels.
        return Seq((ArrayValue(shapes[0], x_dtype, at, x_bounds),
                    ArrayValue(shapes[1], y_dtype, at, y_bounds,
                               extra=((EXACT, True), (DRAWN, True)) if y_bounds else ())))
    return Seq((pair(train), pair(test)))


def _images(train_count: int, test_count: int, image: Shape, label_column: bool,
            classes: int) -> Handler:
    def load(args: Args, kwargs: Kwargs, at: Range) -> Value:
        label = (1,) if label_column else ()
        return _dataset(((train_count, *image), (train_count, *label)),
                        ((test_count, *image), (test_count, *label)),
                        "int", "int", (0, classes - 1), (0, 255), at)
    return load


def _cifar100(args: Args, kwargs: Kwargs, at: Range) -> Value:
    mode = _const(_get(args, kwargs, 0, "label_mode"), "fine")
    if mode not in ("fine", "coarse"):
        return UNKNOWN
    return _images(50000, 10000, (32, 32, 3), True, 100 if mode == "fine" else 20)(
        args, kwargs, at)


def _word_sequences(total: int | None, test: int | None, classes: int, kwargs: Kwargs,
                    at: Range, test_split: float | None = None) -> Value:
    """imdb/reuters: arrays of Python lists, one per text (an object array of shape (N,))."""
    if _const(kwargs.get("maxlen")) is not None:
        train_count: Dim = None
        test_count: Dim = None  # sequences longer than maxlen are dropped
    elif test_split is not None and total is not None:
        train_count, test_count = _split(total, test_split)
    else:
        train_count, test_count = total, test
    words = _int(_const(kwargs.get("num_words")))
    bounds = (0, words - 1) if words else None
    return _dataset(((train_count,), (train_count,)), ((test_count,), (test_count,)),
                    None, "int", (0, classes - 1), bounds, at)


def _imdb(args: Args, kwargs: Kwargs, at: Range) -> Value:
    named = dict(zip(("path", "num_words", "skip_top", "maxlen"), args, strict=False))
    return _word_sequences(25000, 25000, 2, {**named, **kwargs}, at)


def _reuters(args: Args, kwargs: Kwargs, at: Range) -> Value:
    named = {**dict(zip(("path", "num_words", "skip_top", "maxlen", "test_split"), args,
                        strict=False)), **kwargs}
    split = _number(named.get("test_split"), 0.2)
    if split is None:
        return UNKNOWN
    return _word_sequences(11228, None, 46, named, at, test_split=split)


def _tabular(total: int, features: int) -> Handler:
    def load(args: Args, kwargs: Kwargs, at: Range) -> Value:
        split = _number(kwargs.get("test_split"), 0.2)
        if split is None or not 0 <= split < 1:
            return UNKNOWN
        train, test = _split(total, split)
        return _dataset(((train, features), (train,)), ((test, features), (test,)),
                        "float", "float", None, None, at)
    return load


def _california(args: Args, kwargs: Kwargs, at: Range) -> Value:
    version = _const(_get(args, kwargs, 0, "version"), "large")
    if version not in ("large", "small"):
        return UNKNOWN
    return _tabular(20640 if version == "large" else 600, 8)(args, kwargs, at)


# -- sklearn -------------------------------------------------------------------------------------


def _train_test_split(args: Args, kwargs: Kwargs, at: Range) -> Value:
    arrays = [literal(a) if isinstance(a, ArrayValue | Seq) else None for a in args]
    counts = {a.shape[0] for a in arrays if a is not None and a.shape}
    total = counts.pop() if len(counts) == 1 else None
    train, test = _split_counts(total, kwargs)
    result: list[Value] = []
    for array in arrays:
        if array is None or not array.shape:
            result += [UNKNOWN, UNKNOWN]
            continue
        rest = array.shape[1:]
        result += [replace(array, shape=(train, *rest), origin=at),
                   replace(array, shape=(test, *rest), origin=at)]
    return Seq(tuple(result))


def _split_counts(total: int | None, kwargs: Kwargs) -> tuple[Dim, Dim]:
    """sklearn's rule: test = ceil(test_size * n), train = floor(train_size * n) or the rest."""
    if total is None:
        return None, None
    test_size = _const(kwargs.get("test_size"))
    train_size = _const(kwargs.get("train_size"))
    if test_size is None and train_size is None:
        test_size = 0.25
    test: int | None = _count(test_size, total, math.ceil)
    train: int | None = _count(train_size, total, math.floor)
    if test is None and train is None:
        return None, None
    if train is None and test is not None:
        train = total - test
    elif test is None and train is not None:
        test = total - train
    return train, test


def _count(size: object, total: int, rounding: Callable[[float], int]) -> int | None:
    if isinstance(size, float):
        return rounding(size * total)
    if isinstance(size, int) and not isinstance(size, bool):
        return size
    return None


_SKLEARN_TRANSFORMERS = frozenset(
    {"StandardScaler", "MinMaxScaler", "RobustScaler", "MaxAbsScaler", "Normalizer"})


def _instance_call(name: str) -> Handler | None:
    """Objects the checks recognise later: `StandardScaler()`, `keras.losses.X()`.

    They are named `ModuleRef("<class name>()")`; their methods come back here by name.
    """
    module, _, last = name.rpartition(".")
    if module == "sklearn.preprocessing" and (last in _SKLEARN_TRANSFORMERS
                                              or last == "LabelEncoder"):
        return lambda args, kwargs, at: ModuleRef(name + "()")
    if module == "keras.losses" and last[:1].isupper():
        return lambda args, kwargs, at: Instance(name + "()", args=tuple(args),
                                                 kwargs=tuple(kwargs.items()))
    if module == "keras.optimizers" and last[:1].isupper():  # for Keras 1's lr=
        return lambda args, kwargs, at: Instance(name + "()", args=tuple(args),
                                                 kwargs=tuple(kwargs.items()), at=at)
    receiver, _, method_name = name.rpartition(".")
    if receiver.endswith("()"):
        klass = receiver[:-2].rsplit(".", 1)[-1]
        if klass in _SKLEARN_TRANSFORMERS:
            return _transformer_method(receiver, method_name)
        if klass == "LabelEncoder":
            return _label_encoder_method(receiver, method_name)
    return None


def _transformer_method(receiver: str, name: str) -> Handler | None:
    if name == "fit":
        return lambda args, kwargs, at: ModuleRef(receiver)
    if name in ("fit_transform", "transform", "inverse_transform"):
        def scaled(args: Args, kwargs: Kwargs, at: Range) -> Value:
            array = _first_array(args, kwargs, "X")
            return ArrayValue(array.shape, "float", at) if array is not None else UNKNOWN
        return scaled
    return None


def _label_encoder_method(receiver: str, name: str) -> Handler | None:
    if name == "fit":
        return lambda args, kwargs, at: ModuleRef(receiver)
    if name in ("fit_transform", "transform"):
        def encoded(args: Args, kwargs: Kwargs, at: Range) -> Value:
            array = _first_array(args, kwargs, "y")
            if array is None:
                return UNKNOWN
            count = array.shape[0] if array.shape else None
            bounds: Bounds = None
            if array.dtype == "int" and array.bounds is not None and array.bounds[0] >= 0:
                # Classes are numbered in sorted order, never above the largest value.
                bounds = (0, array.bounds[1])
            return ArrayValue((count,), "int", at, bounds)
        return encoded
    return None


# -- subscripts ----------------------------------------------------------------------------------


def _subscript(array: ArrayValue, index: ast.expr, evaluate: Evaluate, at: Range) -> Value:
    parts = list(index.elts) if isinstance(index, ast.Tuple) else [index]
    if array.shape is None:
        return ArrayValue(None, array.dtype, at, array.bounds, False, array.extra)
    # An integer array index (fancy indexing) on the first axis: `np.eye(10)[labels]`.
    if len(parts) == 1 and not isinstance(parts[0], ast.Slice):
        value = evaluate(parts[0])
        indices = literal(value) if isinstance(value, ArrayValue | Seq) else None
        if indices is not None:
            return _fancy(array, indices, at)
    shape = list(array.shape)
    dims: list[Dim] = []
    axis = 0
    ellipsis_seen = False
    consumed = sum(1 for p in parts if not _is_newaxis(p, evaluate) and not _is_ellipsis(p))
    if consumed > len(shape):
        raise IndexError("too many indices")
    for part in parts:
        if _is_ellipsis(part):
            if ellipsis_seen:
                raise IndexError("two ellipses")
            ellipsis_seen = True
            skip = len(shape) - consumed
            dims.extend(shape[axis:axis + skip])
            axis += skip
        elif _is_newaxis(part, evaluate):
            dims.append(1)
        elif isinstance(part, ast.Slice):
            dims.append(_slice_length(part, shape[axis], evaluate))
            axis += 1
        else:
            value = evaluate(part)
            if isinstance(value, Const) and _int(value.value) is not None:
                axis += 1  # an integer drops the axis
            else:
                return ArrayValue(None, array.dtype, at, array.bounds, False, array.extra)
    dims.extend(shape[axis:])
    keeps_rows = bool(dims) and dims[-1] == shape[-1] and axis <= len(shape)
    return ArrayValue(tuple(dims), array.dtype, at, array.bounds, array.one_hot and keeps_rows,
                      array.extra)


def _fancy(array: ArrayValue, indices: ArrayValue, at: Range) -> Value:
    assert array.shape is not None
    if indices.shape is None:
        return ArrayValue(None, array.dtype, at, array.bounds, False, array.extra)
    if indices.dtype == "bool":
        return ArrayValue((None, *array.shape[len(indices.shape):]), array.dtype, at,
                          array.bounds, array.one_hot, array.extra)
    if indices.dtype != "int":
        return ArrayValue(None, array.dtype, at)
    shape = (*indices.shape, *array.shape[1:])
    return ArrayValue(shape, array.dtype, at, array.bounds, array.one_hot, array.extra)


def _is_ellipsis(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is Ellipsis


def _is_newaxis(node: ast.expr, evaluate: Evaluate) -> bool:
    if isinstance(node, ast.Constant):
        return node.value is None
    if isinstance(node, ast.Name | ast.Attribute):
        value = evaluate(node)
        return (isinstance(value, ModuleRef) and value.name in (
            "numpy.newaxis", "tensorflow.newaxis")) or (
            isinstance(value, Const) and value.value is None)
    return False


def _slice_length(part: ast.Slice, size: Dim, evaluate: Evaluate) -> Dim:
    bounds: list[int | None] = []
    for node in (part.lower, part.upper, part.step):
        if node is None:
            bounds.append(None)
            continue
        value = constant(evaluate(node))
        if value is None:
            bounds.append(None)
        elif isinstance(value, int) and not isinstance(value, bool):
            bounds.append(value)
        else:
            return None
    lower, upper, step = bounds
    if step == 0:
        raise ValueError("slice step cannot be zero")
    if size is None:
        # x[:n] of an unknown length is at most n: unknown.
        return None
    return len(range(*slice(lower, upper, step).indices(size)))


# -- methods -------------------------------------------------------------------------------------

MethodHandler = Callable[[ArrayValue, Args, Kwargs, Range], Value]


def _m_reshape(array: ArrayValue, args: Args, kwargs: Kwargs, at: Range) -> Value:
    target = args if args else [kwargs["shape"]] if "shape" in kwargs else None
    if target is None:
        return UNKNOWN
    return reshape(array, _target_shape(target), at)


def _m_astype(array: ArrayValue, args: Args, kwargs: Kwargs, at: Range) -> Value:
    given = _get(args, kwargs, 0, "dtype")
    return replace(_with_dtype(array, dtype_of(given)), origin=at)


def _m_flatten(array: ArrayValue, args: Args, kwargs: Kwargs, at: Range) -> Value:
    total = _product(array.shape) if array.shape is not None else None
    return ArrayValue((total,), array.dtype, at, array.bounds, False, array.extra)


def _m_squeeze(array: ArrayValue, args: Args, kwargs: Kwargs, at: Range) -> Value:
    return squeeze(array, _get(args, kwargs, 0, "axis"), at)


def _m_transpose(array: ArrayValue, args: Args, kwargs: Kwargs, at: Range) -> Value:
    if not args:
        return transpose(array, None, at)
    if len(args) == 1:
        return transpose(array, _const(args[0]), at)
    return transpose(array, tuple(_const(a) for a in args), at)


def _m_same(array: ArrayValue, args: Args, kwargs: Kwargs, at: Range) -> Value:
    return replace(array, origin=at)


def _m_reduction(array: ArrayValue, args: Args, kwargs: Kwargs, at: Range) -> Value:
    dtype = "float" if array.dtype in ("int", "bool") else array.dtype
    return reduce(array, _get(args, kwargs, 0, "axis"), kwargs.get("keepdims"), at, dtype)


def _m_extremum(array: ArrayValue, args: Args, kwargs: Kwargs, at: Range) -> Value:
    return reduce(array, _get(args, kwargs, 0, "axis"), kwargs.get("keepdims"), at,
                  array.dtype, array.bounds)


def _m_argmax(array: ArrayValue, args: Args, kwargs: Kwargs, at: Range) -> Value:
    return argmax(array, _get(args, kwargs, 0, "axis"), at)


def _m_clip(array: ArrayValue, args: Args, kwargs: Kwargs, at: Range) -> Value:
    return _clip([array, *args], kwargs, at)


def _m_round(array: ArrayValue, args: Args, kwargs: Kwargs, at: Range) -> Value:
    return ArrayValue(array.shape, array.dtype, at, array.bounds)


_METHODS: dict[str, MethodHandler] = {
    "reshape": _m_reshape,
    "astype": _m_astype,
    "flatten": _m_flatten,
    "ravel": _m_flatten,
    "squeeze": _m_squeeze,
    "transpose": _m_transpose,
    "copy": _m_same,
    "numpy": _m_same,
    "mean": _m_reduction,
    "sum": _m_reduction,
    "std": _m_reduction,
    "max": _m_extremum,
    "min": _m_extremum,
    "argmax": _m_argmax,
    "argmin": _m_argmax,
    "clip": _m_clip,
    "round": _m_round,
}

# -- arithmetic ----------------------------------------------------------------------------------


def _operand(value: Value) -> ArrayValue | None:
    if isinstance(value, ArrayValue):
        return value
    if isinstance(value, Const) and isinstance(value.value, int | float) and not isinstance(
            value.value, complex):
        return literal(value)
    return None


def _binop(op: ast.operator, left: Value, right: Value) -> Value:
    a, b = _operand(left), _operand(right)
    if a is None or b is None:
        return UNKNOWN
    shape = broadcast(a.shape, b.shape)
    at = left.origin if isinstance(left, ArrayValue) else b.origin
    dtype = _result_dtype(op, a.dtype, b.dtype)
    bounds = _result_bounds(op, a.bounds, b.bounds)
    fractional = (_is_fractional(a) or _is_fractional(b)) and dtype == "float" and isinstance(
        op, ast.Add | ast.Sub | ast.Mult | ast.Div) and not (
        a.bounds == (0, 0) or b.bounds == (0, 0))
    if isinstance(op, ast.MatMult):
        return ArrayValue(None, dtype, at)
    return ArrayValue(shape, dtype, at, bounds, False,
                      _fractional(fractional) + _kept_by_scalar_op(op, left, right))


def _kept_by_scalar_op(op: ast.operator, left: Value, right: Value
                       ) -> tuple[tuple[str, object], ...]:
    """An array shifted or scaled by a number keeps reaching its (moved) bounds; shifted
    uniform integer draws stay uniform."""
    array, number = (left, right) if isinstance(left, ArrayValue) else (right, left)
    if not isinstance(array, ArrayValue) or not isinstance(number, Const) or not isinstance(
            number.value, int | float) or isinstance(number.value, bool):
        return ()
    kept: list[tuple[str, object]] = []
    monotone = isinstance(op, ast.Add | ast.Sub) or (
        isinstance(op, ast.Mult | ast.Div | ast.FloorDiv) and number is right
        and number.value != 0)
    if monotone and _is_exact(array):
        kept.append((EXACT, True))
    if isinstance(op, ast.Add | ast.Sub) and isinstance(number.value, int) and (
            DRAWN, True) in array.extra:
        kept.append((DRAWN, True))
    return tuple(kept)


def _result_dtype(op: ast.operator, a: DType | None, b: DType | None) -> DType | None:
    if a is None or b is None or "str" in (a, b):
        return None
    if isinstance(op, ast.Div):
        return "float"
    if "float" in (a, b):
        return "float"
    if a == b == "bool" and isinstance(op, ast.BitAnd | ast.BitOr | ast.BitXor):
        return "bool"
    return "int"


def _result_bounds(op: ast.operator, a: Bounds, b: Bounds) -> Bounds:
    if a is None or b is None:
        return None
    corners: list[float]
    if isinstance(op, ast.Add):
        return (a[0] + b[0], a[1] + b[1])
    if isinstance(op, ast.Sub):
        return (a[0] - b[1], a[1] - b[0])
    if isinstance(op, ast.Mult):
        corners = [x * y for x in a for y in b]
        return (min(corners), max(corners))
    if isinstance(op, ast.Div | ast.FloorDiv):
        if b[0] <= 0 <= b[1]:
            return None
        corners = [x / y for x in a for y in b]
        low, high = min(corners), max(corners)
        if isinstance(op, ast.FloorDiv):
            return (math.floor(low), math.floor(high))
        return (low, high)
    if isinstance(op, ast.Mod) and b[0] == b[1] and b[0] > 0 and a[0] >= 0:
        return (0, b[0] - 1) if float(b[0]).is_integer() else (0, b[0])
    return None


# -- the table -----------------------------------------------------------------------------------

_NUMPY_RANDOM: dict[str, Handler] = {
    "rand": _rand,
    "randn": _randn,
    "random": _random,
    "random_sample": _random,
    "ranf": _random,
    "sample": _random,
    "uniform": _uniform,
    "normal": _normal,
    "standard_normal": _standard_normal,
    "randint": _randint,
    "choice": _choice,
    "binomial": _binomial,
    "permutation": _permutation,
    "shuffle": _none,
    "seed": _none,
}

_GENERATOR: dict[str, Handler] = {
    "random": _random,
    "uniform": _uniform,
    "normal": _normal,
    "standard_normal": _standard_normal,
    "integers": _integers,
    "choice": _choice,
    "permutation": _permutation,
    "binomial": _binomial,
    "shuffle": _none,
}

_NUMPY: dict[str, Handler] = {
    "zeros": _zeros(0),
    "ones": _zeros(1),
    "empty": _empty,
    "full": _full,
    "zeros_like": _like(0),
    "ones_like": _like(1),
    "empty_like": _like(None),
    "full_like": _like(None),
    "array": _array,
    "asarray": _array,
    "arange": _arange,
    "linspace": _linspace,
    "eye": _eye,
    "identity": _identity,
    "reshape": _np_reshape,
    "expand_dims": _np_expand_dims,
    "squeeze": _np_squeeze,
    "transpose": _np_transpose,
    "concatenate": _np_concatenate,
    "stack": _np_stack,
    "vstack": _vstack,
    "hstack": _hstack,
    "column_stack": _column_stack,
    "argmax": _np_argmax,
    "argmin": _np_argmax,
    "mean": _reduction,
    "sum": _reduction,
    "std": _reduction,
    "max": _extremum,
    "min": _extremum,
    "clip": _clip,
    "round": _elementwise(None, keeps_bounds=True, integral=True),
    "floor": _elementwise(None, keeps_bounds=True, integral=True),
    "ceil": _elementwise(None, keeps_bounds=True, integral=True),
    "abs": _elementwise(None),
    "exp": _elementwise("float"),
    "log": _elementwise("float"),
    "log1p": _elementwise("float"),
    "sqrt": _elementwise("float"),
    "tanh": _elementwise("float"),
    "sin": _elementwise("float"),
    "cos": _elementwise("float"),
    "square": _elementwise(None),
}

_TENSORFLOW: dict[str, Handler] = {
    "random.normal": _tf_random_normal,
    "random.truncated_normal": _tf_random_normal,
    "random.uniform": _tf_random_uniform,
    "random.shuffle": _same,
    "zeros": _tf_filled(0),
    "ones": _tf_filled(1),
    "zeros_like": _like(0),
    "ones_like": _like(1),
    "constant": _tf_constant,
    "convert_to_tensor": _tf_convert,
    "one_hot": _tf_one_hot,
    "reshape": _tf_reshape,
    "expand_dims": _tf_expand_dims,
    "squeeze": _tf_squeeze,
    "cast": _tf_cast,
    "concat": _tf_concat,
    "stack": _tf_stack,
    "transpose": _tf_transpose,
    "range": _arange,
    "random.set_seed": _none,
}

_DATASETS: dict[str, Handler] = {
    "mnist": _images(60000, 10000, (28, 28), False, 10),
    "fashion_mnist": _images(60000, 10000, (28, 28), False, 10),
    "cifar10": _images(50000, 10000, (32, 32, 3), True, 10),
    "cifar100": _cifar100,
    "imdb": _imdb,
    "reuters": _reuters,
    "boston_housing": _tabular(506, 13),
    "california_housing": _california,
}


def _table() -> dict[str, Handler]:
    calls: dict[str, Handler] = {}
    for name, handler in _NUMPY.items():
        calls[f"numpy.{name}"] = handler
    for name, handler in _NUMPY_RANDOM.items():
        calls[f"numpy.random.{name}"] = handler
        calls[f"numpy.random.RandomState().{name}"] = handler
    for name, handler in _GENERATOR.items():
        calls[f"numpy.random.Generator().{name}"] = handler
    calls["numpy.random.default_rng"] = _generator("numpy.random.Generator()")
    calls["numpy.random.RandomState"] = _generator("numpy.random.RandomState()")
    for name, handler in _TENSORFLOW.items():
        calls[f"tensorflow.{name}"] = handler
    for name, handler in _DATASETS.items():
        calls[f"keras.datasets.{name}.load_data"] = handler
    for module in ("keras.utils", "keras.utils.np_utils", "keras.utils.numerical_utils"):
        calls[f"{module}.to_categorical"] = _to_categorical
    for module in ("keras.preprocessing.sequence", "keras.utils", "keras.utils.sequence_utils",
                   "keras.preprocessing.sequence_utils"):
        calls[f"{module}.pad_sequences"] = _pad_sequences
    calls["keras.utils.normalize"] = _elementwise("float")
    calls["keras.utils.set_random_seed"] = _none
    for module in ("sklearn.model_selection", "sklearn.cross_validation"):
        calls[f"{module}.train_test_split"] = _train_test_split
    return calls


_CALLS: dict[str, Handler] = _table()

__all__ = [
    "attribute",
    "binop",
    "broadcast",
    "call",
    "compare",
    "dtype_of",
    "literal",
    "method",
    "subscript",
    "unary",
    "unpack",
]
