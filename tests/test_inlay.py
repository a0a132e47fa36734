"""Inlay hints chosen by server/inlay.py: the layer and data switches, and no data hint that
would only repeat a shape the line spells out."""

from __future__ import annotations

from server.convert import Lines
from server.inlay import inlay_hints
from shape_engine.findings import Position, Range
from shape_engine.incremental import DocumentAnalyzer

SOURCE = """\
import numpy as np
import keras
from keras import layers

x = np.random.rand(100, 784)
y = np.zeros((100, 10))
v = np.ones(5)
z = x.reshape(-1, 28, 28)
t = x.T
w = np.concatenate([x, x])

model = keras.Sequential([
    keras.Input(shape=(784,)),
    layers.Dense(10),
])
"""
EVERYTHING = Range(Position(0, 0), Position(100, 0))


def hints(**switches: bool) -> dict[str, str]:
    """The hints by the first word of their line."""
    lines = Lines(SOURCE)
    facts = DocumentAnalyzer(None).analyze(SOURCE).facts()
    found = {}
    for hint in inlay_hints(facts, lines, EVERYTHING, **switches):
        assert isinstance(hint.label, str)
        found[lines.line(hint.position.line).split()[0]] = hint.label
    return found


def test_no_hint_repeats_a_shape_the_line_spells_out() -> None:
    shown = hints()
    for spelled in ("x", "y", "v"):  # rand(100, 784), zeros((100, 10)), ones(5)
        assert spelled not in shown, shown
    assert shown["z"] == "-> (100, 28, 28)"  # the -1 resolved
    assert shown["t"] == "-> (784, 100)"  # the literal's dims, transposed
    assert shown["w"] == "-> (200, 784)"
    assert shown["layers.Dense(10),"] == "-> (None, 10)"


def test_layer_and_data_shapes_switch_off_separately() -> None:
    layers_only = hints(data_shapes=False)
    assert set(layers_only) == {"keras.Input(shape=(784,)),", "layers.Dense(10),"}
    data_only = hints(layer_shapes=False)
    assert set(data_only) == {"z", "t", "w"}
    assert hints(layer_shapes=False, data_shapes=False) == {}


def test_a_call_on_tensors_inside_another_call_gets_its_hint_right_after_it() -> None:
    # The hint after the whole line read as the shape of `outputs`, which is not known here.
    source = (
        "import keras\n"
        "from keras import layers\n"
        "block = keras.Sequential([layers.Dense(4), layers.Conv1D(2, 3)])\n"
        "outputs = block(keras.Input(shape=(28,)))\n"
    )
    lines = Lines(source)
    facts = DocumentAnalyzer(None).analyze(source).facts()
    last = [(h.position.line, h.position.character, h.label)
            for h in inlay_hints(facts, lines, EVERYTHING) if h.position.line == 3]
    written = "keras.Input(shape=(28,))"
    input_end = source.splitlines()[3].index(written) + len(written)
    assert last == [(3, input_end, "-> (None, 28)")]
