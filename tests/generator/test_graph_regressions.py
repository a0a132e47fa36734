"""Functional models the engine must get right, each checked against real TensorFlow.

Every disagreement the graph generator finds (`test_random_graphs.py`, `deep_graphs`) comes
here as a minimal program with the line Keras refuses it at (None: Keras builds it); so do
hand-written cases for each thing the generator draws (merges, Concatenate's axis, Dot's axes,
shared layers, nested models both ways, several inputs and outputs, each deliberate break).

Two tests a case: TensorFlow's verdict is the recorded one and the engine claims nothing it
contradicts (runs now); the engine agrees on everything, shapes and counts included (strict
xfail until the functional API engine lands with branch `graph`, then flipped case by case).
"""

from __future__ import annotations

import pytest

from tests.generator.graph_runner import check_program, program_of_source
from tests.oracle import Oracle

ENGINE_LANDS = "the functional API engine lands with branch graph (issue 12)"

# name -> (program, the line Keras refuses it at, or None when it builds)
CASES: dict[str, tuple[str, int | None]] = {
    "residual_add_with_projection": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(16, 16, 3))
x1 = layers.Conv2D(8, 3, padding="same")(inputs)
x2 = layers.Conv2D(8, 1)(inputs)
x3 = layers.Add()([x1, x2])
model = keras.Model(inputs, x3)
""", None),
    "add_mismatched_shapes": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(16, 16, 3))
x1 = layers.Conv2D(8, 3)(inputs)
x2 = layers.Add()([x1, inputs])
model = keras.Model(inputs, x2)
""", 5),
    "add_broadcasts_ones": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(4, 8))
x1 = layers.Dense(1)(inputs)
x2 = layers.Multiply()([inputs, x1])
model = keras.Model(inputs, x2)
""", None),
    "concatenate_wrong_axis": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(10, 4))
x1 = layers.Dense(6)(inputs)
x2 = layers.Concatenate(axis=1)([inputs, x1])
model = keras.Model(inputs, x2)
""", 5),
    "concatenate_axis_1": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(10, 4))
x1 = layers.Conv1D(4, 3)(inputs)
x2 = layers.Concatenate(axis=1)([inputs, x1])
model = keras.Model(inputs, x2)
""", None),
    "dot_vectors": ("""\
import keras
from keras import layers
left = keras.Input(shape=(5,))
right = keras.Input(shape=(5,))
x1 = layers.Dot(axes=1, normalize=True)([left, right])
model = keras.Model([left, right], x1)
""", None),
    "dot_sequences": ("""\
import keras
from keras import layers
query = keras.Input(shape=(3, 4))
value = keras.Input(shape=(5, 4))
x1 = layers.Dot(axes=(2, 2))([query, value])
model = keras.Model([query, value], x1)
""", None),
    "dot_axes_differ": ("""\
import keras
from keras import layers
query = keras.Input(shape=(3, 4))
value = keras.Input(shape=(5, 6))
x1 = layers.Dot(axes=2)([query, value])
model = keras.Model([query, value], x1)
""", 5),
    "subtract_three_inputs": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(4,))
x1 = layers.Dense(4)(inputs)
x2 = layers.Subtract()([inputs, x1, x1])
model = keras.Model(inputs, x2)
""", 5),
    "shared_layer_other_last_dim": ("""\
import keras
from keras import layers
left = keras.Input(shape=(8,))
right = keras.Input(shape=(6,))
shared0 = layers.Dense(4)
x1 = shared0(left)
x2 = shared0(right)
x3 = layers.Add()([x1, x2])
model = keras.Model([left, right], x3)
""", 7),
    "shared_layer_params_once": ("""\
import keras
from keras import layers
left = keras.Input(shape=(8,))
right = keras.Input(shape=(8,))
shared0 = layers.Dense(4)
x1 = shared0(left)
x2 = shared0(right)
x3 = layers.Concatenate()([x1, x2])
model = keras.Model([left, right], x3)
""", None),
    "nested_sequential_without_input": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(28, 28, 1))
