"""SL323: indices beyond an Embedding's rows. TensorFlow fails during fit on CPU (on a GPU
the lookup would give zero vectors without a word); correct vocabularies stay silent."""

from __future__ import annotations

import pytest

from shape_engine import analyze_source
from tests.checks.support import dedent

PROGRAM = """
import numpy as np
import keras
from keras import layers

x = {data}
y = np.random.randint(0, 2, len(x))
model = keras.Sequential([{input}layers.Embedding({rows}, 8), layers.GlobalAveragePooling1D(),
                          layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(x, y, epochs=1, verbose=0)
"""

CASES = [
    # (data, Embedding rows, declared input, findings expected, TF refuses)
    ("np.random.randint(0, 1000, (64, 10))", 500, "", ["SL323"], True),
    ("np.random.randint(0, 1000, (64, 10))", 500, "keras.Input((10,)), ", ["SL323"], True),
    # Labels numbered from 1: the largest index is the vocabulary size, one row short.
    ("np.random.randint(1, 51, (32, 40))", 50, "", ["SL323"], True),
    ("np.random.randint(1, 51, (32, 40))", 51, "", [], False),
    ("np.random.randint(0, 1000, (64, 10))", 1000, "", [], False),
    ("np.arange(640).reshape(64, 10) % 7", 7, "", [], False),
]


def _program(data: str, rows: int, given_input: str) -> str:
    return dedent(PROGRAM).format(data=data, rows=rows, input=given_input)


@pytest.mark.parametrize(("data", "rows", "given_input", "expected", "_"), CASES)
def test_embedding_range(data: str, rows: int, given_input: str, expected: list[str],
                         _: bool) -> None:
    source = _program(data, rows, given_input)
    analysis = analyze_source(source)
    assert [f.code for f in analysis.findings] == expected
    for finding in analysis.findings:  # at the data given to fit
        assert source.splitlines()[finding.range.start.line].startswith("model.fit(x")
        assert finding.range.start.character == len("model.fit(")


def test_unknown_indices_are_silent() -> None:
    source = _program("np.load(path)", 10, "")
    assert analyze_source(source).findings == []


@pytest.mark.tensorflow
@pytest.mark.parametrize(("data", "rows", "given_input", "_", "refused"), CASES)
def test_tensorflow_refuses_indices_beyond_the_rows(oracle, data: str, rows: int,  # type: ignore[no-untyped-def]
                                                    given_input: str, _: object,
                                                    refused: bool) -> None:
    result = oracle.run(_program(data, rows, given_input))
    if refused:
        # The lookup of the Embedding fails ("indices[...] = 721 is not in [0, 500)"; the
        # oracle keeps the head of the message, which names the node).
        assert result.error is not None
        assert result.error.startswith("InvalidArgumentError") and "embedding" in result.error
    else:
        assert result.error is None, result.error
