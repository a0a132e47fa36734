"""Output activation against loss (SL313, SL316-SL320), layer design (SL501-SL514) and rule
selection, without TensorFlow: every way of writing a loss, where the output is read from, the
text of each fix, and which rules are shown. test_output_loss.py measures the symptoms in
TensorFlow."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from shape_engine import analyze_source
from shape_engine.cli import main
from shape_engine.findings import Finding, Range, Severity
from shape_engine.selection import parse_codes
from tests.checks.support import apply, describe, finding

H = """\
import numpy as np
import keras
from keras import layers
"""


def codes(source: str, extend_select: frozenset[str] = frozenset()) -> list[str]:
    analysis = analyze_source(textwrap.dedent(source), extend_select=extend_select)
    return sorted(f.code for f in analysis.findings)


def head(output: str, loss: str, units: int = 3) -> str:
    return H + f"""
model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"),
                          {output.format(units=units)}])
model.compile(optimizer="adam", loss={loss})
"""


@pytest.mark.parametrize("loss", [
    '"categorical_crossentropy"', '"CategoricalCrossentropy"',
    "keras.losses.categorical_crossentropy", "keras.losses.CategoricalCrossentropy",
    "keras.losses.CategoricalCrossentropy()", "keras.losses.CategoricalCrossentropy(False)",
    "keras.losses.CategoricalCrossentropy(from_logits=False, label_smoothing=0.1)",
    '["categorical_crossentropy"]', "keras.losses.CategoricalFocalCrossentropy()",
    '"sparse_categorical_crossentropy"', "keras.losses.SparseCategoricalCrossentropy()",
])
def test_every_spelling_of_a_categorical_loss_on_a_linear_output(loss: str) -> None:
    assert codes(head("layers.Dense({units})", loss)) == ["SL316"]


@pytest.mark.parametrize("loss", [
    '"binary_crossentropy"', '"bce"', '"BCE"', '"BinaryCrossentropy"',
    "keras.losses.binary_crossentropy", "keras.losses.BinaryCrossentropy()",
    "keras.losses.BinaryFocalCrossentropy()"])
def test_every_spelling_of_a_binary_loss_on_a_relu_unit(loss: str) -> None:
    assert codes(head('layers.Dense({units}, activation="relu")', loss, 1)) == ["SL316"]


@pytest.mark.parametrize("imports, loss", [
    ("import tensorflow as tf", "tf.keras.losses.CategoricalCrossentropy()"),
    ("from tensorflow.keras.losses import CategoricalCrossentropy",
     "CategoricalCrossentropy()"),
    ("from tensorflow.keras import losses", "losses.categorical_crossentropy"),
])
def test_tf_keras_spellings(imports: str, loss: str) -> None:
    assert codes(imports + "\n" + head("layers.Dense({units})", loss)) == ["SL316"]


def test_a_loss_object_kept_in_a_variable() -> None:
    source = H + """
loss_fn = keras.losses.CategoricalCrossentropy()
model = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
model.compile("adam", loss_fn)
"""
    assert codes(source) == ["SL316"]


@pytest.mark.parametrize("loss", [
    "keras.losses.CategoricalCrossentropy(from_logits=True)",
    "keras.losses.CategoricalCrossentropy(True)",
    "keras.losses.CategoricalCrossentropy(**options)",
    "keras.losses.CategoricalCrossentropy(from_logits=flag)",
    "my_loss", "lambda y, p: keras.losses.categorical_crossentropy(y, p, from_logits=True)",
    '"crossentropy"', '"kld"',
])
def test_losses_that_take_logits_or_are_not_known_stay_silent(loss: str) -> None:
    source = H + f"""
def my_loss(y, p):
    return keras.losses.categorical_crossentropy(y, p, from_logits=True)

def build(flag, options):
    model = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
    model.compile("adam", loss={loss})
    return model
