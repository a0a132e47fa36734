"""Functional graphs whose shapes are partly known: an Input with a dim the engine does not
know, a layer whose width it does not know. What is known is kept (ranks, the other axes) and
checked against TensorFlow; a refusal that holds whatever those dims are (a rank) is reported
where TensorFlow raises; one that depends on them (an undefined or unequal size) never is."""

from __future__ import annotations

import ast
import textwrap

import pytest

from shape_engine import analyze_source
from shape_engine.evaluation.evaluator import Evaluator
from shape_engine.findings import Severity
from shape_engine.keras.tensors import TensorValue
from shape_engine.source import LineIndex
from tests.oracle import Oracle

# `random.choice` stands for what real scripts read from their data (`X.shape[1]`,
# `len(vocab)`): a size the engine cannot know, which TensorFlow runs with either value.
HEAD = """\
import random
import numpy as np
import keras
from keras import layers
n = random.choice([6, 7])
units = random.choice([8, 16])
"""

# Programs TensorFlow runs: the engine is silent and its shapes fit TensorFlow's.
CORRECT: dict[str, tuple[str, tuple[str, ...]]] = {
    "input_with_an_unknown_dim": ("""
        inputs = keras.Input(shape=(n, 12))
        x = layers.LSTM(32, return_sequences=True)(inputs)
        x = layers.LSTM(16)(x)
        flat = layers.Flatten()(layers.Conv1D(4, 3)(inputs))
        head = layers.Dense(4)(flat)  # its features are not known: no undefined-dim claim
        out = layers.Dense(1)(x)
        model = keras.Model(inputs, [out, head])
        model.compile(optimizer="adam", loss="mse")
        model.fit(np.random.rand(16, n, 12), [np.random.rand(16, 1), np.random.rand(16, 4)],
                  epochs=1, verbose=0)
    """, ("inputs", "x", "flat", "out")),
    "input_shape_from_the_data": ("""
        raw = np.random.rand(50, random.choice([3, 5]))
        inputs = keras.Input(shape=(10, raw.shape[-1]))
        x = layers.Conv1D(8, 3, padding="same")(inputs)
        x = layers.BatchNormalization()(x)
        x = layers.Dense(4)(x)
        pooled = layers.GlobalAveragePooling1D()(x)
        model = keras.Model(inputs, layers.Dense(1)(pooled))
    """, ("inputs", "x", "pooled")),
    "dense_of_unknown_units": ("""
        inputs = keras.Input(shape=(10, 4))
        d = layers.Dense(units, activation="relu")(inputs)
        e = layers.Dropout(0.2)(d)
        norm = layers.LayerNormalization()(e)
        added = layers.Add()([norm, layers.Dense(units)(inputs)])
        joined = layers.Concatenate()([added, inputs])
        summed = e + e
        seq = layers.LSTM(5, return_sequences=True)(joined)
        out = layers.Dense(1)(layers.GlobalMaxPooling1D()(seq))
        model = keras.Model(inputs, out)
        model.compile(optimizer="adam", loss="mse")
        model.fit(np.random.rand(8, 10, 4), np.random.rand(8, 1), epochs=1, verbose=0)
    """, ("d", "e", "norm", "added", "joined", "summed", "seq", "out")),
    "conv_of_unknown_filters": ("""
        inputs = keras.Input(shape=(28, 28, 1))
        x = layers.Conv2D(units, 3, activation="relu")(inputs)
        x = layers.MaxPooling2D()(x)
        x = layers.Conv2D(8, 3)(x)
        model = keras.Model(inputs, layers.Flatten()(x))
    """, ("x",)),
}

# Programs that run for some values of the sizes the engine does not know (those TensorFlow
# runs them with) and fail for others: sizes that may fit are never claimed not to.
MAY_FIT = """
    inputs = keras.Input(shape=(n, 6))
    other = keras.Input(shape=(6, 8))
    added = layers.Add()([layers.Dense(units)(inputs), other])
    shared = layers.Dense(4)
    first = shared(layers.Flatten()(inputs))
    flat = keras.Input(shape=(36,))
    second = shared(flat)
    summed = layers.Dense(units)(other) + other
    model = keras.Model([inputs, other, flat], [added, first, second, summed])
"""

