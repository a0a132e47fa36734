"""The data checks of functional models with several inputs, in the editor: a validation
input of the wrong width is a diagnostic at that input's array, naming it, with its Input
as related information (the engine's side is in tests/graph/test_multi_io_data.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.helpers import Document, write

pytestmark = [pytest.mark.lsp, pytest.mark.asyncio]

TWO_INPUTS = """
    import keras
    import numpy as np
    from keras import layers

    image = keras.Input((16,), name="image")
    meta = keras.Input((4,), name="meta")
    merged = layers.concatenate([layers.Dense(8)(image), layers.Dense(8)(meta)])
    model = keras.Model([image, meta], layers.Dense(1)(merged))
    model.compile(optimizer="adam", loss="mse")
    x = [np.random.rand(8, 16), np.random.rand(8, 4)]
    model.fit(x, np.random.rand(8, 1),
              validation_data=([np.random.rand(8, 16), np.random.rand(8, 5)], np.random.rand(8, 1)))
"""


async def test_validation_input_of_the_wrong_width(client: LanguageClient,
                                                   workspace: Path) -> None:
    document = Document(client, write(workspace, "two_inputs.py", TWO_INPUTS)).open()
    (mismatch,) = await document.diagnostics()
    assert mismatch.code == "SL201"
    assert mismatch.severity == types.DiagnosticSeverity.Error
    assert mismatch.range.start == document.find("np.random.rand(8, 5)")
    assert mismatch.message.startswith(
        'fit validation_data: the data of input 2 ("meta") has shape (8, 5)')
    assert mismatch.related_information is not None
    (declared,) = mismatch.related_information
    assert declared.location.range.start == document.find('keras.Input((4,), name="meta")')
