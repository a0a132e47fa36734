"""Functional models with several inputs or outputs at compile, fit, evaluate and predict,
against real TensorFlow: each broken program raises in Keras and gets the finding, each
correct one (lists, tuples, dicts, per-output losses and metrics) trains in Keras and stays
silent here."""

from __future__ import annotations

import textwrap

import pytest

from shape_engine import analyze_source
from shape_engine.findings import Severity
from tests.graph.oracle import GraphOracle, assert_graph_agrees

HEAD = "import numpy as np\nimport keras\nfrom keras import layers\n"

# Two inputs, two outputs: "score" (one linear unit) and "kind" (a softmax over 3 classes).
TWO_BY_TWO = """
image = keras.Input((16,), name="image")
meta = keras.Input((4,), name="meta")
merged = layers.concatenate([layers.Dense(8)(image), layers.Dense(8)(meta)])
score = layers.Dense(1, name="score")(merged)
kind = layers.Dense(3, activation="softmax", name="kind")(merged)
model = keras.Model([image, meta], [score, kind])
"""
LOSSES = 'loss=["mse", "sparse_categorical_crossentropy"]'
X = "[np.random.rand(8, 16), np.random.rand(8, 4)]"
Y = "[np.random.rand(8, 1), np.random.randint(0, 3, 8)]"
X_DICT = '{"image": np.random.rand(8, 16), "meta": np.random.rand(8, 4)}'
Y_DICT = '{"score": np.random.rand(8, 1), "kind": np.random.randint(0, 3, 8)}'


def _two_by_two(body: str) -> str:
    return TWO_BY_TWO + textwrap.dedent(body)


