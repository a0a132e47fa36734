"""BatchNormalization, LayerNormalization, GroupNormalization, UnitNormalization.

Mirrors keras/src/layers/normalization (Keras 3.15). The output keeps the input's shape; what
can fail is the axis (outside the input's rank: an IndexError in `build`) and the size of the
weights, which must be known (a None axis is refused when the variable is created).
"""

from __future__ import annotations

import math

from shape_engine.layers.base import (
    BuiltSpec,
    LayerArgs,
    LayerFacts,
    LayerOutput,
    Refusal,
    Shapes,
    Unknowable,
    layer_rule,
    list_rule,
    pins_last_axis,
)
from shape_engine.layers.refusals import (
    INCOMPATIBLE_RANK,
    INVALID_ARGUMENT,
    MULTIPLE_OUTPUTS,
    UNKNOWN_REQUIRED_DIM,
)
from shape_engine.shapes import Dim, Shape

_INITIALIZERS = ("beta_initializer", "gamma_initializer")


def _truthy(args: LayerArgs, name: str, default: bool) -> bool:
    """Keras tests these flags with `if self.center:`, so any constant has a truth value."""
    return bool(args.raw(name, default))


def _refuse_axis(args: LayerArgs, value: object, expected: str) -> Refusal:
    return Refusal(INVALID_ARGUMENT,
                   f"{args.written_name} needs `axis` to be {expected}, got {value!r}",
                   argument="axis")


def _rank_refusal(axis: float) -> Refusal:
    rank = math.floor(axis) + 1 if axis >= 0 else math.ceil(-axis)
    return Refusal(INCOMPATIBLE_RANK, needs=f"an input of rank {rank} or more for axis={axis}")


def _axis_size(x: Shape, axis: int) -> Dim:
    """input_shape[axis], refused as the IndexError Keras' build raises."""
    if not -len(x) <= axis < len(x):
        raise _rank_refusal(axis)
    return x[axis]


def _defined(x: Shape, axis: int, purpose: str) -> int:
    size = _axis_size(x, axis)
    if size is None:
        batch = " (axis 0 is the batch axis)" if axis in (0, -len(x)) else ""
        raise Refusal(UNKNOWN_REQUIRED_DIM, needs=f"a defined axis {axis}{batch} to size {purpose}")
    return size


def _batch_norm_axis(args: LayerArgs) -> int:
    """BatchNormalization calls int(axis) in its constructor (so 1.7 is axis 1)."""
    value = args.raw("axis", -1)
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        raise _refuse_axis(args, value, "one int") from None


def _pins_rank_and_axis(x: Shape, axis: int) -> BuiltSpec:
    """BatchNormalization's and GroupNormalization's build: `InputSpec(ndim=len(input_shape),
    axes={axis: input_shape[axis]})`."""
    return BuiltSpec(ndim=len(x), axes=((axis, x[axis]),))


@layer_rule("BatchNormalization", params=(
    "axis", "momentum", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer",
    "moving_mean_initializer", "moving_variance_initializer", "beta_regularizer",
    "gamma_regularizer", "beta_constraint", "gamma_constraint", "renorm", "renorm_clipping",
    "renorm_momentum", "synchronized"), check_args=_batch_norm_axis,
            built_spec=lambda args, x: _pins_rank_and_axis(x, _batch_norm_axis(args)),
            facts=LayerFacts(keeps_rank=True, linear=True, normalization=True))
def batch_normalization(args: LayerArgs, x: Shape) -> LayerOutput:
    axis = _batch_norm_axis(args)
    channels = _defined(x, axis, "its weights")
    # gamma and beta when enabled, the moving mean and variance always, and three more
    # non-trainable statistics with renorm; count_params() counts them all.
    per_channel = (_truthy(args, "scale", True) + _truthy(args, "center", True) + 2
                   + 3 * _truthy(args, "renorm", False))
    return LayerOutput(x, per_channel * channels)


def _axis_container(args: LayerArgs) -> object:
    """LayerNormalization's constructor only checks that axis is an int or a list/tuple."""
    value = args.raw("axis", -1)
    if not isinstance(value, int | tuple | list):
        raise _refuse_axis(args, value, "an int or a tuple of ints")
    return value


def _axes(args: LayerArgs, default: int) -> list[int]:
    """An int or a list/tuple of ints, as LayerNormalization and UnitNormalization take it."""
    value = args.raw("axis", default)
    if isinstance(value, int):
        return [int(value)]
    if isinstance(value, tuple | list) and all(isinstance(a, int) for a in value):
        return [int(a) for a in value]
    raise _refuse_axis(args, value, "an int or a tuple of ints")


@layer_rule("LayerNormalization", params=("axis", "epsilon", "center", "scale", *_INITIALIZERS),
            check_args=_axis_container,
            facts=LayerFacts(keeps_rank=True, normalization=True))
def layer_normalization(args: LayerArgs, x: Shape) -> LayerOutput:
    axes = sorted(_axes(args, -1))
    sizes = [_axis_size(x, axis) for axis in axes]
    rms = _truthy(args, "rms_scaling", False)
    weights = int(_truthy(args, "scale", True) or rms)
    weights += int(_truthy(args, "center", True) and not rms)
    if weights == 0:
        return LayerOutput(x, 0)
    for axis, size in zip(axes, sizes, strict=True):
        if size is None:
            _defined(x, axis, "gamma and beta")
    return LayerOutput(x, weights * math.prod(s for s in sizes if s is not None))


