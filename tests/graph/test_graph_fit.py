"""Functional models of any graph (branches, merges, nested models, shared layers) with one
input and one output, at fit/evaluate/predict: the same data, label and loss checks as other
models, against real TensorFlow. Also layers and models called on lists of tensors."""

from __future__ import annotations

import textwrap

import pytest

from shape_engine import analyze_source
from tests.graph.oracle import GraphOracle, assert_graph_agrees

HEAD = "import numpy as np\nimport keras\nfrom keras import layers\n"

RESIDUAL = """
    inputs = keras.Input(shape=(32, 32, 3))
    x = layers.Conv2D(8, 3, padding="same")(inputs)
    shortcut = x
    x = layers.Conv2D(8, 3, padding="same", activation="relu")(x)
    x = layers.Add()([x, shortcut])
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    """
CONCAT = """
    inputs = keras.Input((20,))
    a = layers.Dense(8, activation="relu")(inputs)
    b = layers.Dense(4, activation="relu")(inputs)
    merged = layers.Concatenate()([a, b])
    model = keras.Model(inputs, layers.Dense(3, activation="softmax")(merged))
    """
SHARED = """
    inputs = keras.Input((6,))
    dense = layers.Dense(6, activation="relu")
    x = dense(dense(inputs))
    model = keras.Model(inputs, layers.Dense(1)(x))
    """
NESTED = """
    inner_in = keras.Input((12,))
    inner = keras.Model(inner_in, layers.Dense(5)(inner_in))
    inputs = keras.Input((12,))
    model = keras.Model(inputs, layers.Dense(2, activation="softmax")(inner(inputs)))
    """



def _with(model: str, use: str) -> str:
    return textwrap.dedent(model) + textwrap.dedent(use)


CASES: dict[str, tuple[str, str | None]] = {
    "residual_fit_ok": (_with(RESIDUAL, """
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(np.zeros((16, 32, 32, 3)), np.zeros((16,)), verbose=0)
        model.evaluate(np.zeros((16, 32, 32, 3)), np.zeros((16,)), verbose=0)
        model.predict(np.zeros((4, 32, 32, 3)), verbose=0)
        """), None),
    "residual_fit_wrong_image_size": (_with(RESIDUAL, """
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(np.zeros((16, 28, 28, 1)), np.zeros((16,)), verbose=0)
        """), "SL201"),
    "residual_predict_wrong_image_size": (_with(RESIDUAL, """
        model.predict(np.zeros((4, 28, 28, 3)), verbose=0)
        """), "SL201"),
    "residual_train_on_batch_wrong_rank": (_with(RESIDUAL, """
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.train_on_batch(np.zeros((16, 32, 32)), np.zeros((16,)))
        """), "SL201"),
    "residual_sample_counts": (_with(RESIDUAL, """
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(np.zeros((16, 32, 32, 3)), np.zeros((12,)), verbose=0)
        """), "SL204"),
    "residual_fit_before_compile": (_with(RESIDUAL, """
        model.fit(np.zeros((16, 32, 32, 3)), np.zeros((16,)), verbose=0)
        """), "SL205"),
    "concat_fit_ok": (_with(CONCAT, """
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        model.fit(np.zeros((8, 20)), np.eye(3)[np.zeros(8, dtype=int)], verbose=0)
        """), None),
    "concat_wrong_label_width": (_with(CONCAT, """
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        model.fit(np.zeros((8, 20)), np.zeros((8, 5)), verbose=0)
        """), "SL303"),
    "concat_one_hot_labels_sparse_loss": (_with(CONCAT, """
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(np.zeros((8, 20)), np.eye(3)[np.zeros(8, dtype=int)], verbose=0)
        """), "SL302"),
    "concat_x_list_of_two": (_with(CONCAT, """
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        model.fit([np.zeros((8, 20)), np.zeros((8, 20))], np.zeros((8, 3)), verbose=0)
        """), "SL206"),
    "concat_x_list_of_one_ok": (_with(CONCAT, """
        model.predict([np.zeros((8, 20))], verbose=0)
        """), None),
    "shared_fit_ok": (_with(SHARED, """
        model.compile(optimizer="adam", loss="mse")
        model.fit(np.zeros((8, 6)), np.zeros((8, 1)), verbose=0)
        """), None),
    "shared_fit_wrong_features": (_with(SHARED, """
        model.compile(optimizer="adam", loss="mse")
        model.fit(np.zeros((8, 7)), np.zeros((8, 1)), verbose=0)
        """), "SL201"),
    "nested_fit_ok": (_with(NESTED, """
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(np.zeros((8, 12)), np.zeros((8,)), verbose=0)
        """), None),
    "nested_wrong_label_shape": (_with(NESTED, """
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(np.zeros((8, 12)), np.zeros((8, 3)), verbose=0)
        """), "SL303"),
}


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted(CASES))
def test_graph_fit_agrees_with_tensorflow(name: str, graph_oracle: GraphOracle) -> None:
    source, code = CASES[name]
    analysis, _ = assert_graph_agrees(HEAD + source, graph_oracle,
                                      expect_raises=code is not None, codes_prefix="SL")
    if code is not None:
        assert any(f.code == code for f in analysis.findings), analysis.findings
    else:
        assert not analysis.findings, analysis.findings


