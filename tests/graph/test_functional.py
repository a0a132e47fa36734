"""Functional programs against real TensorFlow: verdict, where Keras raises, and every layer
call's output shapes and parameters (see oracle.py)."""

from __future__ import annotations

import textwrap

import pytest

from tests.compare import assert_agrees
from tests.graph.oracle import GraphOracle, assert_graph_agrees
from tests.oracle import Oracle

pytestmark = pytest.mark.tensorflow

HEAD = "import keras\nfrom keras import layers\n"

# Correct programs: Keras builds them, the engine must be silent and agree on every shape.
CORRECT = {
    "resnet_block": """
        inputs = keras.Input(shape=(32, 32, 16))
        x = layers.Conv2D(16, 3, padding="same", activation="relu")(inputs)
        x = layers.BatchNormalization()(x)
        x = layers.Conv2D(16, 3, padding="same")(x)
        x = layers.Add()([x, inputs])
        outputs = layers.Activation("relu")(x)
        model = keras.Model(inputs, outputs)
        """,
    "resnet_projection_shortcut": """
        inputs = keras.Input(shape=(32, 32, 16))
        x = layers.Conv2D(32, 3, strides=2, padding="same")(inputs)
        shortcut = layers.Conv2D(32, 1, strides=2)(inputs)
        x = layers.add([x, shortcut])
        model = keras.Model(inputs=inputs, outputs=x, name="block")
        """,
    "unet_skip": """
        inputs = keras.Input((64, 64, 3))
        c1 = layers.Conv2D(8, 3, padding="same")(inputs)
        p1 = layers.MaxPooling2D()(c1)
        c2 = layers.Conv2D(16, 3, padding="same")(p1)
        u1 = layers.UpSampling2D()(c2)
        m = layers.Concatenate()([u1, c1])
        out = layers.Conv2D(1, 1, activation="sigmoid")(m)
        model = keras.Model(inputs, out)
        """,
    "multi_input": """
        image = keras.Input(shape=(16,), name="image")
        meta = keras.Input(shape=(4,), name="meta")
        a = layers.Dense(8)(image)
        b = layers.Dense(8)(meta)
        merged = layers.concatenate([a, b])
        score = layers.Dense(1, name="score")(merged)
        kind = layers.Dense(3, activation="softmax", name="kind")(merged)
        model = keras.Model(inputs=[image, meta], outputs=[score, kind])
        """,
    "attention_block": """
        inputs = keras.Input(shape=(10, 32))
        attended = layers.MultiHeadAttention(num_heads=2, key_dim=16)(inputs, inputs)
        x = layers.Add()([inputs, attended])
        x = layers.LayerNormalization()(x)
        pooled = layers.GlobalAveragePooling1D()(x)
        model = keras.Model(inputs, layers.Dense(2)(pooled))
        """,
    "mha_key_scores_output_shape": """
        q = keras.Input(shape=(5, 8))
        v = keras.Input(shape=(7, 6))
        k = keras.Input(shape=(7, 4))
        out, scores = layers.MultiHeadAttention(3, 4, value_dim=5, output_shape=9)(
            q, v, key=k, return_attention_scores=True)
        model = keras.Model([q, v, k], [out, scores])
        """,
    "dot_attention": """
        q = keras.Input(shape=(5, 8))
        v = keras.Input(shape=(7, 8))
        a = layers.Attention()([q, v])
        b = layers.AdditiveAttention()([q, v])
        model = keras.Model([q, v], [a, b])
        """,
    "data_augmentation_sequential": """
        data_augmentation = keras.Sequential([layers.RandomFlip("horizontal"),
                                              layers.RandomRotation(0.1)])
        inputs = keras.Input(shape=(32, 32, 3))
        x = data_augmentation(inputs)
        x = layers.Rescaling(1.0 / 255)(x)
        x = layers.Conv2D(8, 3)(x)
        model = keras.Model(inputs, layers.GlobalMaxPooling2D()(x))
        """,
    "sequential_without_input_in_functional": """
        head = keras.Sequential([layers.Dense(16, activation="relu"), layers.Dense(4)])
        inputs = keras.Input(shape=(10,))
        model = keras.Model(inputs, head(inputs))
        """,
    "functional_in_functional": """
        i = keras.Input((8,))
        inner = keras.Model(i, layers.Dense(4)(i), name="inner")
        outer_in = keras.Input((8,))
        x = inner(outer_in)
        model = keras.Model(outer_in, layers.Dense(2)(x))
        """,
    "functional_in_sequential": """
        i = keras.Input((8,))
        inner = keras.Model(i, layers.Dense(4)(i))
        model = keras.Sequential([keras.Input((8,)), inner, layers.Dense(2)])
        """,
    "functional_called_on_unknown_dims_runs_its_graph": """
        inputs = keras.Input(shape=(None, 13))
        x1 = layers.Dot(axes=-1)([inputs, inputs])
        inner_input = keras.Input(shape=(2, 2))
        encoder = keras.Model(inner_input, layers.Concatenate()([inner_input, inner_input]))
        model = keras.Model(inputs, encoder(x1))
        """,
    "shared_layer_same_width": """
        a = keras.Input((6,))
        b = keras.Input((6,))
        shared = layers.Dense(3)
        model = keras.Model([a, b], layers.Average()([shared(a), shared(b)]))
        """,
    "shared_layers_without_pinned_axes_other_width": """
        a = keras.Input((5, 8))
        b = keras.Input((5, 6))
        rnn = layers.LSTM(4)
        norm = layers.LayerNormalization()
        attention = layers.MultiHeadAttention(2, 4)
        model = keras.Model([a, b], [rnn(a), rnn(b), norm(a), norm(b), attention(a, a),
                                     attention(b, b)])
        """,
    "outputs_nesting_a_return_state_list": """
        inputs = keras.Input(shape=(17, 12))
        x1 = layers.Cropping1D()(inputs)
        x2 = layers.LSTM(14, return_state=True)(x1)
        model = keras.Model(inputs, [x2, inputs])
        """,
    "broadcasting_merges": """
        a = keras.Input((1,))
        b = keras.Input((32,))
        c = keras.Input((4, 32))
        s = layers.Add()([a, b])
        d = layers.Subtract()([b, a])
        m = layers.Multiply()([b, c])
        mx = layers.Maximum()([a, b, s])
        mn = layers.Minimum()([d, b])
        av = layers.Average()([m, c])
        model = keras.Model([a, b, c], [s, d, m, mx, mn, av])
        """,
    "concatenate_axis": """
        a = keras.Input((4, 8))
        b = keras.Input((6, 8))
        c = layers.Concatenate(axis=1)([a, b])
        model = keras.Model([a, b], c)
        """,
    "dot_axes": """
        a = keras.Input((8,))
        b = keras.Input((8,))
        c = keras.Input((3, 8))
        d = keras.Input((5, 8))
        ab = layers.Dot(axes=1)([a, b])
        cd = layers.Dot(axes=(2, 2))([c, d])
        model = keras.Model([a, b, c, d], [ab, cd])
        """,
    "shape_arithmetic": """
        inputs = keras.Input((4, 5, 6))
        _, h, w, c = inputs.shape
        x = layers.Reshape((h * w, c))(inputs)
        x = layers.Dense(x.shape[-1] * 2)(x)
        y = layers.Dense(keras.ops.shape(x)[1])(x)
        model = keras.Model(inputs, y)
        """,
    "return_state": """
        inputs = keras.Input((7, 3))
        seq, h, c = layers.LSTM(8, return_state=True, return_sequences=True)(inputs)
        merged = layers.Concatenate()([h, c])
        model = keras.Model(inputs, [layers.Dense(2)(merged), seq])
        """,
    "resnet_from_a_function_in_a_loop_and_a_text_model": '''
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras import layers


def conv_block(x, filters, strides=1):
    shortcut = x
    x = layers.Conv2D(filters, 3, strides=strides, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.ReLU()(x)
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    if strides != 1 or shortcut.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, strides=strides, use_bias=False)(shortcut)
    x = layers.add([x, shortcut])
    return layers.ReLU()(x)


inputs = tf.keras.Input(shape=(64, 64, 3))
x = layers.Rescaling(1.0 / 255)(inputs)
for filters, strides in [(16, 1), (32, 2), (64, 2)]:
    x = conv_block(x, filters, strides)
x = layers.GlobalAveragePooling2D()(x)
x = layers.Dropout(0.3)(x)
outputs = layers.Dense(10, activation="softmax")(x)
model = keras.Model(inputs, outputs, name="resnet_small")

text_in = keras.Input(shape=(None,), dtype="int64")
emb = layers.Embedding(1000, 32)(text_in)
seq = layers.Bidirectional(layers.LSTM(16, return_sequences=True))(emb)
att = layers.MultiHeadAttention(num_heads=2, key_dim=8)(seq, seq)
pooled = layers.GlobalMaxPooling1D()(att)
text_model = keras.Model(text_in, layers.Dense(1, activation="sigmoid")(pooled))
        ''',
    # Ops: each result goes through layers.Identity, whose call Keras records.
    "ops_arithmetic_broadcasting": """
        a = keras.Input((4, 1))
        b = keras.Input((3,))
        s = layers.Identity()(a + b)
        d = layers.Identity()(a * 2.0 - b / 3)
        model = keras.Model([a, b], [s, d])
        """,
    "ops_shape_functions": """
        a = keras.Input((4, 6))
        b = keras.Input((2, 6))
        c = layers.Identity()(keras.ops.concatenate([a, b], axis=1))
        r = layers.Identity()(keras.ops.reshape(a, (-1, 24)))
        e = layers.Identity()(keras.ops.expand_dims(a, -1))
        q = layers.Identity()(keras.ops.squeeze(keras.ops.expand_dims(a, 1), axis=1))
        t = layers.Identity()(keras.ops.transpose(a, (0, 2, 1)))
        m = layers.Identity()(keras.ops.matmul(a, keras.ops.transpose(b, (0, 2, 1))))
        model = keras.Model([a, b], [c, r, e, q, t, m])
        """,
    "ops_slicing": """
        x = keras.Input((5, 8))
        first = layers.Identity()(x[:, 0])
        head = layers.Identity()(x[:, 1:3])
        last = layers.Identity()(x[..., -1])
        more = layers.Identity()(x[:, None])
        model = keras.Model(x, [first, head, last, more])
        """,
    "ops_reshape_unknown_batch_not_checked": """
        a = keras.Input((4, 6))
        c = layers.Identity()(keras.ops.reshape(a, (2, 5, 5)))
        model = keras.Model(a, c)
        """,
    "ops_feed_layers": """
        x = keras.Input((5, 8))
        y = layers.Dense(4)(x[:, 0] + 1.0)
        model = keras.Model(x, y)
        """,
    "functional_called_on_other_ranks": """
        i = keras.Input((8, 3))
        inner = keras.Model(i, layers.Dense(4)(i))
        x = inner(keras.Input((8, 3, 1, 1)))
        y = inner(keras.Input((8, 3, 2)))
        z = inner(keras.Input((8,)))
        """,
}