block0 = keras.Sequential([
    layers.Conv2D(4, 3),
    layers.Flatten(),
])
x1 = block0(inputs)
x2 = layers.Dense(10)(x1)
model = keras.Model(inputs, x2)
""", None),
    "nested_sequential_refuses_its_input": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(12,))
block0 = keras.Sequential([
    layers.Conv1D(4, 3),
])
x1 = block0(inputs)
model = keras.Model(inputs, x1)
""", 7),
    "nested_functional_model": ("""\
import keras
from keras import layers
inner_input0 = keras.Input(shape=(8,))
x1 = layers.Dense(4)(inner_input0)
encoder0 = keras.Model(inner_input0, x1, name="encoder0")
inputs = keras.Input(shape=(8,))
x2 = encoder0(inputs)
x3 = layers.Dense(2)(x2)
model = keras.Model(inputs, x3)
""", None),
    "nested_functional_model_wrong_input": ("""\
import keras
from keras import layers
inner_input0 = keras.Input(shape=(8,))
x1 = layers.Dense(4)(inner_input0)
encoder0 = keras.Model(inner_input0, x1, name="encoder0")
inputs = keras.Input(shape=(9,))
x2 = encoder0(inputs)
model = keras.Model(inputs, x2)
""", 7),
    "functional_model_inside_sequential": ("""\
import keras
from keras import layers
inner_input0 = keras.Input(shape=(6,))
x1 = layers.Dense(3)(inner_input0)
encoder0 = keras.Model(inner_input0, x1)
inputs = keras.Input(shape=(6,))
block0 = keras.Sequential([
    encoder0,
    layers.Dense(2),
])
x2 = block0(inputs)
model = keras.Model(inputs, x2)
""", None),
    "rank_error_into_a_layer": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(28, 28, 1))
x1 = layers.Conv2D(32, 3, activation="relu")(inputs)
x2 = layers.Dense(64)(x1)
x3 = layers.Conv1D(8, 3)(x2)
model = keras.Model(inputs, layers.Dense(10)(x3))
""", 6),
    "multi_input_multi_output": ("""\
import keras
from keras import layers
image = keras.Input(shape=(32, 32, 3), name="image")
meta = keras.Input(shape=(5,), name="meta")
x1 = layers.Conv2D(8, 3, strides=2)(image)
x2 = layers.GlobalAveragePooling2D()(x1)
x3 = layers.Concatenate()([x2, meta])
x4 = layers.Dense(1, name="score")(x3)
x5 = layers.Dense(3, activation="softmax", name="kind")(x3)
model = keras.Model(inputs=[image, meta], outputs=[x4, x5])
""", None),
    "model_missing_an_input": ("""\
import keras
from keras import layers
left = keras.Input(shape=(4,))
right = keras.Input(shape=(4,))
x1 = layers.Add()([left, right])
model = keras.Model(left, x1)
""", 6),
    "merge_of_one_tensor": ("""\
import keras
from keras import layers
inputs = keras.Input(shape=(4,))
x1 = layers.Add()(inputs)
model = keras.Model(inputs, x1)
""", 4),
}


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted(CASES))
def test_tensorflow_verdict_and_no_wrong_claim(name: str, oracle: Oracle) -> None:
    source, refused_at = CASES[name]
    outcome = check_program(program_of_source(source), oracle)
    assert outcome.keras_raised == (refused_at is not None), outcome.keras_error
    if refused_at is not None:
        assert oracle.run(source).error_line_top == refused_at
    assert not outcome.claims, outcome.report()


@pytest.mark.tensorflow
@pytest.mark.xfail(strict=True, reason=ENGINE_LANDS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_engine_agrees_fully(name: str, oracle: Oracle) -> None:
    source, _ = CASES[name]
    outcome = check_program(program_of_source(source), oracle)
    assert outcome.agrees, outcome.report()