"""
    assert codes(source) == []


@pytest.mark.parametrize("output, expected", [
    ('layers.Dense({units}), layers.Activation("softmax")', []),
    ("layers.Dense({units}), layers.Softmax()", []),
    ('layers.Dense({units}, activation="softmax"), layers.Dropout(0.5)', []),
    ("layers.Dense({units}), layers.BatchNormalization()", []),
    ("layers.Dense({units}, activation=custom)", []),
    ("layers.Dense({units}), layers.LeakyReLU()", ["SL316"]),
    ('layers.Dense({units}, activation="softmax"), layers.Activation("tanh")', ["SL316"]),
    ("layers.Dense({units}, activation=None)", ["SL316"]),
    ('layers.Dense({units}, activation="linear")', ["SL316"]),
    ("layers.Dense({units}, activation=keras.activations.elu)", ["SL316"]),
    ('layers.Dense({units}, activation="sigmoid")', ["SL317"]),
    ('keras.Sequential([layers.Dense({units}, activation="softmax")])', []),
    ("keras.Sequential([layers.Dense({units})])", ["SL316"]),
])
def test_the_output_is_read_through_activation_layers_and_nested_models(
        output: str, expected: list[str]) -> None:
    source = "custom = lambda t: t\n" + head(output, '"categorical_crossentropy"')
    assert codes(source) == expected


def test_a_model_built_in_a_function() -> None:
    source = H + """
def make(classes):
    model = keras.Sequential([layers.Dense(16, activation="relu"), layers.Dense(classes)])
    model.compile("adam", "categorical_crossentropy")
    return model

model = make(10)
"""
    assert codes(source) == ["SL316"]


def test_categorical_loss_on_one_linear_unit_is_sl311_alone() -> None:
    assert codes(head("layers.Dense({units})", '"categorical_crossentropy"', 1)) == ["SL311"]


@pytest.mark.parametrize("loss", [
    '"bce"', "keras.losses.BinaryCrossentropy()", "keras.losses.binary_crossentropy",
    "keras.losses.BinaryFocalCrossentropy()"])
def test_binary_loss_on_a_softmax_in_every_spelling(loss: str) -> None:
    assert codes(head('layers.Dense({units}, activation="softmax")', loss, 5)) == ["SL313"]


@pytest.mark.parametrize("loss", [
    "keras.losses.CategoricalCrossentropy(from_logits=True)",
    "keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
    "keras.losses.CategoricalFocalCrossentropy(from_logits=True)"])
def test_logits_losses_on_a_softmax(loss: str) -> None:
    assert codes(head('layers.Dense({units}, activation="softmax")', loss)) == ["SL318"]


def test_logits_loss_on_a_sigmoid_unit() -> None:
    source = head('layers.Dense({units}, activation="sigmoid")',
                  "keras.losses.BinaryFocalCrossentropy(from_logits=True)", 1)
    assert codes(source) == ["SL318"]


# -- fixes -----------------------------------------------------------------------------------


def fixed(source: str, code: str, title: str) -> str:
    source = textwrap.dedent(source)
    analysis = analyze_source(source)
    target = finding(analysis, code)
    chosen = [f for f in target.fixes if title in f.title]
    assert chosen, [f.title for f in target.fixes]
    result = apply(source, chosen[0])
    after = analyze_source(result)
    assert after.findings == [], describe(after)
    return result


@pytest.mark.parametrize("loss, written", [
    ('"categorical_crossentropy"', "keras.losses.CategoricalCrossentropy(from_logits=True)"),
    ("keras.losses.categorical_crossentropy",
     "keras.losses.CategoricalCrossentropy(from_logits=True)"),
    ("keras.losses.CategoricalCrossentropy()",
     "keras.losses.CategoricalCrossentropy(from_logits=True)"),
    ("keras.losses.CategoricalCrossentropy(from_logits=False)",
     "keras.losses.CategoricalCrossentropy(from_logits=True)"),
    ("keras.losses.CategoricalCrossentropy(label_smoothing=0.1)",
     "keras.losses.CategoricalCrossentropy(label_smoothing=0.1, from_logits=True)"),
    ('["sparse_categorical_crossentropy"]',
     "[keras.losses.SparseCategoricalCrossentropy(from_logits=True)]"),
])
def test_from_logits_fix(loss: str, written: str) -> None:
    result = fixed(head("layers.Dense({units})", loss), "SL316", "from_logits=True")
    assert f"loss={written})" in result


def test_from_logits_fix_imports_what_it_names() -> None:
    source = """\