def _groups(args: LayerArgs) -> int:
    groups = args.raw("groups", 32)
    if not isinstance(groups, int) or (groups <= 0 and groups != -1):
        raise Refusal(INVALID_ARGUMENT,
                      f"{args.written_name} needs `groups` to be a positive int (or -1 for "
                      f"instance normalization), got {groups!r}", argument="groups")
    return groups


@layer_rule("GroupNormalization",
            params=("groups", "axis", "epsilon", "center", "scale", *_INITIALIZERS),
            check_args=_groups, built_spec=lambda args, x: _pins_rank_and_axis(
                x, args.integer("axis", -1)),
            facts=LayerFacts(normalization=True))
def group_normalization(args: LayerArgs, x: Shape) -> LayerOutput:
    groups = _groups(args)
    axis = args.raw("axis", -1)
    if not isinstance(axis, int):
        raise _refuse_axis(args, axis, "one int")
    channels = _defined(x, int(axis), "gamma and beta")
    groups = channels if groups == -1 else int(groups)
    if channels < groups:
        raise Refusal(INVALID_ARGUMENT,
                      needs=f"at least {groups} channels on axis {axis} for groups={groups}",
                      detail=f"{channels} channels")
    if channels % groups != 0:
        raise Refusal(INVALID_ARGUMENT,
                      needs=f"a channel count on axis {axis} divisible by groups={groups}",
                      detail=f"{channels} channels")
    weights = _truthy(args, "scale", True) + _truthy(args, "center", True)
    return LayerOutput(x, weights * channels)


def _unit_axes(args: LayerArgs) -> list[object]:
    """The constructor takes an int or a list/tuple; items are compared with the rank later."""
    value = args.raw("axis", -1)
    if isinstance(value, tuple | list):
        return list(value)
    if isinstance(value, int):
        return [value]
    raise _refuse_axis(args, value, "an int or a tuple of ints")


@layer_rule("UnitNormalization", params=("axis",), check_args=_unit_axes,
            facts=LayerFacts(normalization=True, passes_lists=True))
def unit_normalization(args: LayerArgs, x: Shape) -> LayerOutput:
    for axis in _unit_axes(args):
        if not isinstance(axis, int | float):
            raise _refuse_axis(args, args.raw("axis", -1), "an int or a tuple of ints")
        if not -len(x) <= axis < len(x):
            raise _rank_refusal(axis)
    return LayerOutput(x, 0)


def normalization_of_list(args: LayerArgs, shapes: Shapes) -> Shapes:
    """Their compute_output_shape checks each axis against `len(input_shape)`, which for a
    list of tensors is the number of tensors, and returns the list unchanged."""
    value = _batch_norm_axis(args) if args.call.kind == "BatchNormalization" else args.raw(
        "axis", -1)
    axes = list(value) if isinstance(value, tuple | list) else [value]
    if not all(isinstance(axis, int | float) for axis in axes):
        raise Unknowable("axis")
    count = len(shapes)
    for axis in axes:
        assert isinstance(axis, int | float)
        if axis >= count or axis < -count:
            raise Refusal(MULTIPLE_OUTPUTS,
                          f"{args.written_name} takes the list of {count} tensors for one shape "
                          f"of {count} axes, which has no axis {axis}")
    return shapes


# Those with weights have a build() of their own, never called on a list; UnitNormalization
# has none.
list_rule("BatchNormalization", "LayerNormalization", "GroupNormalization",
          stays_unbuilt=True)(normalization_of_list)
list_rule("UnitNormalization")(normalization_of_list)


@layer_rule("RMSNormalization", params=("axis", "epsilon"))
def rms_normalization(args: LayerArgs, x: Shape) -> LayerOutput:
    """One scale per element of the normalized axes (an int or a list)."""
    axis = args.raw("axis", -1)
    if isinstance(axis, float):
        raise _refuse_axis(args, axis, "an int or a list of ints")
    axes = [axis] if isinstance(axis, int) else axis
    if not isinstance(axes, list | tuple) or not all(
            isinstance(a, int) and not isinstance(a, bool) for a in axes):
        raise Unknowable("axis")
    return LayerOutput(x, math.prod(_defined(x, a, "its scale") for a in axes))


# Layers with a `kernel` (or Embedding's `embeddings`) whose last axis is their output's.
_SPECTRAL_WRAPPABLE = frozenset({"Dense", "Conv1D", "Conv2D", "Conv3D", "Embedding"})


@layer_rule("SpectralNormalization", params=("layer", "power_iterations"),
            built_spec=pins_last_axis)
def spectral_normalization(args: LayerArgs, x: Shape) -> LayerOutput:
    """The wrapped layer's output; its weights plus the power iteration's vector u, one value
    per column of the kernel."""
    from shape_engine.ir import LayerCall
    from shape_engine.layers.base import RULES

    inner = args.layer("layer")
    if not isinstance(inner, LayerCall) or inner.kind not in _SPECTRAL_WRAPPABLE:
        raise Unknowable("layer")
    rule = RULES[inner.kind or ""]
    output = rule.compute(LayerArgs(inner, rule.params), x)
    if output.shape is None or output.params is None or output.shape[-1] is None:
        raise Unknowable("layer")
    return LayerOutput(output.shape, output.params + output.shape[-1])