# Keras raises at the statement the engine reports (or trains: None).
CASES: dict[str, tuple[str, str | None]] = {
    "lists_ok": (_two_by_two(f"""
        model.compile(optimizer="adam", {LOSSES}, metrics=[["mae"], ["accuracy"]],
                      loss_weights=[1.0, 0.5])
        model.fit({X}, {Y}, batch_size=4, verbose=0)
        model.evaluate({X}, {Y}, verbose=0)
        model.predict({X}, verbose=0)
        model.train_on_batch({X}, {Y})
        model.test_on_batch({X}, {Y})
        model.predict_on_batch({X})
        """), None),
    "tuples_ok": (_two_by_two("""
        model.compile(optimizer="adam", loss=("mse", "sparse_categorical_crossentropy"))
        model.fit((np.random.rand(8, 16), np.random.rand(8, 4)),
                  (np.random.rand(8, 1), np.random.randint(0, 3, 8)), verbose=0)
        """), None),
    "dicts_ok": (_two_by_two(f"""
        model.compile(optimizer="adam",
                      loss={{"score": "mse", "kind": "sparse_categorical_crossentropy"}},
                      metrics={{"kind": ["accuracy"]}},
                      loss_weights={{"score": 1.0, "kind": 0.2}})
        model.fit({X_DICT}, {Y_DICT}, verbose=0)
        model.evaluate({X_DICT}, {Y_DICT}, verbose=0)
        model.predict({X_DICT}, verbose=0)
        """), None),
    "dict_x_with_an_extra_key_ok": (_two_by_two(f"""
        model.compile(optimizer="adam", {LOSSES})
        model.fit({{"image": np.random.rand(8, 16), "meta": np.random.rand(8, 4),
                   "unused": np.random.rand(8, 2)}}, {Y}, verbose=0)
        """), None),
    "one_loss_for_every_output_ok": (_two_by_two("""
        model.compile(optimizer="adam", loss="mse")
        model.fit([np.random.rand(8, 16), np.random.rand(8, 4)],
                  [np.random.rand(8, 1), np.random.rand(8, 3)], verbose=0)
        """), None),
    "loss_list_shorter_than_outputs_only_warns": (_two_by_two(f"""
        model.compile(optimizer="adam", loss=["mse"])
        model.fit({X}, {Y}, verbose=0)
        """), None),
    "trailing_axis_of_one_added_ok": (_two_by_two(f"""
        model.compile(optimizer="adam", {LOSSES})
        model.fit([np.random.rand(8, 16), np.random.rand(8, 4, 1)], {Y}, verbose=0)
        """), None),
    "flat_metrics_list_one_per_output_ok": (_two_by_two(f"""
        model.compile(optimizer="adam", {LOSSES}, metrics=["mae", "accuracy"])
        model.fit({X}, {Y}, verbose=0)
        """), None),
    "model_of_dicts_keyed_by_its_keys_ok": ("""
        a = keras.Input((16,), name="image")
        b = keras.Input((4,), name="meta")
        h = layers.concatenate([a, b])
        model = keras.Model({"x1": a, "x2": b},
                            {"o1": layers.Dense(1, name="score")(h),
                             "o2": layers.Dense(3, activation="softmax", name="kind")(h)})
        model.compile(optimizer="adam",
                      loss={"o1": "mse", "o2": "sparse_categorical_crossentropy"})
        model.fit({"x1": np.random.rand(8, 16), "x2": np.random.rand(8, 4)},
                  {"o1": np.random.rand(8, 1), "o2": np.random.randint(0, 3, 8)}, verbose=0)
        """, None),
    "one_input_two_outputs_ok": ("""
        image = keras.Input((16,), name="image")
        h = layers.Dense(8)(image)
        model = keras.Model(image, [layers.Dense(1, name="score")(h),
                                    layers.Dense(3, activation="softmax", name="kind")(h)])
        model.compile(optimizer="adam", loss=["mse", "categorical_crossentropy"])
        model.fit(np.random.rand(8, 16),
                  [np.random.rand(8, 1), np.eye(3)[np.random.randint(0, 3, 8)]], verbose=0)
        """, None),
    # -- broken: Keras raises at the fit/predict the engine reports --
    "list_with_a_wrong_input_shape": (_two_by_two(f"""
        model.compile(optimizer="adam", {LOSSES})
        model.fit([np.random.rand(8, 16), np.random.rand(8, 5)], {Y}, verbose=0)
        """), "SL201"),
    "dict_with_a_wrong_input_shape": (_two_by_two(f"""
        model.compile(optimizer="adam", {LOSSES})
        model.fit({{"image": np.random.rand(8, 16), "meta": np.random.rand(8, 5)}}, {Y},
                  verbose=0)
        """), "SL201"),
    "wrong_rank_on_one_input_at_predict": (_two_by_two("""
        model.predict([np.random.rand(8, 16), np.random.rand(8, 4, 2)], verbose=0)
        """), "SL201"),
    "inner_axis_checked_on_a_functional_input": ("""
        a = keras.Input((10, 3), name="a")
        b = keras.Input((4,), name="b")
        h = layers.concatenate([layers.Flatten()(layers.Dense(2)(a)), b])
        model = keras.Model([a, b], layers.Dense(1)(h))
        model.compile(optimizer="adam", loss="mse")
        model.fit([np.random.rand(8, 12, 3), np.random.rand(8, 4)], np.random.rand(8, 1),
                  verbose=0)
        """, "SL201"),
    "one_sample_without_its_batch_axis": (_two_by_two("""
        model.predict([np.random.rand(16), np.random.rand(4)], verbose=0)
        """), "SL202"),
    "list_of_one_array_for_two_inputs": (_two_by_two(f"""
        model.compile(optimizer="adam", {LOSSES})
        model.fit([np.random.rand(8, 16)], {Y}, verbose=0)
        """), "SL206"),
    "one_array_for_two_inputs": (_two_by_two("""
        model.predict(np.random.rand(8, 16), verbose=0)
        """), "SL206"),
    "dict_missing_an_input": (_two_by_two(f"""
        model.compile(optimizer="adam", {LOSSES})
        model.fit({{"image": np.random.rand(8, 16)}}, {Y}, verbose=0)
        """), "SL206"),
    "dict_with_a_misspelt_input": (_two_by_two(f"""
        model.compile(optimizer="adam", {LOSSES})
        model.fit({{"image": np.random.rand(8, 16), "metadata": np.random.rand(8, 4)}}, {Y},
                  verbose=0)
        """), "SL206"),
    "list_of_one_label_array_for_two_outputs": (_two_by_two(f"""
        model.compile(optimizer="adam", {LOSSES})
        model.fit({X}, [np.random.rand(8, 1)], verbose=0)
        """), "SL207"),
    "one_label_array_for_two_outputs": (_two_by_two(f"""
        model.compile(optimizer="adam", loss="mse")
        model.fit({X}, np.random.rand(8, 1), verbose=0)
        """), "SL207"),
    "label_dict_with_a_misspelt_output": (_two_by_two(f"""
        model.compile(optimizer="adam", {LOSSES})
        model.fit({X}, {{"score": np.random.rand(8, 1), "kinds": np.random.randint(0, 3, 8)}},
                  verbose=0)
        """), "SL207"),
    "label_dict_missing_an_output": (_two_by_two(f"""
        model.compile(optimizer="adam", {LOSSES})
        model.fit({X}, {{"score": np.random.rand(8, 1)}}, verbose=0)
        """), "SL207"),
    "one_hot_labels_for_the_sparse_output_in_a_list": (_two_by_two(f"""
        model.compile(optimizer="adam", {LOSSES})
        model.fit({X}, [np.random.rand(8, 1), np.eye(3)[np.random.randint(0, 3, 8)]],
                  verbose=0)
        """), "SL302"),
    "one_hot_labels_for_the_sparse_output_in_a_dict": (_two_by_two(f"""
        model.compile(optimizer="adam",
                      loss={{"score": "mse", "kind": "sparse_categorical_crossentropy"}})
        model.fit({X_DICT}, {{"score": np.random.rand(8, 1),
                             "kind": np.eye(3)[np.random.randint(0, 3, 8)]}}, verbose=0)
        """), "SL302"),
    "class_labels_for_the_categorical_output": (_two_by_two(f"""
        model.compile(optimizer="adam", loss=["mse", "categorical_crossentropy"])
        model.fit({X}, {Y}, verbose=0)
        """), "SL301"),
    "inputs_with_different_sample_counts": (_two_by_two(f"""
        model.compile(optimizer="adam", {LOSSES})
        model.fit([np.random.rand(8, 16), np.random.rand(10, 4)], {Y}, verbose=0)
        """), "SL204"),
    "labels_with_another_sample_count": (_two_by_two(f"""
        model.compile(optimizer="adam", {LOSSES})
        model.fit({X}, [np.random.rand(8, 1), np.random.randint(0, 3, 10)], verbose=0)
        """), "SL204"),
    "inputs_with_different_sample_counts_at_predict": (_two_by_two("""
        model.predict({"image": np.random.rand(8, 16), "meta": np.random.rand(6, 4)},
                      verbose=0)
        """), "SL204"),
    "two_inputs_one_output_one_hot_labels_for_a_sparse_loss": ("""
        image = keras.Input((16,), name="image")
        meta = keras.Input((4,), name="meta")
        merged = layers.concatenate([image, meta])
        model = keras.Model([image, meta], layers.Dense(3, activation="softmax")(merged))
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit({"image": np.random.rand(8, 16), "meta": np.random.rand(8, 4)},
                  np.eye(3)[np.random.randint(0, 3, 8)], verbose=0)
        """, "SL302"),
    "fit_before_compile": (_two_by_two(f"""
        model.fit({X}, {Y}, verbose=0)
        """), "SL205"),
}

