"""Image augmentation layers: keras/layers/preprocessing/image_preprocessing (Keras 3.15).

They take no weights. Called on a symbolic tensor, all but a few return a tensor of their
input's shape whatever its rank: they have no input spec, and their rank checks run only on
data (observed in Keras 3.15.1 on ranks 2 to 5). `RandomCrop` replaces the two axes before
the channels; `RandomColorDegeneration` checks rank and channels when called.
"""

from __future__ import annotations

from shape_engine.layers.base import (
    LayerArgs,
    LayerFacts,
    LayerOutput,
    Refusal,
    Unknowable,
    layer_rule,
)
from shape_engine.layers.refusals import INCOMPATIBLE_DIM, INCOMPATIBLE_RANK, INVALID_ARGUMENT
from shape_engine.shapes import Shape

# Layers whose output is their input's shape, at any rank.
SHAPE_KEEPING = (
    "AugMix", "AutoContrast", "ContrastLimitedAdaptiveHistogramEqualization", "CutMix",
    "MaxNumBoundingBoxes", "MixUp", "RandAugment", "RandomBrightness", "RandomColorJitter",
    "RandomContrast", "RandomElasticTransform", "RandomErasing", "RandomFlip",
    "RandomGaussianBlur", "RandomGrayscale", "RandomHue", "RandomInvert", "RandomPerspective",
    "RandomPosterization", "RandomRotation", "RandomSaturation", "RandomSharpness",
    "RandomShear", "RandomTranslation", "RandomZoom", "Solarization",
)


# Given a list of tensors (an RNN's return_state=True), they pass it through as it is; only
# RandomGrayscale refuses one (Keras 3.15.1).
PASSES_LISTS = frozenset(SHAPE_KEEPING) - {"RandomGrayscale"}


def _same_shape(args: LayerArgs, x: Shape) -> LayerOutput:
    args.check_data_format()
    return LayerOutput(x, 0)


for _kind in SHAPE_KEEPING:
    # The base class standardizes data_format in its constructor.
    layer_rule(_kind, check_args=LayerArgs.check_data_format,
               facts=LayerFacts(passes_lists=_kind in PASSES_LISTS))(_same_shape)


@layer_rule("RandomColorDegeneration", params=("factor", "value_range", "data_format", "seed"),
            check_args=LayerArgs.check_data_format)
def random_color_degeneration(args: LayerArgs, x: Shape) -> LayerOutput:
    """Blends with the grayscale image: one image or a batch, of 3 channels."""
    if len(x) not in (3, 4):
        raise Refusal(INCOMPATIBLE_RANK,
                      needs="a 4-D input (batch, height, width, channels), or 3-D for one image")
    channels = x[len(x) - 3] if args.data_format() == "channels_first" else x[-1]
    if channels is not None and channels != 3:
        raise Refusal(INCOMPATIBLE_DIM, needs="images of 3 channels (RGB)")
    return LayerOutput(x, 0)


def _crop_size(args: LayerArgs, name: str) -> int:
    """A size Keras puts in the output shape when called: a float there is refused."""
    value = args.raw(name)
    if isinstance(value, float):
        raise Refusal(INVALID_ARGUMENT,
                      f"{args.written_name} needs `{name}` to be an int, got {value!r}",
                      argument=name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise Unknowable(name)
    return value


@layer_rule("RandomCrop", params=("height", "width", "seed", "data_format", "name"),
            check_args=LayerArgs.check_data_format)
def random_crop(args: LayerArgs, x: Shape) -> LayerOutput:
    """The axes before the channels (channels_last: -3, -2) or the last two (channels_first)
    become height and width, at any rank: a rank-3 tensor is read as one unbatched image."""
    height, width = _crop_size(args, "height"), _crop_size(args, "width")
    first = -2 if args.data_format() == "channels_first" else -3
    if len(x) < -first:
        raise Refusal(INCOMPATIBLE_RANK,
                      needs="a 4-D input (batch, height, width, channels), or 3-D for one image")
    out = list(x)
    out[first], out[first + 1] = height, width
    return LayerOutput(tuple(out), 0)
