"""Data, labels and losses of functional models at fit, against real TensorFlow: a plain
chain is checked as the Sequential model it is; other graphs by the functional checks
(`checks.multi_io`, `checks.per_output`; see test_graph_fit.py)."""

from __future__ import annotations

import textwrap

import pytest

from shape_engine import analyze_source
from shape_engine.checks.outputs import functional_outputs
from tests.graph.oracle import GraphOracle, assert_graph_agrees

HEAD = "import numpy as np\nimport keras\nfrom keras import layers\n"

CASES = {
    "chain_fit_ok": ("""
        inputs = keras.Input((20,))
        x = layers.Dense(16, activation="relu")(inputs)
        outputs = layers.Dense(10, activation="softmax")(x)
        model = keras.Model(inputs, outputs)
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        model.fit(np.random.rand(32, 20), np.eye(10)[np.random.randint(0, 10, 32)], verbose=0)
        """, None),
    "chain_fit_wrong_features": ("""
        inputs = keras.Input((20,))
        outputs = layers.Dense(10, activation="softmax")(inputs)
        model = keras.Model(inputs, outputs)
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        model.fit(np.random.rand(32, 30), np.eye(10)[np.random.randint(0, 10, 32)], verbose=0)
        """, "SL201"),
    "chain_sparse_loss_one_hot": ("""
        inputs = keras.Input((20,))
        outputs = layers.Dense(10, activation="softmax")(inputs)
        model = keras.Model(inputs, outputs)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(np.random.rand(32, 20), np.eye(10)[np.random.randint(0, 10, 32)], verbose=0)
        """, "SL302"),
    "branches_fit_ok": ("""
        inputs = keras.Input((8, 8, 4))
        x = layers.Conv2D(4, 3, padding="same")(inputs)
        x = layers.Add()([x, inputs])
        x = layers.GlobalAveragePooling2D()(x)
        model = keras.Model(inputs, layers.Dense(3, activation="softmax")(x))
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(np.random.rand(16, 8, 8, 4), np.random.randint(0, 3, 16), verbose=0)
        """, None),
    "multi_input_output_lists": ("""
        image = keras.Input((16,), name="image")
        meta = keras.Input((4,), name="meta")
        merged = layers.concatenate([layers.Dense(8)(image), layers.Dense(8)(meta)])
        score = layers.Dense(1, name="score")(merged)
        kind = layers.Dense(3, activation="softmax", name="kind")(merged)
        model = keras.Model([image, meta], [score, kind])
        model.compile(optimizer="adam", loss=["mse", "sparse_categorical_crossentropy"])
        model.fit([np.random.rand(8, 16), np.random.rand(8, 4)],
                  [np.random.rand(8, 1), np.random.randint(0, 3, 8)], verbose=0)
        model.predict([np.random.rand(2, 16), np.random.rand(2, 4)], verbose=0)
        """, None),
    "multi_input_output_dicts": ("""
        image = keras.Input((16,), name="image")
        meta = keras.Input((4,), name="meta")
        merged = layers.concatenate([layers.Dense(8)(image), layers.Dense(8)(meta)])
        score = layers.Dense(1, name="score")(merged)
        kind = layers.Dense(3, activation="softmax", name="kind")(merged)
        model = keras.Model({"image": image, "meta": meta}, {"score": score, "kind": kind})
        model.compile(optimizer="adam",
                      loss={"score": "mse", "kind": "sparse_categorical_crossentropy"},
                      metrics={"kind": ["accuracy"]})
        model.fit({"image": np.random.rand(8, 16), "meta": np.random.rand(8, 4)},
                  {"score": np.random.rand(8, 1), "kind": np.random.randint(0, 3, 8)},
                  verbose=0)
        model.evaluate({"image": np.random.rand(8, 16), "meta": np.random.rand(8, 4)},
                       {"score": np.random.rand(8, 1), "kind": np.random.randint(0, 3, 8)},
                       verbose=0)
        """, None),
}


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted(CASES))
def test_functional_fit_agrees_with_tensorflow(name: str, graph_oracle: GraphOracle) -> None:
    source, code = CASES[name]
    analysis, _ = assert_graph_agrees(HEAD + textwrap.dedent(source), graph_oracle,
                                      expect_error=None, expect_raises=code is not None,
                                      codes_prefix="SL")
    if code is not None:
        assert any(f.code == code for f in analysis.findings), analysis.findings


def test_functional_outputs_are_read_through_value_keeping_calls() -> None:
    analysis = analyze_source(HEAD + textwrap.dedent("""
        inputs = keras.Input((20,))
        a = layers.Dense(3, activation="softmax")(inputs)
        b = layers.Dropout(0.5)(layers.Dense(1, activation="sigmoid")(inputs))
        model = keras.Model(inputs, [a, b])
        """))
    (report,) = analysis.models
    outputs = functional_outputs(report)
    assert [(o.shape, o.activation and o.activation.name) for o in outputs] == [
        ((None, 3), "softmax"), ((None, 1), "sigmoid")]
