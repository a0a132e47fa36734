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


def seq(input_args: str, *layers: str) -> str:
    """A Sequential program: keras.Input(input_args) then the given layers."""
    stack = ", ".join(("keras.Input(" + input_args + ")", *layers))
    return f"import keras\nfrom keras import layers\nmodel = keras.Sequential([{stack}])\n"


def first_layer(layer: str) -> str:
    """A Sequential program whose only layer declares the input itself."""
    return f"import keras\nfrom keras import layers\nmodel = keras.Sequential([{layer}])\n"


CASES.update({
    # Input / InputLayer forms and what InputLayer.__init__ refuses.
    "input_list_shape": (seq("[5]", "layers.Dense(2)"), None),
    "input_batch_size": (seq("(5,), batch_size=8", "layers.Dense(2)"), None),
    "input_batch_size_positional": (seq("(5,), 8", "layers.Dense(2)"), None),
    "input_none_positional_slots": (seq("(5,), None, None, None, None, None", "layers.Dense(2)"),
                                    None),
    "input_int_shape": (seq("5", "layers.Dense(2)"), "SL105"),
    "input_shape_and_batch_shape": (seq("(5,), batch_shape=(None, 5)", "layers.Dense(2)"),
                                    "SL105"),
    "input_batch_size_and_batch_shape": (
        seq("batch_shape=(None, 5), batch_size=3", "layers.Dense(2)"), "SL105"),
    "input_without_shape": (seq("", "layers.Dense(2)"), "SL105"),
    "input_negative_dim": (seq("(-1, 5)", "layers.Dense(2)"), "SL105"),
    "input_float_dim": (seq("(2.0, 5)", "layers.Dense(2)"), "SL105"),
    "input_string_batch_size": (seq("shape=(3,), batch_size='a'", "layers.Dense(2)"), "SL105"),
    "input_input_shape_keyword": (seq("input_shape=(3,)", "layers.Dense(2)"), "SL105"),
    "input_layer_input_shape": (first_layer("layers.InputLayer(input_shape=(5,)), "
                                            "layers.Dense(2)"), None),
    "input_layer_input_shape_wins": (first_layer("layers.InputLayer(shape=(3,), "
                                                 "input_shape=(4,)), layers.Dense(2)"), None),
    "input_layer_batch_input_shape": (first_layer("layers.InputLayer(batch_input_shape=(4, 5)), "
                                                  "layers.Dense(2)"), None),
    "input_layer_positional_batch_size": (first_layer("layers.InputLayer((5,), 3), "
                                                      "layers.Dense(2)"), None),
    "input_layer_shape_and_batch_shape": (
        first_layer("layers.InputLayer(input_shape=(5,), batch_shape=(None, 5)), "
                    "layers.Dense(2)"), "SL105"),
    # input_shape= / input_dim= on the first layer.
    "dense_input_shape_int": (first_layer("layers.Dense(2, input_shape=5)"), "SL105"),
    "dense_input_dim_float": (first_layer("layers.Dense(4, input_dim=3.0)"), "SL105"),
    "dense_input_dim_and_input_shape": (
        first_layer("layers.Dense(2, input_shape=(7,), input_dim=5)"), "SL105"),
    "dense_batch_input_shape": (first_layer("layers.Dense(2, batch_input_shape=(None, 5))"),
                                "SL105"),
    "embedding_input_shape": (first_layer("layers.Embedding(100, 8, input_shape=(4,))"), None),
    # Dense
    "dense_units_float": (seq("(5,)", "layers.Dense(2.0)"), "SL105"),
    "dense_units_zero": (seq("(5,)", "layers.Dense(0)"), "SL105"),
    "dense_rank1": (seq("batch_shape=(None,)", "layers.Dense(3)"), "SL101"),
    "dense_unknown_features": (seq("(None,)", "layers.Dense(3)"), "SL102"),
    "dense_lora": (seq("(5,)", "layers.Dense(3, lora_rank=2)"), None),
    "dense_batch_size_kept": (seq("(5, 7), batch_size=2", "layers.Dense(3)"), None),
    # Embedding
    "embedding_unknown_length": (seq("(None,)", "layers.Embedding(100, 8)"), None),
    "embedding_rank1": (seq("batch_shape=(None,)", "layers.Embedding(100, 8)"), None),
    "embedding_lora": (seq("(4,)", "layers.Embedding(100, 8, lora_rank=3)"), None),
    "embedding_zero_input_dim": (seq("(4,)", "layers.Embedding(0, 8)"), "SL105"),
    "embedding_float_output_dim": (seq("(4,)", "layers.Embedding(100, 8.0)"), "SL105"),
    # Lambda: output_shape is taken as given, batch added; a list or an int is a TypeError.
    "lambda_output_shape_with_none": (
        seq("(6,)", "layers.Lambda(lambda t: t, output_shape=(None, 2))"), None),
    "lambda_list_output_shape": (
        seq("(6,)", "layers.Lambda(lambda t: t[:, :3], output_shape=[3])"), "SL105"),
    "lambda_int_output_shape": (
        seq("(6,)", "layers.Lambda(lambda t: t[:, :3], output_shape=3)"), "SL105"),
    "masking_then_identity": (seq("(6, 2)", "layers.Masking(mask_value=-1.0)",
                                  "layers.Identity()"), None),
})


def unbuilt(*layers: str) -> str:
    """A Sequential without an input: only what the constructors refuse can fail."""
    return ("import keras\nfrom keras import layers\nmodel = keras.Sequential(["
            + ", ".join(layers) + "])\n")


CASES.update({
    "unbuilt_dense_zero_units": (unbuilt("layers.Dense(0)"), "SL105"),
    "unbuilt_embedding_zero_input_dim": (unbuilt("layers.Embedding(0, 8)"), "SL105"),
    "unbuilt_lambda_output_shape_not_checked": (
        unbuilt("layers.Lambda(lambda t: t, output_shape=3)"), None),
})

@pytest.mark.parametrize("name", sorted(CASES))
def test_agrees_with_tensorflow(name: str, oracle) -> None:  # type: ignore[no-untyped-def]
    source, code = CASES[name]
    assert_agrees(source, oracle, expect_error=code, expect_raises=code is not None)
