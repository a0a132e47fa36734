"""Operations on symbolic tensors: arithmetic, slicing and the `keras.ops` functions that
change shapes, each with the shape rule of Keras 3.15's `compute_output_spec`.

What is not modelled gives a tensor of unknown shape (silent downstream); a shape partly
known keeps what is known. Raises `OpRefusal` where Keras raises at the op.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from shape_engine.shapes import Dim, MaybeShape, Shape, format_shape
from shape_engine.values import Const, Seq, Value, to_python


class OpRefusal(Exception):
    """Keras refuses the op on these shapes: the message says why."""


class NotModelled(Exception):
    """The op or its arguments are not known: the result's shape is unknown."""


def broadcast(a: Shape, b: Shape) -> Shape:
    """`keras.ops` broadcasting (`broadcast_shapes`): aligned on the last axis; a 1 takes the
    other size, an unknown size takes the other's unless that is 1."""
    rank = max(len(a), len(b))
    a = (1,) * (rank - len(a)) + a
    b = (1,) * (rank - len(b)) + b
    out: list[Dim] = []
    for x, y in zip(a, b, strict=True):
        if x == 1:
            out.append(y)
        elif x is None:
            out.append(None if y == 1 else y)
        elif y == 1 or y is None or y == x:
            out.append(x)
        else:
            raise OpRefusal(f"shapes {format_shape(a)} and {format_shape(b)} do not broadcast")
    return tuple(out)


def _int(value: Value) -> int:
    try:
        python = to_python(value)
    except Exception:
        raise NotModelled from None
    if isinstance(python, bool) or not isinstance(python, int):
        raise NotModelled
    return python


def _ints(value: Value) -> tuple[int, ...]:
    try:
        python = to_python(value)
    except Exception:
        raise NotModelled from None
    if isinstance(python, int) and not isinstance(python, bool):
        return (python,)
    if isinstance(python, tuple | list) and all(
            isinstance(v, int) and not isinstance(v, bool) for v in python):
        return tuple(python)
    raise NotModelled


def _axis(axis: int, rank: int) -> int:
    if not -rank <= axis < rank:
        raise OpRefusal(f"axis {axis} is out of range for a tensor of rank {rank}")
    return axis % rank


def concatenate(shapes: list[Shape], axis: int) -> Shape:
    """`keras.ops.concatenate(xs, axis=0)`: same rank, same sizes off the axis."""
    rank = len(shapes[0])
    if any(len(s) != rank for s in shapes):
        raise OpRefusal("concatenate needs tensors of the same rank, got "
                        + ", ".join(format_shape(s) for s in shapes))
    axis = _axis(axis, rank)
    out = list(shapes[0])
    for shape in shapes[1:]:
        for i, (x, y) in enumerate(zip(out, shape, strict=True)):
            if i == axis:
                out[i] = None if x is None or y is None else x + y
            elif x is not None and y is not None and x != y:
                raise OpRefusal("concatenate needs the same sizes apart from axis "
                                f"{axis}, got " + ", ".join(format_shape(s) for s in shapes))
            elif x is None:
                out[i] = y
    return tuple(out)


