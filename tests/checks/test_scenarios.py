"""The scenarios issue 3 requires, one test each, every verdict checked against TensorFlow."""

from __future__ import annotations

import pytest

from shape_engine.findings import Severity
from shape_engine.fixes import TextMap
from tests.checks.support import check_against_tf, dedent, finding

pytestmark = pytest.mark.tensorflow

H = """
import numpy as np
import keras
from keras import layers
"""


def text_at(source: str, code: str, analysis) -> str:  # type: ignore[no-untyped-def]
    return TextMap(dedent(source)).slice(finding(analysis, code).range)


def test_dense_into_conv2d(oracle) -> None:  # type: ignore[no-untyped-def]
    source = H + """
model = keras.Sequential([
    layers.Dense(128, input_shape=(784,)),
    layers.Conv2D(32, 3),
])
"""
    analysis, _ = check_against_tf(source, oracle, ["SL101"], raises=True)
    assert text_at(source, "SL101", analysis) == "layers.Conv2D(32, 3)"
    assert finding(analysis, "SL101").fixes


def test_reshape_of_the_wrong_size(oracle) -> None:  # type: ignore[no-untyped-def]
    source = H + """
model = keras.Sequential([
    layers.Dense(128, input_shape=(784,)),
    layers.Reshape((28, 28, 1)),
    layers.Conv2D(32, 3),
])
"""
    analysis, result = check_against_tf(source, oracle, ["SL104"], raises=True)
    message = finding(analysis, "SL104").message
    assert "128" in message and "784" in message
    assert "total size" in (result.error or "")


def test_fit_on_more_features(oracle) -> None:  # type: ignore[no-untyped-def]
    source = H + """
model = keras.Sequential([layers.Dense(64, input_shape=(100,)), layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
x = np.random.rand(1000, 200)
model.fit(x, np.random.rand(1000), epochs=1, verbose=0)
"""
    analysis, _ = check_against_tf(source, oracle, ["SL201"], raises=True)
    found = finding(analysis, "SL201")
    assert text_at(source, "SL201", analysis) == "x"
    assert found.message == ("fit: x has shape (1000, 200) but the model expects (None, 100): "
                             "axis -1 is 200, Dense(64, input_shape=(100,)) needs 100")


def test_categorical_loss_on_one_sigmoid_unit(oracle) -> None:  # type: ignore[no-untyped-def]
    source = H + """
model = keras.Sequential([layers.Dense(1, activation="sigmoid", input_shape=(4,))])
model.compile(optimizer="adam", loss="categorical_crossentropy")
model.fit(np.random.rand(16, 4), np.random.randint(0, 2, 16), epochs=1, verbose=0)
"""
    analysis, _ = check_against_tf(source, oracle, ["SL311"], raises=False)
    found = finding(analysis, "SL311")
    assert found.severity is Severity.WARNING
    assert found.fix is not None and found.fix.title == "Use binary_crossentropy"
    assert text_at(source, "SL311", analysis) == '"categorical_crossentropy"'


def test_sparse_loss_with_float_labels_warns_only(oracle) -> None:  # type: ignore[no-untyped-def]
    source = H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(5, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(np.random.rand(16, 4), np.random.rand(16), epochs=1, verbose=0)
"""
    analysis, _ = check_against_tf(source, oracle, ["SL314"], raises=False)
    found = finding(analysis, "SL314")
    assert found.severity is Severity.WARNING
    # Both shapes, as for every finding: the labels' and the model output's.
    assert "labels of shape (16,)" in found.message and "output (None, 5)" in found.message


def test_predict_one_sample(oracle) -> None:  # type: ignore[no-untyped-def]
    source = H + """
model = keras.Sequential([layers.Dense(10, input_shape=(5,))])
model.predict(np.random.rand(5), verbose=0)
"""
    analysis, _ = check_against_tf(source, oracle, ["SL202"], raises=True)
    found = finding(analysis, "SL202")
    assert found.fix is not None and "np.expand_dims(x, 0)" in found.fix.title
    assert [e.content for e in found.fix.edits] == ["np.expand_dims(", ", 0)"]


def test_lstm_fit_on_2d_data(oracle) -> None:  # type: ignore[no-untyped-def]
    source = H + """
model = keras.Sequential([layers.LSTM(16, input_shape=(None, 10)), layers.Dense(1)])
model.compile("adam", "mse")
model.fit(np.random.rand(100, 10), np.random.rand(100), epochs=1, verbose=0)
"""
    check_against_tf(source, oracle, ["SL201"], raises=True)


def test_flatten_between_rnns(oracle) -> None:  # type: ignore[no-untyped-def]
    source = H + """
model = keras.Sequential([
    layers.LSTM(32, return_sequences=True, input_shape=(None, 10)),
    layers.Flatten(),
    layers.LSTM(16),
    layers.Dense(1),
])
"""
    analysis, _ = check_against_tf(source, oracle, ["SL101"], raises=True)
    assert text_at(source, "SL101", analysis) == "layers.LSTM(16)"
    assert finding(analysis, "SL101").fixes


def test_embedding_input_length_warns_only(oracle) -> None:  # type: ignore[no-untyped-def]
    source = H + """
model = keras.Sequential([layers.Embedding(10, 5, input_length=4), layers.LSTM(8),
                          layers.Dense(1)])
"""
    analysis, _ = check_against_tf(source, oracle, ["SL401"], raises=False)
    assert text_at(source, "SL401", analysis) == "input_length=4"


def test_dense_on_images_with_sparse_loss(oracle) -> None:  # type: ignore[no-untyped-def]
    source = H + """
model = keras.Sequential([layers.Dense(128, input_shape=(28, 28), activation="relu"),
                          layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(np.random.rand(64, 28, 28, 1), np.random.randint(0, 10, 64), epochs=1, verbose=0)
"""
    check_against_tf(source, oracle, ["SL304"], raises=True)


def test_dense_stack_is_fine(oracle) -> None:  # type: ignore[no-untyped-def]
    source = H + """
model = keras.Sequential([layers.Dense(10, input_shape=(784,)), layers.Dense(20),
                          layers.Dense(5)])
model.compile(optimizer="adam", loss="mse")
model.fit(np.random.rand(32, 784), np.random.rand(32, 5), epochs=1, verbose=0)
"""
    check_against_tf(source, oracle, [], raises=False)
