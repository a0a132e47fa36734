"""Conv1D/2D/3D, their transposes, SeparableConv and DepthwiseConv against real TensorFlow."""

from __future__ import annotations

import textwrap

import pytest

from tests.compare import assert_agrees, build_errors

pytestmark = pytest.mark.tensorflow

HEADER = "import keras\nfrom keras import layers\n"

# name -> (program body after HEADER, expected engine code or None when Keras builds it)
CASES: dict[str, tuple[str, str | None]] = {
    # --- shapes and parameter counts ---------------------------------------------------------
    "conv2d_stack": ("""
        model = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(32, 3),
                                  layers.Conv2D(64, (3, 3), strides=2, padding="same"),
                                  layers.Conv2D(8, (5, 3), strides=(2, 1), use_bias=False)])
        """, None),
    "convolution_aliases": ("""
        model = keras.Sequential([keras.Input((16, 3)), layers.Convolution1D(4, 3)])
        image = keras.Sequential([keras.Input((9, 9, 2)), layers.Convolution2D(4, 2, 2)])
        volume = keras.Sequential([keras.Input((6, 6, 6, 1)), layers.Convolution3D(2, 3)])
        """, None),
    "conv1d_causal_dilated": ("""
        model = keras.Sequential([keras.Input((20, 3)),
                                  layers.Conv1D(8, 3, padding="causal", dilation_rate=2),
                                  layers.Conv1D(8, 2, padding="causal", strides=3)])
        """, None),
    "conv1d_valid_dilated": ("""
        model = keras.Sequential([keras.Input((20, 3)), layers.Conv1D(5, 4, dilation_rate=3)])
        """, None),
    "conv1d_channels_first": ("""
        model = keras.Sequential([keras.Input((3, 20)),
                                  layers.Conv1D(6, 5, strides=2, data_format="channels_first"),
                                  layers.Conv1D(6, 3, padding="causal",
                                                data_format="channels_first")])
        """, None),
    "conv2d_channels_first": ("""
        model = keras.Sequential([keras.Input((3, 32, 24)),
                                  layers.Conv2D(16, (3, 5), strides=(2, 3),
                                                data_format="channels_first"),
                                  layers.Conv2D(4, 3, padding="same",
                                                data_format="channels_first")])
        """, None),
    "conv3d_strides_tuple": ("""
        model = keras.Sequential([keras.Input((10, 9, 8, 2)),
                                  layers.Conv3D(4, (3, 2, 1), strides=(2, 1, 3)),
                                  layers.Conv3D(2, 2, padding="same", dilation_rate=(1, 2, 1))])
        """, None),
    "conv3d_channels_first": ("""
        model = keras.Sequential([keras.Input((2, 8, 8, 8)),
                                  layers.Conv3D(3, 3, padding="same", strides=2,
                                                data_format="channels_first")])
        """, None),
    "conv_groups": ("""
        model = keras.Sequential([keras.Input((12, 12, 4)), layers.Conv2D(6, 3, groups=2),
                                  layers.Conv2D(6, 1, groups=3)])
        line = keras.Sequential([keras.Input((10, 8)), layers.Conv1D(8, 3, groups=4)])
        """, None),
    "conv_padding_case_insensitive": ("""
        model = keras.Sequential([keras.Input((8, 8, 3)), layers.Conv2D(4, 3, padding="SAME"),
                                  layers.Conv2D(4, 3, padding="Valid",
                                                data_format="CHANNELS_LAST")])
        """, None),
    "conv_unknown_spatial_dims": ("""
        model = keras.Sequential([keras.Input((None, None, 3)), layers.Conv2D(4, 3, strides=2),
                                  layers.Conv2D(4, 5)])
        """, None),
    "conv_list_kernel_and_positional_args": ("""
        model = keras.Sequential([keras.Input((11, 13, 2)),
                                  layers.Conv2D(4, [3, 2], [2, 1], "valid", "channels_last",
                                                (1, 1), 2)])
        """, None),
    "conv_built_later": ("""
        model = keras.Sequential()
        model.add(layers.Conv2D(8, 3, activation="relu"))
        model.add(layers.Conv2D(8, 3, strides=2))
        model.build((None, 15, 15, 3))
        """, None),
    # --- transposed ----------------------------------------------------------------------------
    "conv2d_transpose_valid": ("""
        model = keras.Sequential([keras.Input((7, 7, 8)),
                                  layers.Conv2DTranspose(4, 3, strides=2),
                                  layers.Conv2DTranspose(4, 2, strides=3),
                                  layers.Conv2DTranspose(2, (3, 1), use_bias=False)])
        """, None),
    "conv2d_transpose_same_and_output_padding": ("""
        model = keras.Sequential([keras.Input((5, 5, 3)),
                                  layers.Conv2DTranspose(4, 3, strides=2, padding="same"),
                                  layers.Conv2DTranspose(4, 3, strides=2, padding="same",
                                                         output_padding=1),
                                  layers.Conv2DTranspose(4, 4, strides=3, output_padding=(2, 0))])
        """, None),
    "conv1d_transpose_dilated": ("""
        model = keras.Sequential([keras.Input((10, 2)),
                                  layers.Conv1DTranspose(3, 3, dilation_rate=2),
                                  layers.Convolution1DTranspose(3, 4, padding="same")])
        """, None),
    "conv3d_transpose_channels_first_positional": ("""
        model = keras.Sequential([keras.Input((3, 4, 4, 4)),
                                  layers.Conv3DTranspose(2, 3, 2, "same", "channels_first", 1)])
        """, None),
    "transpose_aliases": ("""
        model = keras.Sequential([keras.Input((4, 4, 2)),
                                  layers.Convolution2DTranspose(3, 2, strides=2)])
        volume = keras.Sequential([keras.Input((3, 3, 3, 1)),
                                   layers.Convolution3DTranspose(2, 2)])
        """, None),
    "transpose_unknown_dim": ("""
        model = keras.Sequential([keras.Input((None, 5, 3)),
                                  layers.Conv2DTranspose(4, 3, strides=2)])
        """, None),
    # --- separable and depthwise ---------------------------------------------------------------
    "separable_conv": ("""
        model = keras.Sequential([keras.Input((16, 16, 3)),
                                  layers.SeparableConv2D(8, 3, depth_multiplier=2),
                                  layers.SeparableConvolution2D(4, (1, 3), padding="same",
                                                                use_bias=False)])
        line = keras.Sequential([keras.Input((4, 30)),
                                 layers.SeparableConv1D(6, 5, strides=2,
                                                        data_format="channels_first"),
                                 layers.SeparableConvolution1D(2, 3, depth_multiplier=3)])
        """, None),
    "depthwise_conv": ("""
        model = keras.Sequential([keras.Input((3, 12, 12)),
                                  layers.DepthwiseConv2D(3, 2, "same", 2, "channels_first")])
        line = keras.Sequential([keras.Input((20, 4)),
                                 layers.DepthwiseConv1D(4, depth_multiplier=3, use_bias=False),
                                 layers.DepthwiseConv1D(3, dilation_rate=2)])
        """, None),
    # Depthwise and separable layers do not refuse strides > 1 with dilation > 1 at build.
    "depthwise_and_separable_accept_strided_dilation": ("""
        model = keras.Sequential([keras.Input((16, 16, 3)),
                                  layers.DepthwiseConv2D(3, strides=2, dilation_rate=2),
                                  layers.SeparableConv2D(4, 2, strides=2, dilation_rate=2)])
        """, None),
    # --- refusals ------------------------------------------------------------------------------
    "conv1d_after_dense": ("""
        model = keras.Sequential([keras.Input((10,)), layers.Dense(8), layers.Conv1D(4, 3)])
        """, "SL101"),
    "conv2d_given_a_5d_input": ("""
        model = keras.Sequential([keras.Input((8, 8, 8, 3)), layers.Conv2D(4, 3)])
        """, "SL101"),
    "conv3d_transpose_given_a_4d_input": ("""
        model = keras.Sequential([keras.Input((8, 8, 3)), layers.Conv3DTranspose(4, 3)])
        """, "SL101"),
    "depthwise_given_a_3d_input": ("""
        model = keras.Sequential([keras.Input((8, 3)), layers.DepthwiseConv2D(3)])
        """, "SL101"),
    "conv_output_would_be_zero": ("""
        model = keras.Sequential([keras.Input((2, 8, 3)), layers.Conv2D(4, 3)])
        """, "SL103"),
    "conv_dilated_kernel_too_wide": ("""
        model = keras.Sequential([keras.Input((8, 4, 1)),
                                  layers.Conv2D(4, 3, dilation_rate=(1, 2))])
        """, "SL103"),
    "conv_stack_shrinks_to_nothing": ("""
        model = keras.Sequential()
        model.add(keras.Input((10, 10, 1)))
        model.add(layers.Conv2D(8, 3, strides=2))
        model.add(layers.Conv2D(8, 3, strides=2))
        model.add(layers.SeparableConv2D(8, 3))
        """, "SL103"),
    "causal_padding_outside_conv1d": ("""
        model = keras.Sequential([keras.Input((8, 8, 3)), layers.Conv2D(4, 3, padding="causal")])
        """, "SL105"),
    "causal_padding_on_conv1d_transpose": ("""
        model = keras.Sequential([keras.Input((8, 3)),
                                  layers.Conv1DTranspose(4, 3, padding="causal")])
        """, "SL105"),
    "causal_padding_on_separable_conv1d": ("""
        model = keras.Sequential([keras.Input((8, 3)),
                                  layers.SeparableConv1D(4, 3, padding="causal")])
        """, "SL105"),
    "unknown_padding": ("""
        model = keras.Sequential([keras.Input((8, 8, 3)), layers.Conv2D(4, 3, padding="full")])
        """, "SL105"),
    "explicit_padding_list": ("""
        model = keras.Sequential([keras.Input((8, 8, 3)),
                                  layers.DepthwiseConv2D(3, padding=[1, 1])])
        """, "SL105"),
    "strides_with_dilation": ("""
        model = keras.Sequential([keras.Input((16, 16, 3)),
                                  layers.Conv2D(4, 3, strides=2, dilation_rate=2)])
        """, "SL105"),
    "transpose_strides_with_dilation": ("""
        model = keras.Sequential([keras.Input((16, 3)),
                                  layers.Conv1DTranspose(4, 3, strides=(2,), dilation_rate=3)])
        """, "SL105"),
    "filters_not_divisible_by_groups": ("""
        model = keras.Sequential([keras.Input((8, 8, 4)), layers.Conv2D(5, 3, groups=2)])
        """, "SL105"),
    "channels_not_divisible_by_groups": ("""
        model = keras.Sequential([keras.Input((8, 8, 3)), layers.Conv2D(4, 3, groups=2)])
        """, "SL105"),
    "zero_filters": ("""
        model = keras.Sequential([keras.Input((8, 8, 3)), layers.Conv2D(0, 3)])
        """, "SL105"),
    "negative_kernel_size": ("""
        model = keras.Sequential([keras.Input((8, 3)), layers.Conv1D(4, -3)])
        """, "SL105"),
    "kernel_size_of_wrong_length": ("""
        model = keras.Sequential([keras.Input((8, 8, 3)), layers.Conv2D(4, (3, 3, 3))])
        """, "SL105"),
    "zero_strides": ("""
        model = keras.Sequential([keras.Input((8, 8, 3)), layers.SeparableConv2D(4, 3, strides=0)])
        """, "SL105"),
    "output_padding_not_below_strides": ("""
        model = keras.Sequential([keras.Input((8, 8, 3)),
                                  layers.Conv2DTranspose(4, 3, strides=2, output_padding=2)])
        """, "SL105"),
    "zero_depth_multiplier": ("""
        model = keras.Sequential([keras.Input((8, 8, 3)),
                                  layers.DepthwiseConv2D(3, depth_multiplier=0)])
        """, "SL105"),
    "unknown_data_format": ("""
        model = keras.Sequential([keras.Input((8, 8, 3)), layers.Conv2D(4, 3, data_format="NHWC")])
        """, "SL105"),
    "kernel_size_missing": ("""
        model = keras.Sequential([keras.Input((8, 8, 3)), layers.Conv2D(4)])
        """, "SL105"),
    "unknown_channels": ("""
        model = keras.Sequential([keras.Input((8, 8, None)), layers.Conv2D(4, 3)])
        """, "SL102"),
    "unknown_channels_channels_first_transpose": ("""
        model = keras.Sequential([keras.Input((None, 8, 8)),
                                  layers.Conv2DTranspose(4, 3, data_format="channels_first")])
        """, "SL102"),
    "unknown_channels_depthwise": ("""
        model = keras.Sequential([keras.Input((8, None)), layers.DepthwiseConv1D(3)])
        """, "SL102"),
    "layer_defined_before_the_model": ("""
        bad = layers.Conv1D(4, 3, padding="causal", dilation_rate=2, strides=2)
        model = keras.Sequential([keras.Input((8, 3)), bad])
        """, "SL105"),
    # Constructor checks run when the layer is created, even if the model is never built.
    "causal_padding_without_an_input": ("""
        model = keras.Sequential()
        model.add(layers.Conv2D(4, 3, padding="causal"))
        """, "SL105"),
    "zero_groups_without_an_input": ("""
        model = keras.Sequential([layers.Conv1D(4, 3, groups=0)])
        """, "SL105"),
    # A float filters only fails when build() sizes the kernel: an unbuilt model is fine.
    "float_filters_without_an_input": ("""
        model = keras.Sequential([layers.Conv2D(4.0, 3), layers.Conv2DTranspose(2.0, 3)])
        """, None),
    "float_filters_when_built": ("""
        model = keras.Sequential([keras.Input((8, 8, 3)), layers.Conv2D(4.0, 3)])
        """, "SL105"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_agrees_with_tensorflow(name: str, oracle) -> None:  # type: ignore[no-untyped-def]
    body, code = CASES[name]
    assert_agrees(HEADER + _dedent(body), oracle, expect_error=code,
                  expect_raises=code is not None)


def test_shrinking_message_names_the_axis_and_sizes(oracle) -> None:  # type: ignore[no-untyped-def]
    analysis, _ = assert_agrees(HEADER + _dedent(CASES["conv_dilated_kernel_too_wide"][0]),
                                oracle, expect_error="SL103", expect_raises=True)
    message = build_errors(analysis)[0]
    assert "width of at least 5" in message
    assert "dilated by 2" in message
    assert "a width of 4 gives 0" in message
    assert "(None, 8, 4, 1)" in message


def test_rank_message_names_the_layout(oracle) -> None:  # type: ignore[no-untyped-def]
    analysis, _ = assert_agrees(HEADER + _dedent(CASES["conv1d_after_dense"][0]), oracle,
                                expect_error="SL101", expect_raises=True)
    message = build_errors(analysis)[0]
    assert "Conv1D expects a 3-D input (batch, steps, channels)" in message
    assert "(None, 8)" in message


def _dedent(body: str) -> str:
    return textwrap.dedent(body).lstrip("\n")