from tensorflow.keras import Sequential
from tensorflow.keras.layers import Dense
model = Sequential([Dense(8, activation="relu", input_shape=(4,)), Dense(1)])
model.compile(optimizer="adam", loss="binary_crossentropy")
"""
    result = fixed(source, "SL316", "from_logits=True")
    assert "from tensorflow.keras.losses import BinaryCrossentropy" in result
    assert 'loss=BinaryCrossentropy(from_logits=True))' in result


@pytest.mark.parametrize("output, loss, units, written", [
    ("layers.Dense({units})", '"categorical_crossentropy"', 3,
     'layers.Dense(3, activation="softmax")'),
    ("layers.Dense({units}, activation=None)", '"categorical_crossentropy"', 3,
     'layers.Dense(3, activation="softmax")'),
    ('layers.Dense({units}, activation="relu")', '"binary_crossentropy"', 1,
     'layers.Dense(1, activation="sigmoid")'),
    ('layers.Dense({units}), layers.Activation("tanh")', '"bce"', 1,
     'layers.Activation("sigmoid")'),
    ("layers.Dense({units}), layers.ReLU()", '"categorical_crossentropy"', 3,
     'layers.Activation("softmax")'),
])
def test_activation_fix(output: str, loss: str, units: int, written: str) -> None:
    result = fixed(head(output, loss, units), "SL316", "Use")
    assert written in result


def test_sigmoid_units_fixes() -> None:
    source = head('layers.Dense({units}, activation="sigmoid")', '"categorical_crossentropy"')
    assert 'layers.Dense(3, activation="softmax")' in fixed(source, "SL317", "softmax")
    assert 'loss="binary_crossentropy"' in fixed(source, "SL317", "binary_crossentropy")


def test_logits_on_probabilities_fix() -> None:
    source = head('layers.Dense({units}, activation="softmax")',
                  "keras.losses.CategoricalCrossentropy(from_logits=True)")
    result = fixed(source, "SL318", "from_logits=False")
    assert "CategoricalCrossentropy(from_logits=False)" in result


# -- regression losses and metrics -------------------------------------------------------------


@pytest.mark.parametrize("labels, expected", [
    ("keras.utils.to_categorical(np.random.randint(0, 3, 32), 3)", ["SL319"]),
    ("np.eye(3)[np.random.randint(0, 3, 32)]", ["SL319"]),
    ("np.random.dirichlet(np.ones(3), 32)", []),
    ("x[:, :3] / x[:, :3].sum(axis=1, keepdims=True)", []),
    ("np.random.rand(32, 3)", []),
])
def test_regression_loss_on_a_softmax_only_with_class_labels(labels: str,
                                                            expected: list[str]) -> None:
    source = H + f"""
x = np.random.rand(32, 4)
model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")])
model.compile("adam", "mse")
model.fit(x, {labels}, epochs=1)
"""
    assert codes(source) == expected


def test_regression_loss_on_a_softmax_without_data_is_silent() -> None:
    assert codes(head('layers.Dense({units}, activation="softmax")', '"mse"')) == []


@pytest.mark.parametrize("labels, expected", [
    ("np.random.rand(32) * 100", ["SL320"]),
    ("np.random.randint(0, 2, 32)", []),
    ("(np.random.rand(32) > 0.5).astype('float32')", []),
])
def test_accuracy_on_a_linear_output(labels: str, expected: list[str]) -> None:
    source = H + f"""