# Keras accepts compile() and raises at the first fit: the engine reports the argument.
COMPILE_CASES: dict[str, tuple[str, str]] = {
    "loss_list_longer_than_outputs": (_two_by_two(f"""
        model.compile(optimizer="adam", loss=["mse", "sparse_categorical_crossentropy", "mse"])
        model.fit({X}, {Y}, verbose=0)
        """), "SL208"),
    "loss_dict_with_a_misspelt_output": (_two_by_two(f"""
        model.compile(optimizer="adam",
                      loss={{"score": "mse", "kinds": "sparse_categorical_crossentropy"}})
        model.fit({X}, {Y}, verbose=0)
        """), "SL208"),
    "loss_dict_missing_an_output": (_two_by_two(f"""
        model.compile(optimizer="adam", loss={{"score": "mse"}})
        model.fit({X}, {Y}, verbose=0)
        """), "SL208"),
    "metrics_list_of_another_length": (_two_by_two(f"""
        model.compile(optimizer="adam", {LOSSES}, metrics=["accuracy"])
        model.fit({X}, {Y}, verbose=0)
        """), "SL208"),
    "metrics_dict_naming_no_output": (_two_by_two(f"""
        model.compile(optimizer="adam", {LOSSES}, metrics={{"kinds": ["accuracy"]}})
        model.fit({X}, {Y}, verbose=0)
        """), "SL208"),
    "loss_weights_list_of_another_length": (_two_by_two(f"""
        model.compile(optimizer="adam", {LOSSES}, loss_weights=[1.0])
        model.fit({X}, {Y}, verbose=0)
        """), "SL208"),
}


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted(CASES))
def test_multi_io_agrees_with_tensorflow(name: str, graph_oracle: GraphOracle) -> None:
    source, code = CASES[name]
    analysis, _ = assert_graph_agrees(HEAD + textwrap.dedent(source), graph_oracle,
                                      expect_raises=code is not None, codes_prefix="SL")
    if code is not None:
        assert any(f.code == code for f in analysis.findings), analysis.findings
    else:
        assert not analysis.findings, analysis.findings


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted(COMPILE_CASES))
def test_compile_arguments_keras_refuses_at_fit(name: str, graph_oracle: GraphOracle) -> None:
    source, code = COMPILE_CASES[name]
    program = HEAD + textwrap.dedent(source)
    result = graph_oracle.run(program)
    assert result.raised, f"Keras accepted it:\n{program}"
    errors = [f for f in analyze_source(program).findings if f.severity is Severity.ERROR]
    assert [f.code for f in errors][:1] == [code], errors
    lines = program.splitlines()
    compile_at = next(i for i, line in enumerate(lines) if "model.compile(" in line)
    fit_at = next(i for i, line in enumerate(lines) if "model.fit(" in line)
    assert compile_at <= errors[0].range.start.line < fit_at, errors[0]