# Programs TensorFlow refuses whatever the unknown sizes: the finding at the line it raises.
RANK_ERRORS: dict[str, str] = {
    "input_with_an_unknown_dim_into_stacked_lstms": """
        inputs = keras.Input(shape=(n, 12))
        x = layers.LSTM(32)(inputs)
        x = layers.LSTM(16)(x)
    """,
    "input_shape_from_the_data_into_conv2d": """
        raw = np.random.rand(50, random.choice([3, 5]))
        inputs = keras.Input(shape=(10, raw.shape[-1]))
        x = layers.Dense(8)(inputs)
        x = layers.Conv2D(4, 3)(x)
    """,
    "dense_of_unknown_units_then_a_rank_error": """
        inputs = keras.Input(shape=(10, 4))
        x = layers.Dense(units, activation="relu")(inputs)
        x = layers.Dropout(0.2)(x)
        x = layers.LayerNormalization()(x)
        x = layers.LSTM(8)(x)
        x = layers.LSTM(4)(x)
    """,
    "sequential_dense_of_unknown_units_then_a_rank_error": """
        model = keras.Sequential([keras.Input(shape=(n, 3))])
        model.add(layers.Dense(units))
        model.add(layers.Flatten())
        model.add(layers.Dense(units))
        model.add(layers.Conv1D(4, 3))
    """,
}


def _tensors(source: str) -> dict[str, TensorValue]:
    program = Evaluator(ast.parse(source), LineIndex(source)).run()
    return {name: value for name, value in program.module_scope.vars.items()
            if isinstance(value, TensorValue)}


def _problems(source: str) -> list[str]:
    return [f"{f.code} {f.message}" for f in analyze_source(source).findings
            if f.severity in (Severity.ERROR, Severity.WARNING)]


def test_what_is_known_is_kept() -> None:
    body, _ = CORRECT["dense_of_unknown_units"]
    tensors = _tensors(HEAD + textwrap.dedent(body))
    assert tensors["d"].shape == (None, 10, None) and tensors["d"].guessed
    assert tensors["seq"].shape == (None, 10, 5)
    body, _ = CORRECT["input_with_an_unknown_dim"]
    tensors = _tensors(HEAD + textwrap.dedent(body))
    assert tensors["inputs"].shape == (None, None, 12) and tensors["inputs"].guessed
    assert tensors["x"].shape == (None, 16)


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted(CORRECT))
def test_partly_known_graphs_are_silent_and_fit_tensorflow(name: str, oracle: Oracle) -> None:
    body, names = CORRECT[name]
    source = HEAD + textwrap.dedent(body)
    assert _problems(source) == []
    tensors = _tensors(source)
    result = oracle.run(source, tensors=list(names))
    assert result.error is None, result.error
    for variable in names:
        inferred = tensors[variable].shape
        actual = result.tensors[variable].shape
        assert inferred is not None and actual is not None, variable
        assert len(inferred) == len(actual) and all(
            d is None or d == a for d, a in zip(inferred, actual, strict=True)), (
            variable, inferred, actual)


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted(RANK_ERRORS))
def test_rank_errors_past_unknown_sizes_are_where_tensorflow_raises(
        name: str, oracle: Oracle) -> None:
    source = HEAD + textwrap.dedent(RANK_ERRORS[name])
    findings = [f for f in analyze_source(source).findings
                if f.severity in (Severity.ERROR, Severity.WARNING)]
    assert [f.code for f in findings] == ["SL101"], _problems(source)
    result = oracle.run(source)
    assert result.error is not None, "TensorFlow ran it"
    assert result.error_line_top == findings[0].range.start.line + 1, result.error


@pytest.mark.tensorflow
def test_sizes_that_may_fit_are_not_claimed_unequal(oracle: Oracle) -> None:
    source = HEAD + textwrap.dedent(MAY_FIT)
    assert _problems(source) == []
    tensors = _tensors(source)
    added = tensors["added"].shape
    assert tensors["inputs"].guessed and added is not None and len(added) == 3
    # The sizes that fit: TensorFlow builds it.
    fitting = source.replace("random.choice([6, 7])", "6").replace("random.choice([8, 16])", "8")
    result = oracle.run(fitting)
    assert result.error is None, result.error
