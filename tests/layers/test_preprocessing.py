"""Rescaling, Resizing, CenterCrop against real TensorFlow.

A rank-3 tensor reaching Resizing/CenterCrop inside a Sequential is read as ONE unbatched
image, so the batch axis becomes the height: Keras really builds (16, 20, 32) below.
"""

from __future__ import annotations

import pytest

from tests.compare import assert_agrees

pytestmark = pytest.mark.tensorflow


def seq(input_args: str, *layers: str) -> str:
    """A Sequential program: keras.Input(input_args) then the given layers."""
    stack = ", ".join(("keras.Input(" + input_args + ")", *layers))
    return f"import keras\nfrom keras import layers\nmodel = keras.Sequential([{stack}])\n"


CASES: dict[str, tuple[str, str | None]] = {
    "rescaling": (seq("(6, 3)", "layers.Rescaling(1 / 255.0)"), None),
    "rescaling_per_channel": (seq("(6, 3)", "layers.Rescaling([1.0, 2.0, 3.0], offset=-1.0)"),
                              None),
    "resizing": (seq("(32, 32, 3)", "layers.Resizing(16, 20)"), None),
    "resizing_channels_first": (
        seq("(3, 32, 32)", "layers.Resizing(16, 20, data_format='channels_first')"), None),
    "resizing_unknown_size": (
        seq("(None, None, 3)", "layers.Resizing(16, 20, crop_to_aspect_ratio=True)"), None),
    "resizing_then_conv": (seq("(32, 32, 3)", "layers.Resizing(16, 20)", "layers.Conv2D(4, 3)"),
                           None),
    "resizing_rank3_unbatched": (seq("(32, 32)", "layers.Resizing(16, 20)"), None),
    "resizing_rank3_unbatched_then_dense": (
        seq("(32, 32)", "layers.Resizing(16, 20)", "layers.Dense(4)"), None),
    "resizing_rank3_channels_first": (
        seq("(32, 32)", "layers.Resizing(16, 20, data_format='channels_first')"), None),
    "resizing_rank2": (seq("(32,)", "layers.Resizing(16, 20)"), None),
    "resizing_rank5": (seq("(2, 32, 32, 3)", "layers.Resizing(16, 20)"), None),
    "resizing_rank2_channels_first": (
        seq("(32,)", "layers.Resizing(16, 20, data_format='channels_first')"), "SL101"),
    "resizing_zero_height": (seq("(32, 32, 3)", "layers.Resizing(0, 20)"), None),
    "resizing_negative_height": (seq("(32, 32, 3)", "layers.Resizing(-1, 20)"), "SL105"),
    "resizing_float_height": (seq("(32, 32, 3)", "layers.Resizing(16.0, 20)"), "SL105"),
    "resizing_bad_data_format": (seq("(32, 32, 3)", "layers.Resizing(16, 20, data_format='x')"),
                                 "SL105"),
    "center_crop": (seq("(32, 32, 3)", "layers.CenterCrop(16, 20)"), None),
    "center_crop_larger_than_image": (seq("(32, 32, 3)", "layers.CenterCrop(40, 20)"), None),
    "center_crop_channels_first": (
        seq("(3, 32, 32)", "layers.CenterCrop(16, 20, data_format='channels_first')"), None),
    "center_crop_rank3_unbatched": (seq("(32, 32)", "layers.CenterCrop(16, 20)"), None),
    "center_crop_rank2": (seq("(32,)", "layers.CenterCrop(16, 20)"), "SL101"),
    "center_crop_rank5": (seq("(2, 32, 32, 3)", "layers.CenterCrop(16, 20)"), "SL101"),
    "center_crop_negative_width": (seq("(32, 32, 3)", "layers.CenterCrop(16, -2)"), "SL105"),
}


def unbuilt(*layers: str) -> str:
    """A Sequential without an input: only what the constructors refuse can fail."""
    return ("import keras\nfrom keras import layers\nmodel = keras.Sequential(["
            + ", ".join(layers) + "])\n")


CASES.update({
    "unbuilt_resizing_bad_data_format": (unbuilt("layers.Resizing(4, 4, data_format='x')"),
                                         "SL105"),
    "unbuilt_resizing_negative_not_checked": (unbuilt("layers.Resizing(-1, 4)"), None),
    "unbuilt_center_crop_float_not_checked": (unbuilt("layers.CenterCrop(2.0, 4)"), None),
})

@pytest.mark.parametrize("name", sorted(CASES))
def test_agrees_with_tensorflow(name: str, oracle) -> None:  # type: ignore[no-untyped-def]
    source, code = CASES[name]
    assert_agrees(source, oracle, expect_error=code, expect_raises=code is not None)
