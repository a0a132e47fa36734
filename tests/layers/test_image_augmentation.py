"""Image augmentation layers against real TensorFlow: they keep their input's shape at any
rank, RandomCrop replaces height and width, RandomColorDegeneration checks rank and
channels."""

from __future__ import annotations

import pytest

from shape_engine.layers.image_augmentation import SHAPE_KEEPING
from tests.compare import assert_agrees
from tests.layers.helpers import seq, unbuilt

pytestmark = pytest.mark.tensorflow

# A constructor call that Keras accepts, per shape-keeping layer.
CALLS = {kind: f"layers.{kind}()" for kind in SHAPE_KEEPING} | {
    "RandomRotation": "layers.RandomRotation(0.2, fill_mode='constant')",
    "RandomZoom": "layers.RandomZoom(0.2, 0.3)",
    "RandomTranslation": "layers.RandomTranslation(0.1, 0.2)",
    "RandomContrast": "layers.RandomContrast(0.3)",
    "RandomBrightness": "layers.RandomBrightness(0.2, value_range=(0, 1))",
    "RandomFlip": "layers.RandomFlip('horizontal_and_vertical')",
    "RandomHue": "layers.RandomHue(0.5)",
    "RandomSaturation": "layers.RandomSaturation(0.5)",
    "RandomSharpness": "layers.RandomSharpness(0.5)",
    "RandomShear": "layers.RandomShear(0.2, 0.1)",
    "RandomPosterization": "layers.RandomPosterization(4)",
    "MaxNumBoundingBoxes": "layers.MaxNumBoundingBoxes(3)",
}

CASES: dict[str, tuple[str, str | None]] = {}
for _kind, _call in CALLS.items():
    CASES[f"{_kind}_images"] = (seq("(16, 16, 3)", _call, "layers.Conv2D(4, 3)"), None)
    CASES[f"{_kind}_rank2"] = (seq("(8,)", _call, "layers.Dense(2)"), None)
    CASES[f"{_kind}_rank5"] = (seq("(2, 8, 8, 3)", _call), None)
    # A list of tensors passes through all of them but RandomGrayscale.
    CASES[f"{_kind}_after_return_state"] = (
        seq("(10, 3)", "layers.LSTM(3, return_state=True)", _call),
        "SL108" if _kind == "RandomGrayscale" else None)

CASES.update({
    "flip_channels_first": (
        seq("(3, 16, 16)", "layers.RandomFlip(data_format='channels_first')"), None),
    "flip_bad_data_format": (seq("(16, 16, 3)", "layers.RandomFlip(data_format='x')"),
                             "SL105"),
    "solarization_bad_data_format_rank2": (
        seq("(11,)", "layers.Solarization(data_format='nhwc')"), "SL105"),
    "color_jitter_bad_data_format_then_reshape": (
        seq("(26,)", "layers.RandomColorJitter(data_format='nhwc')",
            "layers.Reshape((12, 1, 1))"), "SL105"),
    "unbuilt_rotation_bad_data_format": (
        unbuilt("layers.RandomRotation(0.1, data_format='nchw')"), "SL105"),
    "augmentation_block_then_cnn": (
        seq("(32, 32, 3)", "layers.RandomFlip('horizontal')", "layers.RandomRotation(0.1)",
            "layers.RandomZoom(0.1)", "layers.Rescaling(1 / 255)", "layers.Conv2D(8, 3)",
            "layers.GlobalAveragePooling2D()", "layers.Dense(10)"), None),
    "augmentation_keeps_a_wrong_rank_for_the_next_layer": (
        seq("(32, 32)", "layers.RandomFlip()", "layers.Conv2D(8, 3)"), "SL101"),
    "crop": (seq("(16, 16, 3)", "layers.RandomCrop(8, 10)"), None),
    "crop_larger_than_image": (seq("(16, 16, 3)", "layers.RandomCrop(20, 10)"), None),
    "crop_unknown_size": (seq("(None, None, 3)", "layers.RandomCrop(8, 8)", "layers.Flatten()",
                              "layers.Dense(2)"), None),
    "crop_channels_first": (
        seq("(3, 16, 16)", "layers.RandomCrop(8, 10, data_format='channels_first')"), None),
    "crop_rank3_unbatched": (seq("(16, 16)", "layers.RandomCrop(8, 10)"), None),
    "crop_rank5": (seq("(2, 16, 16, 3)", "layers.RandomCrop(8, 10)"), None),
    "crop_rank2": (seq("(16,)", "layers.RandomCrop(8, 10)"), "SL101"),
    "crop_rank2_channels_first": (
        seq("(16,)", "layers.RandomCrop(8, 10, data_format='channels_first')"), None),
    "crop_float_width": (seq("(22, 11)", "layers.RandomCrop(11, 7.0)"), "SL105"),
    "crop_bad_data_format": (seq("(16, 16, 3)", "layers.RandomCrop(8, 8, data_format='x')"),
                             "SL105"),
    "color_degeneration": (seq("(16, 16, 3)", "layers.RandomColorDegeneration(0.5)"), None),
    "color_degeneration_channels_first": (
        seq("(3, 16, 16)",
            "layers.RandomColorDegeneration(0.5, data_format='channels_first')"), None),
    "color_degeneration_one_channel": (
        seq("(16, 16, 1)", "layers.RandomColorDegeneration(0.5)"), "SL109"),
    "color_degeneration_rank2": (seq("(16,)", "layers.RandomColorDegeneration(0.5)"), "SL101"),
    "color_degeneration_rank5": (
        seq("(2, 16, 16, 3)", "layers.RandomColorDegeneration(0.5)"), "SL101"),
})


@pytest.mark.parametrize("name", sorted(CASES))
def test_agrees_with_tensorflow(name: str, oracle) -> None:  # type: ignore[no-untyped-def]
    source, code = CASES[name]
    assert_agrees(source, oracle, expect_error=code, expect_raises=code is not None)