def test_one_input_messages_say_x() -> None:
    analysis = analyze_source(HEAD + _with(RESIDUAL, """
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(np.zeros((100, 28, 28, 1)), np.zeros((100,)))
        """))
    assert [(f.code, f.message) for f in analysis.findings] == [(
        "SL201", "fit: x has shape (100, 28, 28, 1) but the model's input is "
        "(None, 32, 32, 3): axis 1 is 28, the Input declares 32")]


def test_a_chain_is_reported_once() -> None:
    analysis = analyze_source(HEAD + textwrap.dedent("""
        inputs = keras.Input((20,))
        model = keras.Model(inputs, layers.Dense(10, activation="softmax")(inputs))
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        model.fit(np.zeros((32, 30)), np.zeros((32, 10)))
        """))
    assert [f.code for f in analysis.findings] == ["SL201"]


# -- calls on lists of tensors -------------------------------------------------------------------

LIST_CALLS: dict[str, tuple[str, str | None]] = {
    "lambda_on_list": ("""
        a = keras.Input((10,))
        b = keras.Input((10,))
        d = layers.Lambda(lambda t: t[0] + t[1])([a, b])
        """, None),
    "lambda_on_list_output_shape": ("""
        a = keras.Input((10,))
        b = keras.Input((10,))
        d = layers.Lambda(lambda t: t[0] + t[1], output_shape=(10,))([a, b])
        e = layers.Dense(4)(d)
        """, None),
    "lambda_on_list_output_shape_of_first_batch": ("""
        a = keras.Input((3, 4))
        b = keras.Input((10,))
        d = layers.Lambda(lambda t: t[1], output_shape=(5,))([a, b])
        """, None),
    "dropout_on_list": ("""
        a = keras.Input((10,))
        b = keras.Input((7,))
        c, d = layers.Dropout(0.5)([a, b])
        e = layers.Dense(2)(d)
        """, None),
    "custom_layer_on_list": ("""
        class Pair(layers.Layer):
            def call(self, inputs):
                return inputs[0] * inputs[1]
        a = keras.Input((10,))
        b = keras.Input((10,))
        d = Pair()([a, b])
        """, None),
    "dense_on_list": ("""
        a = keras.Input((10,))
        b = keras.Input((10,))
        d = layers.Dense(3)([a, b])
        """, "SL112"),
    "model_on_list_of_one_of_two": ("""
        a = keras.Input((10,))
        b = keras.Input((10,))
        m = keras.Model([a, b], layers.Add()([a, b]))
        y = m([a])
        """, "SL112"),
    "model_on_one_tensor_of_two": ("""
        a = keras.Input((10,))
        b = keras.Input((10,))
        m = keras.Model([a, b], layers.Add()([a, b]))
        y = m(a)
        """, "SL112"),
    "one_input_model_on_list_of_two": ("""
        a = keras.Input((10,))
        b = keras.Input((10,))
        m = keras.Model(a, layers.Dense(3)(a))
        y = m([a, b])
        """, "SL112"),
    "one_input_model_on_list_of_one": ("""
        a = keras.Input((10,))
        m = keras.Model(a, layers.Dense(3)(a))
        y = m([keras.Input((10,))])
        """, None),
}


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted(LIST_CALLS))
def test_list_calls_agree_with_tensorflow(name: str, graph_oracle: GraphOracle) -> None:
    source, code = LIST_CALLS[name]
    analysis, _ = assert_graph_agrees(HEAD + textwrap.dedent(source), graph_oracle,
                                      expect_raises=code is not None, all_known=False)
    if code is not None:
        assert [f.code for f in analysis.findings] == [code], analysis.findings
    else:
        assert not analysis.findings, analysis.findings


def test_lambda_output_shape_on_a_list() -> None:
    analysis = analyze_source(HEAD + textwrap.dedent("""
        a = keras.Input((10,))
        b = keras.Input((10,))
        d = layers.Lambda(lambda t: t[0] + t[1], output_shape=(10,))([a, b])
        """))
    lambda_node = analysis.graph_nodes[-1]
    assert [t.shape for t in lambda_node.outputs] == [(None, 10)]


def test_model_input_mismatch_names_the_tensor_it_quotes() -> None:
    analysis = analyze_source(HEAD + textwrap.dedent("""
        a = keras.Input((10,))
        b = keras.Input((10,))
        m = keras.Model([a, b], layers.Add()([a, b]))
        wrong = keras.Input((5,))
        y = m([a, wrong])
        """))
    (finding,) = analysis.findings
    assert finding.code == "SL109"
    assert finding.message == (
        "m was built for inputs of shape (None, 10), but wrong from Input((5,)) (line 8) is "
        "(None, 5)")
