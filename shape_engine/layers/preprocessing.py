"""Rescaling, Resizing, CenterCrop, Normalization: keras/layers/preprocessing (Keras 3.15).

Resizing and CenterCrop take a batch of images (rank 4) or ONE image (rank 3). Inside a
Sequential the batch axis is part of the shape, so a rank-3 tensor (batch, a, b) is read as
an unbatched image: its first two axes, batch included, become (height, width), exactly as
Keras' `compute_output_shape` does. Resizing applies the same indexing to any other rank.
"""

from __future__ import annotations

import math

from shape_engine.layers.base import (
    LayerArgs,
    LayerFacts,
    LayerOutput,
    Refusal,
    Unknowable,
    layer_rule,
    list_rule,
    same_list,
)
from shape_engine.layers.refusals import INCOMPATIBLE_RANK, INVALID_ARGUMENT, UNKNOWN_REQUIRED_DIM
from shape_engine.shapes import Dim, Shape

_IMAGE_RANKS = "a 4-D input (batch, height, width, channels), or 3-D for one image"


@layer_rule("Rescaling", params=("scale", "offset"), facts=LayerFacts(passes_lists=True))
def rescaling(args: LayerArgs, x: Shape) -> LayerOutput:
    return LayerOutput(x, 0)


# Its compute_output_shape returns its input, a list of tensors too (see `list_rule`); it
# has a build() of its own, never called there.
list_rule("Rescaling", stays_unbuilt=True)(same_list)


def _target_size(args: LayerArgs, name: str) -> Dim:
    """A target height/width; Keras puts it in the output shape, which refuses < 0 and floats."""
    value = args.raw(name)
    if value is None:
        return None
    if isinstance(value, int) and value >= 0:
        return int(value)
    raise Refusal(INVALID_ARGUMENT,
                  f"{args.written_name} needs `{name}` to be an int >= 0, got {value!r}",
                  argument=name)


def _replace_height_width(args: LayerArgs, x: Shape) -> Shape:
    data_format = args.data_format()
    if len(x) == 4:
        first = 2 if data_format == "channels_first" else 1
    else:
        first = 1 if data_format == "channels_first" else 0
    if first + 1 >= len(x):
        raise Refusal(INCOMPATIBLE_RANK, needs=_IMAGE_RANKS)
    height, width = _target_size(args, "height"), _target_size(args, "width")
    out = list(x)
    out[first], out[first + 1] = height, width
    return tuple(out)


@layer_rule("Resizing", params=("height", "width", "interpolation", "crop_to_aspect_ratio",
                                "pad_to_aspect_ratio", "fill_mode", "fill_value", "antialias",
                                "data_format"), check_args=LayerArgs.data_format)
def resizing(args: LayerArgs, x: Shape) -> LayerOutput:
    return LayerOutput(_replace_height_width(args, x), 0)


@layer_rule("CenterCrop", params=("height", "width", "data_format"),
            check_args=LayerArgs.data_format)
def center_crop(args: LayerArgs, x: Shape) -> LayerOutput:
    # A crop larger than the image is not refused: Keras resizes instead.
    args.data_format()
    if len(x) not in (3, 4):
        raise Refusal(INCOMPATIBLE_RANK, needs=_IMAGE_RANKS)
    return LayerOutput(_replace_height_width(args, x), 0)


def _normalization_args(args: LayerArgs) -> bool:
    """Whether mean and variance are given; the constructor refuses one without the other,
    and an axis that `tuple(axis)` refuses (a float: TypeError, before anything else)."""
    axis = args.raw("axis", -1)
    if isinstance(axis, float):
        raise Refusal(INVALID_ARGUMENT,
                      f"{args.written_name} needs `axis` to be an int, a tuple of ints or None, "
                      f"got {axis!r}", argument="axis")
    mean, variance = args.raw("mean", None), args.raw("variance", None)
    if (mean is None) != (variance is None):
        raise Refusal(INVALID_ARGUMENT,
                      f"{args.written_name} takes `mean` and `variance` together, or neither",
                      argument="mean" if mean is not None else "variance")
    return mean is not None


@layer_rule("Normalization", params=("axis", "mean", "variance", "invert"),
            check_args=_normalization_args)
def normalization(args: LayerArgs, x: Shape) -> LayerOutput:
    """Keeps the input's shape. Without `mean` and `variance` given it holds, untrainable, a
    mean and a variance per element of the kept axes, and a count."""
    given = _normalization_args(args)
    axis = args.raw("axis", -1)
    axes = () if axis is None else (axis,) if isinstance(axis, int) else axis
    if not isinstance(axes, list | tuple) or not all(
            isinstance(a, int) and not isinstance(a, bool) for a in axes):
        raise Unknowable("axis")
    if any(not -len(x) <= a < len(x) for a in axes):
        raise Refusal(INCOMPATIBLE_RANK,
                      needs=f"an input of rank {max(a + 1 if a >= 0 else -a for a in axes)} "
                            f"or more for axis={axis}")
    sizes = [x[a] for a in axes]
    if None in sizes:
        raise Refusal(UNKNOWN_REQUIRED_DIM,
                      needs=f"a defined size on each kept axis ({axis}) to size its mean and "
                            "variance")
    if given:
        return LayerOutput(x, 0)
    return LayerOutput(x, 2 * math.prod(s for s in sizes if s is not None) + 1)


@layer_rule("Pipeline", params=("layers", "name"))
def pipeline(args: LayerArgs, x: Shape) -> LayerOutput:
    """Its layers applied in turn, as a Sequential would, their parameters summed."""
    from shape_engine.layers.base import RULES
    from shape_engine.values import LayerValue, Seq

    value = args.call.kwargs.get("layers", args.call.args[0] if args.call.args else None)
    if not isinstance(value, Seq) or not all(isinstance(v, LayerValue) for v in value.items):
        raise Unknowable("layers")
    shape: Shape = x
    params = 0
    for item in value.items:
        assert isinstance(item, LayerValue)
        rule = RULES.get(item.call.kind or "")
        if rule is None or not rule.needs_input:
            raise Unknowable("layers")
        output = rule.compute(LayerArgs(item.call, rule.params), shape)
        if output.shape is None or output.params is None:
            raise Unknowable("layers")
        shape, params = output.shape, params + output.params
    return LayerOutput(shape, params)
