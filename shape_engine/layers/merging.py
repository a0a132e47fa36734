"""Merge layers (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate):
keras/layers/merging.

In a Sequential model a merge layer receives one tensor and is refused (the interpreter says
so), unless the layer before it returns a list: a recurrent layer with `return_state=True`
returns `[output, *states]`, Bidirectional with merge_mode=None its two outputs. The merge
then takes that list, as in the functional API. `merge_list` gives what it makes of it, from
Keras' `build` (shape checks) and `compute_output_shape`; Keras' `Merge.compute_output_spec`
takes the output from the latter, without tracing `call`.
"""

from __future__ import annotations

from shape_engine.ir import LayerCall
from shape_engine.layers.base import (
    LayerArgs,
    LayerOutput,
    Refusal,
    Unknowable,
    multi_input_rule,
)
from shape_engine.layers.refusals import MULTIPLE_OUTPUTS, UNMERGEABLE_INPUTS
from shape_engine.shapes import Dim, MaybeShape, Shape, format_shape

ELEMENTWISE = frozenset({"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"})
# Merge layers without weights (the attention layers have some).
WEIGHTLESS = ELEMENTWISE | {"Concatenate", "Dot"}


def merge_list(call: LayerCall, shapes: tuple[MaybeShape, ...] | None,
               nones_are_keras: bool = False) -> LayerOutput:
    """The merge of a list of tensors of these shapes (batch included; None: unknown).

    Raises Refusal (SL108) where Keras refuses to merge them; the output shape is None where
    it is not modelled or not known. `nones_are_keras`: every None dim is one Keras leaves
    undefined too (not one only the engine does not know), so a check comparing it with a
    size, as Dot's does, refuses.
    """
    params = 0 if call.kind in WEIGHTLESS else None
    if shapes is None or any(shape is None for shape in shapes) or not shapes:
        return LayerOutput(None, params)
    known: list[Shape] = [shape for shape in shapes if shape is not None]
    try:
        if call.kind in ELEMENTWISE:
            return LayerOutput(_elementwise(call, known), params)
        if call.kind == "Concatenate":
            return LayerOutput(_concatenate(call, known), params)
        if call.kind == "Dot":
            return LayerOutput(_dot(call, known, nones_are_keras), params)
    except Unknowable:
        pass
    return LayerOutput(None, params)


def _shapes(shapes: list[Shape]) -> str:
    return ", ".join(format_shape(shape) for shape in shapes)


def _elementwise(call: LayerCall, shapes: list[Shape]) -> Shape:
    """`Merge.build` / `compute_output_shape`: the shapes without their batch axis broadcast,
    aligned on their last axes; Subtract takes exactly two."""
    if call.has_unpacking:
        raise Unknowable("arguments")
    output: tuple[Dim, ...] = shapes[0][1:]
    for shape in shapes[1:]:
        output = _broadcast(call, output, shape[1:], shapes)
    if call.kind == "Subtract" and len(shapes) != 2:
        raise Refusal(MULTIPLE_OUTPUTS, f"Subtract takes exactly 2 tensors, but it receives "
                                        f"{len(shapes)}: {_shapes(shapes)}")
    batches = {shape[0] for shape in shapes} - {None}
    batch = next(iter(batches)) if len(batches) == 1 else None
    return (batch, *output)


