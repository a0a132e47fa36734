"""Rescaling, Resizing, CenterCrop: keras/layers/preprocessing (Keras 3.15).

Resizing and CenterCrop take a batch of images (rank 4) or ONE image (rank 3). Inside a
Sequential the batch axis is part of the shape, so a rank-3 tensor (batch, a, b) is read as
an unbatched image: its first two axes, batch included, become (height, width), exactly as
Keras' `compute_output_shape` does. Resizing applies the same indexing to any other rank.
"""

from __future__ import annotations

from shape_engine.checks.build import INCOMPATIBLE_RANK, INVALID_ARGUMENT
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


_AUGMENTATIONS = ("RandomFlip", "RandomRotation", "RandomZoom", "RandomContrast",
                  "RandomTranslation", "RandomBrightness")


def _augmentation(args: LayerArgs, x: Shape) -> LayerOutput:
    """Image augmentations keep a batch of images as it is (0 parameters); other ranks are
    not modelled."""
    if len(x) != 4:
        raise Unknowable("rank")
    return LayerOutput(x, 0)


for _kind in _AUGMENTATIONS:
    layer_rule(_kind, facts=LayerFacts(passes_lists=True))(_augmentation)