def reshape(shape: Shape, target: tuple[int, ...]) -> Shape:
    """`keras.ops.reshape(x, newshape)`: the whole shape, batch included; one -1 at most."""
    if target.count(-1) > 1:
        raise NotModelled
    known = math.prod(d for d in target if d != -1)
    if -1 not in target:
        total = math.prod(d for d in shape if d is not None)
        if None not in shape and total != known:
            raise OpRefusal(f"cannot reshape {format_shape(shape)} into {target}")
        return tuple(target)
    if None in shape or known == 0:
        return tuple(None if d == -1 else d for d in target)
    total = math.prod(d for d in shape if d is not None)
    if total % known:
        raise OpRefusal(f"cannot reshape {format_shape(shape)} into {target}")
    return tuple(total // known if d == -1 else d for d in target)


def expand_dims(shape: Shape, axis: int) -> Shape:
    rank = len(shape) + 1
    position = _axis(axis, rank)
    return (*shape[:position], 1, *shape[position:])


def squeeze(shape: Shape, axis: int | None) -> Shape:
    if axis is None:
        if None in shape:
            raise NotModelled  # which unknown sizes are 1 is not known
        return tuple(d for d in shape if d != 1)
    position = _axis(axis, len(shape))
    if shape[position] not in (1, None):
        raise OpRefusal(f"cannot squeeze axis {axis} of size {shape[position]}")
    return (*shape[:position], *shape[position + 1:])


def transpose(shape: Shape, axes: tuple[int, ...] | None) -> Shape:
    if axes is None:
        return tuple(reversed(shape))
    if sorted(a % len(shape) for a in axes) != list(range(len(shape))):
        raise OpRefusal(f"axes {axes} are not a permutation of the axes of "
                        f"{format_shape(shape)}")
    return tuple(shape[a] for a in axes)


def matmul(a: Shape, b: Shape) -> Shape:
    """`keras.ops.matmul`: the last two axes multiply, leading ones broadcast (rank >= 2)."""
    if len(a) < 2 or len(b) < 2:
        raise NotModelled
    if a[-1] is not None and b[-2] is not None and a[-1] != b[-2]:
        raise OpRefusal(f"matmul needs the last axis of {format_shape(a)} to match the "
                        f"second last of {format_shape(b)}")
    lead = broadcast(a[:-2], b[:-2])
    return (*lead, a[-2], b[-1])


def subscript(shape: Shape, index: list[object]) -> Shape:
    """`x[:, 0]`, `x[..., 1:3]`, `x[:, None]`: ints drop an axis, slices keep it (its size
    where known), None adds one; Ellipsis stands for the axes not named."""
    consumed = sum(1 for i in index if i is not None and i is not Ellipsis)
    if index.count(Ellipsis) > 1 or consumed > len(shape):
        raise NotModelled
    if Ellipsis in index:
        at = index.index(Ellipsis)
        index = index[:at] + [slice(None)] * (len(shape) - consumed) + index[at + 1:]
    out: list[Dim] = []
    axis = 0
    for item in index:
        if item is None:
            out.append(1)
            continue
        size = shape[axis]
        if isinstance(item, int):
            if size is not None and not -size <= item < size:
                raise OpRefusal(f"index {item} is out of range for axis {axis} of size {size}")
        elif isinstance(item, slice):
            out.append(None if size is None else len(range(size)[item]))
        else:
            raise NotModelled
        axis += 1
    return (*out, *shape[axis:])


OpRule = Callable[[list[Value], dict[str, Value], list[MaybeShape]], Shape]


def _param(args: list[Value], kwargs: dict[str, Value], position: int, name: str,
           default: Value | None = None) -> Value:
    if name in kwargs:
        return kwargs[name]
    if position < len(args):
        return args[position]
    if default is None:
        raise NotModelled
    return default


def _known(shapes: list[MaybeShape]) -> list[Shape]:
    if any(s is None for s in shapes):
        raise NotModelled
    return [s for s in shapes if s is not None]


def _op_concatenate(args: list[Value], kwargs: dict[str, Value], shapes: list[MaybeShape]
                    ) -> Shape:
    return concatenate(_known(shapes), _int(_param(args, kwargs, 1, "axis", Const(0))))


def _op_reshape(args: list[Value], kwargs: dict[str, Value], shapes: list[MaybeShape]
                ) -> Shape:
    target = _param(args, kwargs, 1, "newshape")
    return reshape(_known(shapes)[0], _ints(target))


def _op_expand_dims(args: list[Value], kwargs: dict[str, Value], shapes: list[MaybeShape]
                    ) -> Shape:
    return expand_dims(_known(shapes)[0], _int(_param(args, kwargs, 1, "axis")))


def _op_squeeze(args: list[Value], kwargs: dict[str, Value], shapes: list[MaybeShape]
                ) -> Shape:
    axis = _param(args, kwargs, 1, "axis", Const(None))
    return squeeze(_known(shapes)[0],
                   None if isinstance(axis, Const) and axis.value is None else _int(axis))


def _op_transpose(args: list[Value], kwargs: dict[str, Value], shapes: list[MaybeShape]
                  ) -> Shape:
    axes = _param(args, kwargs, 1, "axes", Const(None))
    return transpose(_known(shapes)[0],
                     None if isinstance(axes, Const) and axes.value is None else _ints(axes))


def _op_matmul(args: list[Value], kwargs: dict[str, Value], shapes: list[MaybeShape]
               ) -> Shape:
    a, b = _known(shapes)
    return matmul(a, b)


def _elementwise(args: list[Value], kwargs: dict[str, Value], shapes: list[MaybeShape]
                 ) -> Shape:
    a, b = _known(shapes)
    return broadcast(a, b)


def _same(args: list[Value], kwargs: dict[str, Value], shapes: list[MaybeShape]) -> Shape:
    return _known(shapes)[0]


# keras.ops function -> (rule, how many leading arguments are tensors; 0: a list of tensors).
OPS: dict[str, tuple[OpRule, int]] = {
    "concatenate": (_op_concatenate, 0),
    "reshape": (_op_reshape, 1),
    "expand_dims": (_op_expand_dims, 1),
    "squeeze": (_op_squeeze, 1),
    "transpose": (_op_transpose, 1),
    "matmul": (_op_matmul, 2),
    "add": (_elementwise, 2),
    "subtract": (_elementwise, 2),
    "multiply": (_elementwise, 2),
    "divide": (_elementwise, 2),
    "maximum": (_elementwise, 2),
    "minimum": (_elementwise, 2),
    "relu": (_same, 1),
    "sigmoid": (_same, 1),
    "tanh": (_same, 1),
    "exp": (_same, 1),
    "abs": (_same, 1),
    "sqrt": (_same, 1),
    "square": (_same, 1),
    "negative": (_same, 1),
}


def op_inputs(args: list[Value], kwargs: dict[str, Value], tensor_args: int
              ) -> list[Value] | None:
    """The values an op takes as tensors, None when the call is not of that form."""
    if tensor_args == 0:
        first = args[0] if args else kwargs.get("xs")
        return list(first.items) if isinstance(first, Seq) and first.items else None
    if len(args) < tensor_args:
        return None
    return list(args[:tensor_args])
