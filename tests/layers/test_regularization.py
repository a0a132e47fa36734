"""Dropout, noise, activity regularization and spatial dropout against real TensorFlow."""

from __future__ import annotations

import pytest

from tests.compare import assert_agrees

pytestmark = pytest.mark.tensorflow


def seq(input_args: str, *layers: str) -> str:
    """A Sequential program: keras.Input(input_args) then the given layers."""
    stack = ", ".join(("keras.Input(" + input_args + ")", *layers))
    return f"import keras\nfrom keras import layers\nmodel = keras.Sequential([{stack}])\n"


CASES: dict[str, tuple[str, str | None]] = {
    "dropout": (seq("(6, 3)", "layers.Dropout(0.5)"), None),
    "dropout_rate_one": (seq("(6, 3)", "layers.Dropout(1)"), None),
    "dropout_rank1": (seq("batch_shape=(None,)", "layers.Dropout(0.3)"), None),
    "dropout_negative_rate": (seq("(6, 3)", "layers.Dropout(-0.1)"), "SL105"),
    "dropout_rate_above_one": (seq("(5,)", "layers.Dropout(1.5)"), "SL105"),
    "dropout_string_rate": (seq("(6, 3)", "layers.Dropout('0.2')"), "SL105"),
    "dropout_none_rate": (seq("(6,)", "layers.Dropout(None)"), "SL105"),
    "dropout_noise_shape": (seq("(6, 3)", "layers.Dropout(0.2, noise_shape=(None, 1, 3))"),
                            None),
    "dropout_noise_shape_rank_unchecked": (
        seq("(6, 3)", "layers.Dropout(0.2, noise_shape=(None, 1))"), None),
    "dropout_noise_shape_zero": (seq("(6, 3)", "layers.Dropout(0.2, noise_shape=(None, 0, 3))"),
                                 "SL105"),
    "dropout_noise_shape_string": (seq("(6, 3)", "layers.Dropout(0.2, noise_shape='ab')"),
                                   "SL105"),
    "alpha_dropout_bad_rate": (seq("(6, 3)", "layers.AlphaDropout(1.5)"), "SL105"),
    "gaussian_dropout_bad_rate": (seq("(6, 3)", "layers.GaussianDropout(-1)"), "SL105"),
    "gaussian_noise_stddev_above_one": (seq("(6, 3)", "layers.GaussianNoise(1.5)"), "SL105"),
    "noise_layers_stack": (
        seq("(6, 3)", "layers.GaussianNoise(0.1)", "layers.GaussianDropout(0.3)",
            "layers.AlphaDropout(0.2)", "layers.ActivityRegularization(l1=0.01, l2=None)"), None),
    "activity_regularization_negative": (
        seq("(6, 3)", "layers.ActivityRegularization(l1=-0.01)"), "SL105"),
    "activity_regularization_string": (
        seq("(6, 3)", "layers.ActivityRegularization(l2='a')"), "SL105"),
    "spatial_dropout1d": (seq("(6, 3)", "layers.SpatialDropout1D(0.3)"), None),
    "spatial_dropout1d_rank": (seq("(6, 3, 2)", "layers.SpatialDropout1D(0.3)"), "SL101"),
    "spatial_dropout1d_data_format": (
        seq("(6, 3)", "layers.SpatialDropout1D(0.3, data_format='channels_last')"), "SL105"),
    "spatial_dropout1d_bad_rate": (seq("(6, 3)", "layers.SpatialDropout1D(2)"), "SL105"),
    "spatial_dropout2d_channels_first": (
        seq("(6, 3, 2)", "layers.SpatialDropout2D(0.3, data_format='channels_first')"), None),
    "spatial_dropout2d_positional_data_format": (
        seq("(6, 3, 2)", "layers.SpatialDropout2D(0.3, 'channels_first')"), None),
    "spatial_dropout2d_after_dense": (
        seq("(6,)", "layers.Dense(4)", "layers.SpatialDropout2D(0.1)"), "SL101"),
    "spatial_dropout2d_bad_data_format": (
        seq("(6, 3, 2)", "layers.SpatialDropout2D(0.3, data_format='x')"), "SL105"),
    "spatial_dropout3d": (seq("(6, 3, 2, 2)", "layers.SpatialDropout3D(0.3)"), None),
    "spatial_dropout3d_rank": (seq("(6, 3, 2)", "layers.SpatialDropout3D(0.3)"), "SL101"),
}


def unbuilt(*layers: str) -> str:
    """A Sequential without an input: only what the constructors refuse can fail."""
    return ("import keras\nfrom keras import layers\nmodel = keras.Sequential(["
            + ", ".join(layers) + "])\n")


CASES.update({
    "unbuilt_dropout_rate": (unbuilt("layers.Dense(4)", "layers.Dropout(1.5)"), "SL105"),
    "unbuilt_gaussian_noise": (unbuilt("layers.GaussianNoise(2.0)"), "SL105"),
    "unbuilt_spatial_dropout1d_data_format": (
        unbuilt("layers.SpatialDropout1D(0.1, data_format='channels_last')"), "SL105"),
    "unbuilt_spatial_dropout_rank_not_checked": (unbuilt("layers.SpatialDropout3D(0.1)"),
                                                 None),
})

@pytest.mark.parametrize("name", sorted(CASES))
def test_agrees_with_tensorflow(name: str, oracle) -> None:  # type: ignore[no-untyped-def]
    source, code = CASES[name]
    assert_agrees(source, oracle, expect_error=code, expect_raises=code is not None)
