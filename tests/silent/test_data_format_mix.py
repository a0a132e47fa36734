"""SL321: a channels_first layer followed by one reading channels_last. TensorFlow trains the
model without a word while the pooling runs over the filters axis (measured below)."""

from __future__ import annotations

import pytest

from shape_engine import analyze_source
from tests.checks.support import dedent

PROGRAM = """
import numpy as np
import keras
from keras import layers

model = keras.Sequential([
    keras.Input(shape=(3, 32, 32)),
    layers.Conv2D(16, 3, activation="relu", data_format="channels_first"),
    {between}
    layers.MaxPooling2D({pool}),
    layers.Flatten(),
    layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(np.random.rand(16, 3, 32, 32), np.random.randint(0, 10, 16), epochs=1, verbose=0)
MEASURED = list(model.layers[{pool_index}].output.shape[1:])
"""

CASES = [
    # (pooling arguments, a layer between, the finding expected, the pooling output in TF)
    ("", "", ["SL321"], [8, 15, 30]),
    ("", "layers.Dropout(0.2),", ["SL321"], [8, 15, 30]),
    ("data_format='channels_last'", "", ["SL321"], [8, 15, 30]),
    ("data_format='channels_first'", "", [], [16, 15, 15]),
    ("data_format='channels_first'", "layers.BatchNormalization(axis=1),", [], [16, 15, 15]),
]


def _program(pool: str, between: str) -> str:
    return dedent(PROGRAM).format(pool=pool, between=between,
                                  pool_index=2 if between else 1)


@pytest.mark.parametrize(("pool", "between", "expected", "_"), CASES)
def test_mixed_formats_found(pool: str, between: str, expected: list[str], _: object) -> None:
    analysis = analyze_source(_program(pool, between))
    assert [f.code for f in analysis.findings] == expected
    for finding in analysis.findings:
        assert "MaxPooling2D" in finding.message and finding.related


def test_one_format_throughout_is_silent() -> None:
    source = """
import keras
from keras import layers
keras.config.set_image_data_format("channels_first")
model = keras.Sequential([keras.Input(shape=(3, 32, 32)), layers.Conv2D(16, 3),
                          layers.MaxPooling2D(), layers.Conv2D(8, 3), layers.Flatten()])
keras.config.set_image_data_format("channels_last")
other = keras.Sequential([keras.Input(shape=(32, 32, 3)), layers.Conv2D(16, 3),
                          layers.Flatten(), layers.Dense(4), layers.Reshape((2, 2, 1)),
                          layers.UpSampling2D(data_format="channels_last")])
"""
    assert analyze_source(dedent(source)).findings == []


@pytest.mark.tensorflow
@pytest.mark.parametrize(("pool", "between", "expected", "pooled"), CASES)
def test_tensorflow_trains_on_mixed_axes(oracle, pool: str, between: str,  # type: ignore[no-untyped-def]
                                         expected: list[str], pooled: list[int]) -> None:
    """No error either way; with the mix the pooling's output is (8, 15, 30): it pooled the
    16 filters as if they were rows, and kept 30 columns as channels."""
    result = oracle.run(_program(pool, between))
    assert result.error is None, result.error
    assert result.measured == pooled
