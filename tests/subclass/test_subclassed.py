"""Subclassed models and custom layers: `call` traced on the shape the object meets (a
tensor, data given to fit/predict), every layer call inside checked as in a functional
graph. Real TensorFlow, running each program, agrees on the verdict, on the line inside
`call` it raises at, and on the output shape and parameters of every call both made."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from lsprotocol import types

from server.convert import Lines
from server.hover import hover
from shape_engine import analyze_source
from shape_engine.cli import main
from shape_engine.findings import Position, Severity
from shape_engine.incremental import DocumentAnalyzer
from shape_engine.rule_registry import all_rules
from tests.oracle import Oracle

FIT_FAILING = """\
import numpy as np
import keras
from keras import layers


class Net(keras.Model):
    def __init__(self, units=8, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(units, activation="relu")
        self.conv = layers.Conv1D(4, 3)
        self.out = layers.Dense(2)

    def call(self, inputs, training=None):
        x = self.dense(inputs)
        x = self.conv(x)
        return self.out(x)


model = Net()
model.compile(loss="mse", optimizer="adam")
x = np.zeros((16, 28))
y = np.zeros((16, 2))
model.fit(x, y, epochs=1, verbose=0)
"""

SYMBOLIC_CLEAN = """\
import keras
from keras import layers


class Block(keras.layers.Layer):
    def __init__(self, filters):
        super().__init__()
        self.convs = [layers.Conv2D(filters, 3, padding="same") for _ in range(2)]
        self.norm = layers.BatchNormalization()

    def call(self, x):
        for conv in self.convs:
            x = conv(x)
        return self.norm(x)


class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.block = Block(8)
        self.head = keras.Sequential([layers.GlobalAveragePooling2D(), layers.Dense(10)])

    def call(self, inputs):
        return self.head(self.block(inputs))


inputs = keras.Input((28, 28, 1))
net = Net()
outputs = net(inputs)
model = keras.Model(inputs, outputs)
"""

INPUT_FAILING = """\
import keras
from keras import layers


class ConvNet(keras.Model):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv = layers.Conv2D(16, 3, activation="relu")
        self.pool = layers.MaxPooling2D()
        self.flatten = layers.Flatten()
        self.classifier = layers.Dense(num_classes, activation="softmax")

    def call(self, inputs, training=None, mask=None):
        x = self.conv(inputs)
        x = self.pool(x)
        x = self.flatten(x)
        return self.classifier(x)


inputs = keras.Input((28, 28))
outputs = ConvNet()(inputs)
"""

CUSTOM_LAYERS_CLEAN = """\
import numpy as np
import keras
from keras import layers, ops


class Scale(layers.Layer):
    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")
        self.b = self.add_weight(shape=(1,), initializer="zeros")

    def call(self, inputs):
        return inputs * self.w + self.b

    def compute_output_shape(self, input_shape):
        return input_shape


class Projection(layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(units)

    def call(self, inputs):
        return self.dense(inputs)


inputs = keras.Input((12,))
x = Scale()(inputs)
x = Projection(6)(x)
outputs = layers.Dense(1)(x)
model = keras.Model(inputs, outputs)
model.compile(loss="mse", optimizer="adam")
model.fit(np.zeros((8, 12)), np.zeros((8, 1)), epochs=1, verbose=0)
"""

SUBCLASS_OF_SUBCLASS_FAILING = """\
import numpy as np
import keras
from keras import layers


class Base(keras.Model):
    def __init__(self, width=32, **kwargs):
        super().__init__(**kwargs)
        self.blocks = [layers.Dense(width, activation="relu") for _ in range(2)]
        self.head = layers.Dense(4)

    def call(self, inputs):
        x = inputs
        for block in self.blocks:
            x = block(x)
        return self.head(x)


class Wide(Base):
    def __init__(self):
        super().__init__(width=64, name="wide")
        self.reshape = layers.Reshape((3, 3))

    def call(self, inputs):
        x = super().call(inputs)
        return self.reshape(x)


model = Wide()
model.compile(loss="mse", optimizer="adam")
model.fit(np.zeros((16, 10)), np.zeros((16, 3, 3)), epochs=1, verbose=0)
"""

PYTHON_FLAGS_CLEAN = """\
import numpy as np
import keras
from keras import layers


class Gated(keras.Model):
    def __init__(self, use_b=True):
        super().__init__()
        self.use_b = use_b
        self.a = layers.Dense(8)
        self.b = layers.Dense(8)
        self.out = layers.Dense(1)

    def call(self, inputs, training=False):
        x = self.a(inputs)
        if self.use_b:
            x = self.b(x)
        if training:
            x = x * 0.5
        return self.out(x)


model = Gated()
model.compile(loss="mse", optimizer="adam")
model.fit(np.zeros((16, 5)), np.zeros((16, 1)), epochs=1, verbose=0)
model.predict(np.zeros((4, 5)), verbose=0)
"""

CUSTOM_LAYER_FAILING = """\
import keras
from keras import layers


class Smooth(layers.Layer):
    def __init__(self, filters, **kwargs):
        super().__init__(**kwargs)
        self.conv = layers.Conv1D(filters, 3, padding="same")

    def call(self, x):
        return self.conv(x)


inputs = keras.Input((10,))
x = layers.Dense(16)(inputs)
outputs = Smooth(4)(x)
"""
LABELS_FAILING = """\
import numpy as np
import keras
from keras import layers


class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(16, activation="relu")
        self.out = layers.Dense(10, activation="softmax")

    def call(self, inputs):
        return self.out(self.dense(inputs))


model = Net()
model.compile(loss="categorical_crossentropy", optimizer="adam")
model.fit(np.zeros((16, 28)), np.zeros((16, 3)), epochs=1, verbose=0)
model.predict(np.zeros((4, 28)), verbose=0)
"""

# name: (program, the line of the error (inside `call` for a refused layer) or None for a
# clean one, its code)
CASES = {
    "fit_failing": (FIT_FAILING, 15, "SL101"),
    "symbolic_clean": (SYMBOLIC_CLEAN, None, None),
    "input_failing": (INPUT_FAILING, 14, "SL101"),
    "custom_layers_clean": (CUSTOM_LAYERS_CLEAN, None, None),
    "subclass_of_subclass_failing": (SUBCLASS_OF_SUBCLASS_FAILING, 26, "SL104"),
    "python_flags_clean": (PYTHON_FLAGS_CLEAN, None, None),
    "custom_layer_failing": (CUSTOM_LAYER_FAILING, 11, "SL101"),
    # A call that is a plain chain: the model is checked against its labels as one.
    "labels_failing": (LABELS_FAILING, 18, "SL303"),
}


def _errors(source: str) -> list[tuple[str, int]]:
    return [(f.code, f.range.start.line + 1) for f in analyze_source(source).findings
            if f.severity is Severity.ERROR]


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_finding_lands_inside_call(case: str) -> None:
    source, line, code = CASES[case]
    assert _errors(source) == ([] if line is None else [(code, line)])


def test_the_finding_says_which_input_reached_the_layer() -> None:
    (finding,) = analyze_source(FIT_FAILING).findings
    assert finding.message.endswith("(in Net.call: Net() at line 19 fed (None, 28))")
    assert [r.range.start.line + 1 for r in finding.related][-1] == 19


@pytest.mark.tensorflow
@pytest.mark.parametrize("case", sorted(CASES))
def test_tensorflow_agrees(case: str, oracle: Oracle) -> None:
    source, line, _ = CASES[case]
    result = oracle.run(source, calls=True, script=True)
    if line is None:
        assert result.error is None, result.error
    else:
        assert result.error is not None and result.error_line == line, result.error
    # Every call the engine made on symbolic tensors against TensorFlow's calls on that line
    # (in order; TensorFlow traces `call` more than once, the first ones count).
    nodes = [n for n in analyze_source(source).graph_nodes
             if not (n.is_input or n.is_op or n.refused)]
    by_line: dict[int, int] = {}
    compared = 0
    for node in nodes:
        index = by_line.get(node.line, 0)
        by_line[node.line] = index + 1
        theirs = result.calls_at(node.line)
        if index >= len(theirs) or theirs[index].output_shapes is None:
            continue  # TensorFlow stopped before this call
        shapes = tuple(t.shape for t in node.outputs)
        assert shapes == theirs[index].output_shapes, (node.label, node.line, theirs[index])
        assert node.params == theirs[index].params, (node.label, node.line, theirs[index])
        compared += 1
    assert compared or result.error is not None, "no call compared"


def test_shapes_shows_a_subclassed_model_as_keras_after_a_build(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "net.py"
    path.write_text(SUBCLASS_OF_SUBCLASS_FAILING.replace("Reshape((3, 3))", "Reshape((2, 2))"))
    assert main(["shapes", "--format", "json", str(path)]) == 0
    (model,) = json.loads(capsys.readouterr().out)[0]["models"]
    assert model["name"] == "wide"
    assert [(r["row"], r["output_shape"], r["params"]) for r in model["layers"]] == [
        (31, [None, 10], 0), (15, [None, 64], 704), (15, [None, 64], 4160),
        (16, [None, 4], 260), (26, [None, 2, 2], 0)]
    assert model["total_params"] == 704 + 4160 + 260


def test_a_custom_layer_counts_the_weights_its_build_adds(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "layers.py"
    path.write_text(CUSTOM_LAYERS_CLEAN)
    assert main(["shapes", "--format", "json", str(path)]) == 0
    (model,) = json.loads(capsys.readouterr().out)[0]["models"]
    assert [(r["layer"], r["output_shape"], r["params"]) for r in model["layers"]] == [
        ("Input((12,))", [None, 12], 0), ("Scale", [None, 12], 13),
        ("Projection", [None, 6], 78), ("Dense(1)", [None, 1], 7)]


def _hover(source: str, line: int, character: int) -> str:
    facts = DocumentAnalyzer(None).analyze(source).facts()
    found = hover(facts, facts.findings, Position(line, character), Lines(source),
                  {rule.code: rule for rule in all_rules()}, False)
    assert found is not None and isinstance(found.contents, types.MarkupContent)
    return found.contents.value


def test_hover_on_the_model_shows_its_summary_and_on_a_call_inside_its_shapes() -> None:
    source = PYTHON_FLAGS_CLEAN
    summary = _hover(source, 22, 10)  # `Gated()`
    assert summary.startswith('Model "gated"')
    assert "Total params: 129" in summary  # 48 + 72 + 9
    inside = _hover(source, 16, 18)  # `self.b(x)` in call
    assert "(None, 8)" in inside and "72" in inside


def test_inlay_shapes_inside_call() -> None:
    facts = DocumentAnalyzer(None).analyze(PYTHON_FLAGS_CLEAN).facts()
    shapes = {layer.call.start.line + 1: layer.output_shape for layer in facts.layers}
    assert shapes[15] == (None, 8) and shapes[17] == (None, 8) and shapes[20] == (None, 1)


def test_what_call_does_with_tensor_values_is_unknown_never_an_error() -> None:
    source = textwrap.dedent("""\
        import numpy as np
        import keras
        import tensorflow as tf
        from keras import layers, ops

        class Odd(keras.Model):
            def __init__(self):
                super().__init__()
                self.a = layers.Dense(8)
                self.conv = layers.Conv2D(4, 3)

            def call(self, inputs):
                x = tf.py_function(lambda t: t, [inputs], tf.float32)
                if ops.mean(inputs) > 0:
                    x = self.a(inputs)
                return self.conv(x)

        model = Odd()
        model.compile(loss="mse", optimizer="adam")
        model.fit(np.zeros((16, 5)), np.zeros((16, 1)))
        """)
    assert _errors(source) == []


def test_build_without_a_build_method_traces_nothing() -> None:
    # Keras 3.15 only marks such a model built: the Conv1D is never called there.
    source = FIT_FAILING.split("model.compile")[0] + "model.build((None, 28))\n"
    assert _errors(source) == []


def test_super_with_its_class_and_object_reaches_the_base() -> None:
    source = SUBCLASS_OF_SUBCLASS_FAILING.replace(
        "super().__init__(width=64", "super(Wide, self).__init__(width=64").replace(
        "x = super().call(inputs)", "x = super(Wide, self).call(inputs)")
    assert _errors(source) == [("SL104", 26)]
