"""Max/AveragePooling1D/2D/3D and the Global poolings against real TensorFlow."""

from __future__ import annotations

import textwrap

import pytest

from tests.compare import assert_agrees, build_errors

pytestmark = pytest.mark.tensorflow

HEADER = "import keras\nfrom keras import layers\n"

# name -> (program body after HEADER, expected engine code or None when Keras builds it)
CASES: dict[str, tuple[str, str | None]] = {
    # --- shapes --------------------------------------------------------------------------------
    "max_pooling_defaults": ("""
        line = keras.Sequential([keras.Input((9, 4)), layers.MaxPooling1D()])
        model = keras.Sequential([keras.Input((9, 7, 4)), layers.MaxPooling2D()])
        volume = keras.Sequential([keras.Input((5, 6, 7, 2)), layers.MaxPooling3D()])
        """, None),
    "max_pool_aliases_with_strides": ("""
        line = keras.Sequential([keras.Input((10, 4)), layers.MaxPool1D(3, strides=2)])
        model = keras.Sequential([keras.Input((11, 9, 4)),
                                  layers.MaxPool2D((3, 2), strides=(2, 3))])
        volume = keras.Sequential([keras.Input((8, 8, 8, 1)), layers.MaxPool3D(2, 1)])
        """, None),
    "average_pooling_same": ("""
        model = keras.Sequential([keras.Input((9, 7, 4)),
                                  layers.AveragePooling2D(2, padding="same"),
                                  layers.AveragePooling2D(3, strides=1, padding="same"),
                                  layers.AveragePooling2D((2, 4), strides=(3, 2))])
        """, None),
    "avg_pool_aliases": ("""
        line = keras.Sequential([keras.Input((10, 4)), layers.AvgPool1D(4)])
        model = keras.Sequential([keras.Input((6, 6, 1)), layers.AvgPool2D([2, 3], [1, 2])])
        volume = keras.Sequential([keras.Input((7, 7, 7, 2)),
                                   layers.AvgPool3D((3, 2, 1), padding="same")])
        """, None),
    "pooling_channels_first": ("""
        line = keras.Sequential([keras.Input((3, 9)),
                                 layers.AveragePooling1D(2, data_format="channels_first")])
        model = keras.Sequential([keras.Input((3, 9, 9)),
                                  layers.MaxPooling2D(3, strides=2,
                                                      data_format="channels_first")])
        volume = keras.Sequential([keras.Input((2, 4, 6, 8)),
                                   layers.MaxPooling3D(padding="same",
                                                       data_format="Channels_First")])
        """, None),
    "pooling_unknown_dims": ("""
        model = keras.Sequential([keras.Input((None, 5, None)),
                                  layers.MaxPooling2D(3, strides=2),
                                  layers.AveragePooling2D(2, padding="same")])
        """, None),
    "pooling_in_a_cnn": ("""
        model = keras.Sequential([
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ])
        """, None),
    "pooling_built_later": ("""
        model = keras.Sequential()
        model.add(layers.MaxPooling1D(2))
        model.add(layers.AveragePooling1D(3, strides=1))
        model.build((None, 17, 3))
        """, None),
    "global_pooling": ("""
        line = keras.Sequential([keras.Input((10, 4)), layers.GlobalMaxPooling1D()])
        model = keras.Sequential([keras.Input((9, 7, 4)), layers.GlobalAveragePooling2D()])
        volume = keras.Sequential([keras.Input((5, 6, 7, 2)), layers.GlobalMaxPooling3D()])
        mean = keras.Sequential([keras.Input((5, 6, 7, 2)), layers.GlobalAveragePooling3D()])
        """, None),
    "global_pool_aliases_keepdims": ("""
        line = keras.Sequential([keras.Input((10, 4)), layers.GlobalAvgPool1D(keepdims=True)])
        model = keras.Sequential([keras.Input((9, 7, 4)),
                                  layers.GlobalMaxPool2D(keepdims=True)])
        volume = keras.Sequential([keras.Input((5, 6, 7, 2)),
                                   layers.GlobalAvgPool3D(keepdims=True)])
        peak = keras.Sequential([keras.Input((5, 6, 7, 2)), layers.GlobalMaxPool3D()])
        first = keras.Sequential([keras.Input((10, 4)), layers.GlobalMaxPool1D()])
        """, None),
    "global_pooling_channels_first": ("""
        line = keras.Sequential([keras.Input((4, 10)),
                                 layers.GlobalAveragePooling1D(data_format="channels_first")])
        model = keras.Sequential([keras.Input((3, 8, 8)),
                                  layers.GlobalMaxPooling2D("channels_first", True)])
        """, None),
    # --- refusals ------------------------------------------------------------------------------
    "pooling_padding_is_case_sensitive": ("""
        model = keras.Sequential([keras.Input((8, 8, 3)), layers.MaxPooling2D(padding="SAME")])
        """, "SL105"),
    "pooling_unknown_padding": ("""
        model = keras.Sequential([keras.Input((8, 3)), layers.AveragePooling1D(2, padding="full")])
        """, "SL105"),
    "pooling_explicit_padding": ("""
        model = keras.Sequential([keras.Input((8, 8, 3)), layers.MaxPooling2D(padding=[1, 1])])
        """, "SL105"),
    "pooling2d_after_dense": ("""
        model = keras.Sequential([keras.Input((16,)), layers.Dense(8), layers.MaxPooling2D()])
        """, "SL101"),
    "pooling2d_given_a_5d_input": ("""
        model = keras.Sequential([keras.Input((8, 8, 8, 3)), layers.MaxPooling2D()])
        """, "SL101"),
    "global_pooling_wrong_rank": ("""
        model = keras.Sequential([keras.Input((8, 3)), layers.GlobalAveragePooling2D()])
        """, "SL101"),
    "global_pooling3d_given_a_4d_input": ("""
        model = keras.Sequential([keras.Input((8, 8, 3)), layers.GlobalMaxPool3D()])
        """, "SL101"),
    "pool_larger_than_input": ("""
        model = keras.Sequential([keras.Input((8, 2, 3)), layers.AveragePooling2D(3)])
        """, "SL103"),
    "pool_too_large_beside_unknown_dim": ("""
        model = keras.Sequential([keras.Input((None, 2, 3)), layers.MaxPooling2D((1, 3))])
        """, "SL103"),
    "pooling_shrinks_to_nothing": ("""
        model = keras.Sequential([keras.Input((12, 4)), layers.MaxPooling1D(3),
                                  layers.MaxPooling1D(3), layers.MaxPooling1D(3)])
        """, "SL103"),
    "pooling_zero_strides": ("""
        model = keras.Sequential([keras.Input((8, 8, 3)), layers.MaxPooling2D(2, strides=(1, 0))])
        """, "SL105"),
    "pooling_negative_strides": ("""
        model = keras.Sequential([keras.Input((8, 8, 3)), layers.MaxPooling2D(2, strides=-1)])
        """, "SL105"),
    "pooling_zero_pool_size": ("""
        model = keras.Sequential([keras.Input((8, 3)), layers.MaxPooling1D(0)])
        """, "SL105"),
    "pool_size_of_wrong_length": ("""
        model = keras.Sequential([keras.Input((8, 8, 3)), layers.MaxPooling2D((2, 2, 2))])
        """, "SL105"),
    "average_pooling_needs_pool_size": ("""
        model = keras.Sequential([keras.Input((8, 8, 3)), layers.AveragePooling2D()])
        """, "SL105"),
    "pooling_unknown_data_format": ("""
        model = keras.Sequential([keras.Input((8, 8, 3)),
                                  layers.GlobalMaxPooling2D(data_format="NCHW")])
        """, "SL105"),
    "pool_size_refused_without_an_input": ("""
        model = keras.Sequential()
        model.add(layers.MaxPooling2D((2, 0)))
        """, "SL105"),
    # Pooling reads padding and divides by strides only when built: unbuilt, Keras is silent.
    "pooling_padding_unchecked_until_built": ("""
        model = keras.Sequential([layers.MaxPooling2D(padding="SAME"),
                                  layers.AveragePooling2D(2, strides=0)])
        """, None),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_agrees_with_tensorflow(name: str, oracle) -> None:  # type: ignore[no-untyped-def]
    body, code = CASES[name]
    assert_agrees(HEADER + _dedent(body), oracle, expect_error=code,
                  expect_raises=code is not None)


def test_case_sensitive_padding_message(oracle) -> None:  # type: ignore[no-untyped-def]
    analysis, _ = assert_agrees(HEADER + _dedent(CASES["pooling_padding_is_case_sensitive"][0]),
                                oracle, expect_error="SL105", expect_raises=True)
    assert "case-sensitive: use 'same'" in build_errors(analysis)[0]


def test_pool_size_message_names_the_axis(oracle) -> None:  # type: ignore[no-untyped-def]
    analysis, _ = assert_agrees(HEADER + _dedent(CASES["pool_larger_than_input"][0]), oracle,
                                expect_error="SL103", expect_raises=True)
    message = build_errors(analysis)[0]
    assert "width of at least 3 (pool size 3" in message
    assert "(None, 8, 2, 3)" in message


def _dedent(body: str) -> str:
    return textwrap.dedent(body).lstrip("\n")