# Correct programs whose outputs the engine leaves unknown: silent, and the rest agrees.
PARTLY_KNOWN = {
    "functional_called_on_its_input_through_an_op": """
        i = keras.Input((8,))
        inner = keras.Model(i, layers.Dense(4)(i * 2.0))
        x = inner(keras.Input((8, 1)))
        """,
}

# Broken programs: Keras raises at the call the engine must point at.
BROKEN = {
    "conv1d_after_dense": ("""
        inputs = keras.Input(shape=(28, 28, 1))
        x = layers.Conv2D(32, 3, activation="relu")(inputs)
        x = layers.Dense(64)(x)
        x = layers.Conv1D(8, 3)(x)
        model = keras.Model(inputs, layers.Dense(10)(x))
        """, "SL101"),
    "add_mismatch": ("""
        inputs = keras.Input(shape=(32, 32, 3))
        x = layers.Conv2D(16, 3, padding="same")(inputs)
        y = layers.Conv2D(32, 3, padding="same")(x)
        z = layers.Add()([x, y])
        """, "SL110"),
    "concatenate_mismatch": ("""
        a = keras.Input((4, 8))
        b = keras.Input((6, 8))
        c = layers.Concatenate()([a, b])
        """, "SL110"),
    "dot_mismatch": ("""
        a = keras.Input((8,))
        b = keras.Input((7,))
        c = layers.Dot(axes=1)([a, b])
        """, "SL110"),
    "subtract_three": ("""
        a = keras.Input((8,))
        c = layers.Subtract()([a, a, a])
        """, "SL110"),
    "shared_layer_other_width": ("""
        a = keras.Input((32,))
        b = keras.Input((64,))
        shared = layers.Dense(3)
        x = shared(a)
        y = shared(b)
        """, "SL109"),
    "shared_conv_other_channels": ("""
        a = keras.Input((10, 10, 8))
        b = keras.Input((10, 10, 6))
        conv = layers.Conv2D(4, 3)
        x = conv(a)
        y = conv(b)
        """, "SL109"),
    "shared_batchnorm_other_channels": ("""
        a = keras.Input((10, 8))
        b = keras.Input((10, 6))
        norm = layers.BatchNormalization()
        x = norm(a)
        y = norm(b)
        """, "SL109"),
    "padding_refused_at_the_call_of_a_layer_made_apart": ("""
        inputs = keras.Input(shape=(30, 6))
        pool = layers.MaxPooling1D((8,), padding="SAME")
        x1 = pool(inputs)
        """, "SL105"),
    "concatenate_axis_beyond_the_rank": ("""
        inputs = keras.Input(shape=(32,))
        x1 = layers.Concatenate(axis=2)([inputs, inputs])
        """, "SL110"),
    "disconnected": ("""
        a = keras.Input((8,))
        b = keras.Input((8,))
        out = layers.Add()([a, b])
        model = keras.Model(a, out)
        """, "SL111"),
    "dense_on_list": ("""
        a = keras.Input((8,))
        b = keras.Input((8,))
        out = layers.Dense(2)([a, b])
        """, "SL112"),
    "dense_on_list_of_one": ("""
        inputs = keras.Input((3,))
        model = keras.Model(inputs, layers.Dense(2)([inputs]))
        """, "SL112"),
    "add_on_one_tensor": ("""
        a = keras.Input((8,))
        out = layers.Add()(a)
        """, "SL112"),
    "sequential_refuses_tensor": ("""
        head = keras.Sequential([layers.Conv1D(4, 3)])
        inputs = keras.Input(shape=(8, 8, 3))
        x = head(inputs)
        """, "SL101"),
    "functional_wrong_input": ("""
        i = keras.Input((8, 3))
        inner = keras.Model(i, layers.Dense(4)(i))
        j = keras.Input((9, 3))
        x = inner(j)
        """, "SL109"),
    "mha_key_value_mismatch": ("""
        q = keras.Input(shape=(5, 8))
        v = keras.Input(shape=(7, 8))
        k = keras.Input(shape=(6, 8))
        out = layers.MultiHeadAttention(2, 4)(q, v, key=k)
        """, "SL110"),
    "op_broadcast_mismatch": ("""
        a = keras.Input((4,))
        b = keras.Input((3,))
        c = a + b
        """, "SL113"),
    "op_concatenate_mismatch": ("""
        a = keras.Input((4, 6))
        b = keras.Input((2, 5))
        c = keras.ops.concatenate([a, b], axis=1)
        """, "SL113"),
    "op_squeeze_not_one": ("""
        a = keras.Input((4, 6))
        c = keras.ops.squeeze(a, axis=1)
        """, "SL113"),
    "op_matmul_mismatch": ("""
        a = keras.Input((4, 6))
        b = keras.Input((5, 3))
        c = keras.ops.matmul(a, b)
        """, "SL113"),
    "op_index_out_of_range": ("""
        a = keras.Input((4, 6))
        c = a[:, 4]
        """, "SL113"),
    "dense_unknown_width": ("""
        inputs = keras.Input((None,))
        x = layers.Dense(4)(inputs)
        """, "SL102"),
}


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_correct_program_is_silent(name: str, graph_oracle: GraphOracle) -> None:
    analysis, _ = assert_graph_agrees(HEAD + textwrap.dedent(CORRECT[name]), graph_oracle,
                                      expect_raises=False)
    assert [f for f in analysis.findings if f.code.startswith("SL1")] == []


@pytest.mark.parametrize("name", sorted(PARTLY_KNOWN))
def test_correct_program_partly_known_is_silent(name: str, graph_oracle: GraphOracle) -> None:
    analysis, _ = assert_graph_agrees(HEAD + textwrap.dedent(PARTLY_KNOWN[name]), graph_oracle,
                                      expect_raises=False, all_known=False)
    assert [f for f in analysis.findings if f.code.startswith("SL1")] == []


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_program_is_refused_at_the_call(name: str, graph_oracle: GraphOracle) -> None:
    source, code = BROKEN[name]
    assert_graph_agrees(HEAD + textwrap.dedent(source), graph_oracle, expect_error=code,
                        expect_raises=True)


@pytest.mark.parametrize("name", ["functional_in_sequential"])
def test_sequential_holding_a_functional_model_agrees_layer_by_layer(name: str,
                                                                     oracle: Oracle) -> None:
    """The Sequential's own rows (the functional model is one of them) against model.layers."""
    assert_agrees(HEAD + textwrap.dedent(CORRECT[name]), oracle, expect_raises=False)