def _findings(body: str) -> list[tuple[str, str]]:
    analysis = analyze_source(HEAD + TWO_BY_TWO + textwrap.dedent(body))
    return [(f.code, f.message) for f in analysis.findings]


def test_messages_name_the_input_and_the_output() -> None:
    found = dict(_findings(f"""
        model.compile(optimizer="adam", {LOSSES})
        model.fit([np.random.rand(8, 16), np.random.rand(8, 5)],
                  [np.random.rand(8, 1), np.eye(3)[np.random.randint(0, 3, 8)]], verbose=0)
        """))
    assert found["SL201"].startswith('fit: the data of input 2 ("meta") has shape (8, 5)')
    assert found["SL302"].startswith('fit, output 2 ("kind"): labels have shape (8, 3)')


def test_a_dict_reached_through_a_name_is_not_followed() -> None:
    """The dict may have changed since it was written (`x["meta"] = ...`): silent."""
    assert _findings(f"""
        model.compile(optimizer="adam", {LOSSES})
        x = {{"image": np.random.rand(8, 16)}}
        x["meta"] = np.random.rand(8, 4)
        model.fit(x, {Y}, verbose=0)
        """) == []


def test_a_list_given_to_a_model_made_from_dicts_is_not_matched() -> None:
    """Keras matches it in the sorted order of the dict's keys, not the written one."""
    assert analyze_source(HEAD + textwrap.dedent("""
        a = keras.Input((16,), name="image")
        b = keras.Input((4,), name="meta")
        model = keras.Model({"x2": a, "x1": b}, layers.Dense(1)(layers.concatenate([a, b])))
        model.compile(optimizer="adam", loss="mse")
        model.fit([np.random.rand(8, 4), np.random.rand(8, 16)], np.random.rand(8, 1))
        """)).findings == []


def test_unnamed_inputs_leave_a_dict_unchecked() -> None:
    """Keras names them itself (input_layer, input_layer_1...), from a global count."""
    assert analyze_source(HEAD + textwrap.dedent("""
        a = keras.Input((16,))
        b = keras.Input((4,))
        model = keras.Model([a, b], layers.Dense(1)(layers.concatenate([a, b])))
        model.compile(optimizer="adam", loss="mse")
        model.fit({"a": np.random.rand(8, 16)}, np.random.rand(8, 1))
        """)).findings == []


def test_one_output_is_not_named() -> None:
    analysis = analyze_source(HEAD + textwrap.dedent(CASES[
        "two_inputs_one_output_one_hot_labels_for_a_sparse_loss"][0]))
    (finding,) = analysis.findings
    assert finding.message.startswith("fit: labels have shape (8, 3)"), finding.message


def test_compile_structure_is_left_to_keras_3() -> None:
    """tf.keras 2 read a flat metrics list as metrics of every output: not measured here."""
    program = HEAD + textwrap.dedent(COMPILE_CASES["metrics_list_of_another_length"][0])
    assert [f.code for f in analyze_source(program).findings] == ["SL208"]
    assert analyze_source(program, keras_version="2").findings == []