model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
model.compile("adam", "mse", metrics=["mae", "accuracy"])
model.fit(np.random.rand(32, 4), {labels}, epochs=1)
"""
    analysis = analyze_source(textwrap.dedent(source))
    assert sorted(f.code for f in analysis.findings) == expected
    if expected:
        found = finding(analysis, "SL320")
        line = textwrap.dedent(source).splitlines()[found.range.start.line]
        assert line[found.range.start.character:found.range.end.character] == '"accuracy"'


def test_accuracy_on_a_classifier_is_silent() -> None:
    source = head('layers.Dense({units}, activation="softmax")', '"categorical_crossentropy"')
    assert codes(source.replace('loss="categorical_crossentropy")',
                                'loss="categorical_crossentropy", metrics=["accuracy"])')) == []


# -- layer design ------------------------------------------------------------------------------


def stack(*layers_text: str) -> str:
    return H + f"""
model = keras.Sequential([keras.Input((16, 16, 3)), {", ".join(layers_text)}])
"""


DENSE = stack("layers.Flatten()", "layers.Dense(64)", "layers.Dropout(0.2)",
              "layers.Dense(10, activation=\"softmax\")")


def test_linear_layers_collapse_is_off_by_default_and_on_when_selected() -> None:
    assert codes(DENSE) == []
    assert codes(DENSE, frozenset({"SL501"})) == ["SL501"]
    result = textwrap.dedent(DENSE).replace("layers.Dense(64)",
                                            'layers.Dense(64, activation="relu")')
    assert codes(result, frozenset({"SL501"})) == []


@pytest.mark.parametrize("layers_text", [
    ('layers.Flatten()', 'layers.Dense(8)', 'layers.Dense(64, activation="relu")'),
    ('layers.Conv2D(8, 3)', 'layers.Conv2D(8, 3, activation="relu")'),
    ('layers.Dense(8)', 'layers.LayerNormalization()', 'layers.Dense(4)'),
])
def test_a_bottleneck_or_a_factorised_kernel_is_not_a_collapse(
        layers_text: tuple[str, ...]) -> None:
    assert codes(stack(*layers_text), frozenset({"SL501"})) == []


def test_a_pointwise_convolution_after_a_linear_one_collapses() -> None:
    source = stack("layers.Conv2D(8, 3)", "layers.BatchNormalization()",
                   'layers.Conv2D(4, 1, activation="relu")')
    assert codes(source, frozenset({"SL501"})) == ["SL501"]


@pytest.mark.parametrize("layers_text, expected", [
    (('layers.Dense(4, activation="relu")', 'layers.Activation("relu")'), ["SL502"]),
    (('layers.Dense(4, activation="relu")', "layers.ReLU()"), ["SL502"]),
    (('layers.Dense(4, activation="softmax")', "layers.Softmax()"), ["SL502"]),
    (('layers.Dense(4, activation="relu")', 'layers.Activation("softmax")'), []),
    (('layers.Dense(4, activation="relu")', 'layers.Dense(4, activation="relu")'), []),
    (('layers.Activation("relu")', 'layers.Dense(4)'), []),
])
def test_activation_applied_twice(layers_text: tuple[str, ...], expected: list[str]) -> None:
    assert codes(stack("layers.Flatten()", *layers_text)) == expected


def test_activation_applied_twice_fix_removes_the_second() -> None:
    source = stack("layers.Flatten()", 'layers.Dense(4, activation="relu")', "layers.ReLU()")
    result = fixed(source, "SL502", "Remove")
    assert "ReLU()" not in result


SMELLS = frozenset({"SL511", "SL512", "SL513", "SL514"})


@pytest.mark.parametrize("layers_text, expected", [
    (("layers.Conv2D(8, 3)", "layers.BatchNormalization()"), ["SL512"]),
    (("layers.Conv2D(8, 3, use_bias=False)", "layers.BatchNormalization()"), []),
    (('layers.Conv2D(8, 3, activation="relu")', "layers.BatchNormalization()"), []),
    (("layers.Conv2D(8, 3)", "layers.BatchNormalization(center=False)"), []),
    (("layers.Conv2D(8, 3)", "layers.BatchNormalization(axis=1)"), []),
    (("layers.Dropout(0.3)", "layers.BatchNormalization()"), ["SL511"]),
    (("layers.BatchNormalization()", "layers.Dropout(0.3)"), []),
    (("layers.MaxPooling2D(5)",), ["SL513"]),
    (("layers.MaxPooling2D(2)",), []),
    (("layers.AveragePooling2D(16)",), []),
    (("layers.Flatten()", 'layers.Dense(16, activation="relu")',
      'layers.Dense(64, activation="relu")', 'layers.Dense(10, activation="softmax")'),
     ["SL514"]),
    (("layers.Flatten()", 'layers.Dense(64, activation="relu")',
      'layers.Dense(16, activation="relu")', 'layers.Dense(100, activation="softmax")'), []),
])
def test_design_smells_when_selected(layers_text: tuple[str, ...],
                                     expected: list[str]) -> None:
    source = stack(*layers_text)
    assert codes(source) == []  # off by default
    assert codes(source, SMELLS) == expected


def test_bias_fix_sets_use_bias_false() -> None:
    source = textwrap.dedent(stack("layers.Conv2D(8, 3)", "layers.BatchNormalization()"))
    analysis = analyze_source(source, extend_select=frozenset({"SL512"}))
    result = apply(source, finding(analysis, "SL512").fixes[0])
    assert "layers.Conv2D(8, 3, use_bias=False)" in result


# -- selection ---------------------------------------------------------------------------------


def test_extend_select_parses_lists_and_refuses_unknown_codes() -> None:
    assert parse_codes(["sl511,SL512", " SL513 "]) == {"SL511", "SL512", "SL513"}
    with pytest.raises(ValueError, match="SL999"):
        parse_codes(["SL511,SL999"])


def test_cli_extend_select(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "smell.py"
    path.write_text(textwrap.dedent(stack("layers.Dropout(0.3)", "layers.BatchNormalization()")))
    assert main(["check", "--output-format", "concise", str(path)]) == 0
    assert "SL511" not in capsys.readouterr().out
    # information only: exit 0
    assert main(["check", "--output-format", "concise", "--extend-select", "SL511",
                 str(path)]) == 0
    assert "SL511 Dropout(0.3) directly before" in capsys.readouterr().out
    # A prefix selects the rules under it that are on by default, never one that is off.
    assert main(["check", "--output-format", "concise", "--extend-select", "SL5",
                 str(path)]) == 0
    assert "SL511" not in capsys.readouterr().out
    assert main(["check", "--extend-select", "SL599", str(path)]) == 2
    assert "SL599" in capsys.readouterr().err


def test_server_shows_a_rule_off_by_default_only_when_given_a_level() -> None:
    from lsprotocol import types

    from server.convert import severity

    smell = Finding("SL511", Severity.INFO, "m", Range.of(0, 0, 0, 1))
    bug = Finding("SL316", Severity.WARNING, "m", Range.of(0, 0, 0, 1))
    assert severity(smell, {}) is None
    assert severity(smell, {"SL511": "information"}) == types.DiagnosticSeverity.Information
    assert severity(smell, {"SL511": "off"}) is None
    assert severity(bug, {}) == types.DiagnosticSeverity.Warning


def test_a_model_changed_where_the_engine_cannot_follow_is_silent() -> None:
    source = "import helpers\n" + H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"),
                          layers.Dense(3)])
helpers.add_head(model)
model.compile("adam", "categorical_crossentropy")
"""
    assert codes(source) == []
    assert codes(source.replace("helpers.add_head(model)", "")) == ["SL316"]


def test_a_loss_for_a_named_output_is_not_read() -> None:
    source = head("layers.Dense({units})", '{"dense_1": "categorical_crossentropy"}')
    assert codes(source) == []


def test_an_rnn_output_gets_from_logits_but_not_a_new_cell_activation() -> None:
    source = textwrap.dedent(H + """
model = keras.Sequential([keras.Input((5, 4)), layers.LSTM(3)])
model.compile("adam", "categorical_crossentropy")
""")
    found = finding(analyze_source(source), "SL316")
    assert [f.title for f in found.fixes] == [
        "Use keras.losses.CategoricalCrossentropy(from_logits=True)"]