def _broadcast(call: LayerCall, a: tuple[Dim, ...], b: tuple[Dim, ...],
               shapes: list[Shape]) -> tuple[Dim, ...]:
    """`Merge._compute_elemwise_op_output_shape`."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return a
    output = list(a[:-len(b)])
    for i, j in zip(a[-len(b):], b, strict=True):
        if i is None or j is None:
            output.append(None)
        elif i == 1:
            output.append(j)
        elif j == 1 or i == j:
            output.append(i)
        else:
            raise Refusal(MULTIPLE_OUTPUTS,
                          f"{call.written_name} cannot merge tensors of shapes {_shapes(shapes)}:"
                          f" {format_shape(a)} and {format_shape(b)} do not broadcast "
                          "(batch axis left out)")
    return tuple(output)


def _concatenate(call: LayerCall, shapes: list[Shape]) -> Shape:
    """`Concatenate.build` (shape checks, as Keras 3.15 writes them) and
    `compute_output_shape`."""
    axis = LayerArgs(call, ("axis",)).integer("axis", -1)
    if call.has_unpacking:
        raise Unknowable("axis")
    for shape in shapes:
        if axis < -len(shape):  # build's `del shape[axis]`: an IndexError
            raise _axis_out_of_range(axis, shape, shapes)
    reduced: set[tuple[Dim, ...]] = set()
    for shape in shapes:
        rest = list(shape)
        # Keras' squeezing of size-1 axes before this is a no-op (3.15); a tensor of rank
        # `axis` or less keeps all its axes, and is compared whole with the others.
        if len(rest) > axis:
            del rest[axis]
        reduced.add(tuple(rest))
    if len(reduced) != 1:
        refusal = Refusal(MULTIPLE_OUTPUTS,
                          f"Concatenate(axis={axis}) needs tensors of the same shape apart from "
                          f"axis {axis}, but it receives {_shapes(shapes)}")
        ranks = {len(shape) for shape in reduced}
        if len(ranks) != 1:
            raise refusal
        for position in range(ranks.pop()):
            if len({shape[position] for shape in reduced} - {None}) > 1:
                raise refusal
    # compute_output_shape reads `axis` of the first tensor, then of each other one until
    # a None size stops it: an IndexError where a tensor read has no such axis (a None
    # only the engine does not know stops it earlier here: silence, never a false claim).
    output = list(shapes[0])
    for shape in shapes[1:]:
        if axis >= len(output):
            raise _axis_out_of_range(axis, shapes[0], shapes)
        first = output[axis]
        if first is None:
            break
        if axis >= len(shape):
            raise _axis_out_of_range(axis, shape, shapes)
        other = shape[axis]
        if other is None:
            output[axis] = None
            break
        output[axis] = first + other
    return tuple(output)


def _axis_out_of_range(axis: int, shape: Shape, shapes: list[Shape]) -> Refusal:
    return Refusal(MULTIPLE_OUTPUTS,
                   f"Concatenate(axis={axis}) is out of range for {format_shape(shape)}, of "
                   f"rank {len(shape)} (Keras: IndexError): {_shapes(shapes)}")


def _dot(call: LayerCall, shapes: list[Shape], nones_are_keras: bool,
         built: bool = True) -> Shape:
    """`Dot.build` (exactly two tensors, equal sizes on the axes multiplied) and
    `compute_output_shape`: both shapes without those axes, the second without its batch.
    Keras compares the two sizes with `!=`: None against a size is refused too. Not
    `built`: compute_output_shape alone, which compares nothing."""
    args = LayerArgs(call, ("axes", "normalize"))
    if call.has_unpacking:
        raise Unknowable("arguments")
    if len(shapes) != 2:
        raise Refusal(MULTIPLE_OUTPUTS, f"Dot takes exactly 2 tensors, but it receives "
                                        f"{len(shapes)}: {_shapes(shapes)}")
    first, second = shapes
    axes = args.raw("axes")
    if isinstance(axes, int) and not isinstance(axes, bool):
        pair = ((axes % len(first), axes % len(second)) if axes < 0 else (axes, axes))
    elif isinstance(axes, tuple | list) and len(axes) == 2 and all(
            isinstance(a, int) and not isinstance(a, bool) for a in axes):
        pair = (axes[0] % len(first), axes[1] % len(second))
    else:
        raise Unknowable("axes")
    if not (0 < pair[0] < len(first) and 0 < pair[1] < len(second)):
        raise Unknowable("axes")
    a, b = first[pair[0]], second[pair[1]]
    if built and a != b and ((a is not None and b is not None) or nones_are_keras):
        undefined = (" (Keras refuses an undefined size against a defined one)"
                     if a is None or b is None else "")
        raise Refusal(MULTIPLE_OUTPUTS,
                      f"Dot(axes={axes!r}) multiplies axis {pair[0]} of {format_shape(first)} "
                      f"with axis {pair[1]} of {format_shape(second)}, but their sizes differ "
                      f"({a} != {b}){undefined}")
    output = [d for i, d in enumerate(first) if i != pair[0]]
    output += [d for i, d in enumerate(second) if i not in (0, pair[1])]
    if len(output) == 1:
        output.append(1)
    return tuple(output)


def _merge(args: LayerArgs, tensors: tuple[Shape, ...], keywords: dict[str, Shape]
           ) -> LayerOutput:
    """A merge layer called on a list of tensors (the functional API)."""
    try:
        # The functional API's calls (`keras.calls`) come here with Keras' own None dims
        # only: a tensor with dims the engine does not know makes no refusal there.
        return merge_list(args.call, tensors, nones_are_keras=True)
    except Refusal as refusal:
        raise Refusal(UNMERGEABLE_INPUTS, refusal.message) from None


def _output_shape_only(args: LayerArgs, tensors: tuple[Shape, ...],
                       keywords: dict[str, Shape]) -> LayerOutput:
    """`Merge.compute_output_spec` alone, without `build`'s checks: Concatenate adds up its
    axis whatever the other axes hold, Dot drops its axes whatever their sizes; the
    elementwise merges broadcast there as in their build."""
    call = args.call
    if call.has_unpacking:
        raise Unknowable("arguments")
    if call.kind == "Concatenate":
        axis = args.integer("axis", -1)
        output = list(tensors[0])  # an axis out of range: IndexError, as in Keras
        for shape in tensors[1:]:
            first, other = output[axis], shape[axis]
            if first is None or other is None:
                output[axis] = None
                break
            output[axis] = first + other
        return LayerOutput(tuple(output), 0)
    if call.kind == "Dot":
        if len(tensors) != 2:
            raise Unknowable("inputs")
        return LayerOutput(_dot(call, list(tensors), nones_are_keras=True, built=False), 0)
    return _merge(args, tensors, keywords)


for _kind in (*ELEMENTWISE, "Concatenate", "Dot"):
    multi_input_rule(_kind, params=("axes", "normalize") if _kind == "Dot" else
                     ("axis",) if _kind == "Concatenate" else (),
                     output_shape_only=_output_shape_only)(_merge)

