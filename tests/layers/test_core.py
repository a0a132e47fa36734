"""Dense, Input, Embedding, Lambda, Identity, Masking against real TensorFlow."""

from __future__ import annotations

import pytest

from tests.compare import assert_agrees

pytestmark = pytest.mark.tensorflow

CASES = {
    "dense_stack": (
        """
        import keras
        from keras import layers
        model = keras.Sequential([keras.Input((784,)), layers.Dense(128), layers.Dense(10)])
        """, None),
    "dense_rank3": (
        """
        import keras
        model = keras.Sequential([keras.Input((5, 7)), keras.layers.Dense(3, use_bias=False)])
        """, None),
    "dense_input_shape_kwarg": (
        """
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Dense(10, input_shape=(784,)),
                                  keras.layers.Dense(20), keras.layers.Dense(5)])
        """, None),
    "dense_input_dim": (
        """
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.layers.Dense(4, input_dim=3)])
        """, None),
    "input_layer_batch_shape": (
        """
        import keras
        model = keras.Sequential([keras.layers.InputLayer(batch_shape=(8, 3)),
                                  keras.layers.Dense(2)])
        """, None),
    "dense_into_conv2d": (
        """
        import keras
        from keras import layers
        model = keras.Sequential([
            layers.Dense(128, input_shape=(784,)),
            layers.Conv2D(32, 3),
        ])
        """, "SL101"),
    "second_input": (
        """
        import keras
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2), keras.Input((2,))])
        """, "SL106"),
    "embedding": (
        """
        import keras
        model = keras.Sequential([keras.Input((12,)), keras.layers.Embedding(1000, 16)])
        """, None),
    "lambda_with_output_shape": (
        """
        import keras
        model = keras.Sequential([keras.Input((6,)),
                                  keras.layers.Lambda(lambda t: t[:, :3], output_shape=(3,))])
        """, None),
    "identity_and_masking": (
        """
        import keras
        model = keras.Sequential([keras.Input((5, 2)), keras.layers.Masking(0.0),
                                  keras.layers.Identity()])
        """, None),
    "dropout_rate_out_of_range": (
        """
        import keras
        model = keras.Sequential([keras.Input((5,)), keras.layers.Dropout(1.5)])
        """, "SL105"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_agrees_with_tensorflow(name: str, oracle) -> None:  # type: ignore[no-untyped-def]
    source, code = CASES[name]
    assert_agrees(source, oracle, expect_error=code, expect_raises=code is not None)
