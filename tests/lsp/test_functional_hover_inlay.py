"""Hover and inlay hints on a functional model: tensors, layer calls, the model's summary."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_lsp import LanguageClient

from tests.lsp.helpers import Document, write
from tests.lsp.test_hover_inlay import markdown

pytestmark = [pytest.mark.lsp, pytest.mark.asyncio]

FUNCTIONAL = """
    import keras
    from keras import layers

    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, 3, activation="relu")(inputs)
    skip = x
    x = layers.Conv2D(32, 3, padding="same")(x)
    x = layers.Add()([x, skip])
    x = layers.Flatten()(x)
    outputs = layers.Dense(10)(x)
    model = keras.Model(inputs, outputs, name="resnetish")
"""


async def test_hover_on_a_tensor_variable_shows_its_shape_and_maker(client: LanguageClient,
                                                                   workspace: Path) -> None:
    document = Document(client, write(workspace, "functional.py", FUNCTIONAL)).open()
    text = markdown(await document.hover(document.find("outputs = ")))
    assert "symbolic tensor of shape `(None, 10)`" in text
    assert "Dense(10) (line 10)" in text
    assert "216,330 parameters" in text


async def test_hover_on_a_layer_call_shows_its_shapes(client: LanguageClient,
                                                     workspace: Path) -> None:
    document = Document(client, write(workspace, "functional.py", FUNCTIONAL)).open()
    text = markdown(await document.hover(document.find("Add()", offset=1)))
    assert "input `(None, 26, 26, 32)` → output `(None, 26, 26, 32)`" in text


async def test_hover_on_a_functional_model_shows_its_summary(client: LanguageClient,
                                                            workspace: Path) -> None:
    document = Document(client, write(workspace, "functional.py", FUNCTIONAL)).open()
    text = markdown(await document.hover(document.find("keras.Model(", offset=7)))
    assert 'Model "resnetish"' in text
    header = next(line for line in text.splitlines() if line.startswith("Layer "))
    assert header.split() == ["Layer", "Output", "Shape", "Param", "#", "Connected", "to"]
    assert "Conv2D(32, 3, padding=\"same\") (line 7), Conv2D(32, 3, activation=\"relu\") (line 5)" \
        in text.replace("\\", "")
    assert "Total params: 225,898" in text


async def test_inlay_hints_after_every_tensor_assignment(client: LanguageClient,
                                                        workspace: Path) -> None:
    document = Document(client, write(workspace, "functional.py", FUNCTIONAL)).open()
    hints = {h.position.line: h.label for h in await document.inlay_hints()}
    assert hints[document.find("x = layers.Conv2D(32, 3, act").line] == "-> (None, 26, 26, 32)"
    assert hints[document.find("skip = x").line] == "-> (None, 26, 26, 32)"
    assert hints[document.find("layers.Flatten").line] == "-> (None, 21632)"


# The component of the model is analysed on a text of its own (imports copied in, the
# docstring and blank lines left out): the maker's line must still be the document's.
AFTER_A_DOCSTRING = '''
    """A functional CNN, after a docstring
    of two lines."""

    import keras
    from keras import layers


    inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(32, 3)(inputs)
    y = layers.Conv2D(64, 3, padding="same")(x)
    y = layers.Add()([y, x])
'''


async def test_hover_names_the_makers_line_in_the_document(client: LanguageClient,
                                                         workspace: Path) -> None:
    document = Document(client, write(workspace, "functional.py", AFTER_A_DOCSTRING)).open()
    made = markdown(await document.hover(document.find("y = layers.Conv2D")))
    assert "made by `Conv2D(64, 3, padding=\"same\") (line 10)`" in made.replace("\\", "")
    added = markdown(await document.hover(document.find("y = layers.Add")))
    assert "made by `Add() (line 11)`" in added.replace("\\", "")
