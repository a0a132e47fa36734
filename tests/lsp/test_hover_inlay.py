"""Hover (layers, model summaries, data) and inlay shape hints, also while the file is broken."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.helpers import Document, eventually, pulls, write

pytestmark = [pytest.mark.lsp, pytest.mark.asyncio]

MNIST = """
    import numpy as np
    import keras
    from keras import layers

    x_train = np.random.rand(100, 28, 28, 1)
    y_train = np.random.rand(100, 10)

    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(x_train, y_train, epochs=1)

    broken = keras.Sequential([layers.Dense(128, input_shape=(784,)), layers.Conv2D(32, 3)])
"""


def markdown(hover: types.Hover | None) -> str:
    assert hover is not None
    assert isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.kind == types.MarkupKind.Markdown
    return hover.contents.value


async def test_hover_on_a_layer_shows_its_shapes_and_parameters(client: LanguageClient,
                                                                workspace: Path) -> None:
    document = Document(client, write(workspace, "mnist.py", MNIST)).open()
    hover = await document.hover(document.find("Conv2D(32, 3, act", offset=3))
    text = markdown(hover)
    assert "input `(None, 28, 28, 1)` → output `(None, 26, 26, 32)`" in text
    assert "320 parameters" in text
    assert hover is not None and hover.range is not None
    assert hover.range.start == document.find("layers.Conv2D(32, 3, act")


async def test_hover_on_a_refused_layer_explains_the_finding(client: LanguageClient,
                                                             workspace: Path) -> None:
    document = Document(client, write(workspace, "mnist.py", MNIST)).open()
    text = markdown(await document.hover(document.find("Conv2D(32, 3)])", offset=2)))
    assert "**SL101** incompatible-input-rank:" in text
    assert "Insert a Reshape" in text  # the rule's explanation
    # Not the diagnostic's own message: the editor shows it next to the hover already.
    assert "Conv2D expects" not in text


async def test_hover_on_a_model_shows_a_static_summary(client: LanguageClient,
                                                       workspace: Path) -> None:
    document = Document(client, write(workspace, "mnist.py", MNIST)).open()
    for where in (document.find("model.fit"), document.find("model = keras"),
                  document.find("Sequential([", offset=2)):
        text = markdown(await document.hover(where))
        assert 'Model "model"' in text
        # Columns aligned in a text block, as Keras prints them: no Markdown table, which
        # Neovim's float shows as raw pipes.
        table = text.split("```text\n")[1].split("\n```")[0].split("\n")
        assert table[0].split() == ["Layer", "Output", "Shape", "Param", "#"]
        conv = 'Conv2D(32, 3, activation="relu")'
        row = next(line for line in table if line.startswith(conv))
        assert re.split(r"\s{2,}", row) == [conv, "(None, 26, 26, 32)", "320"]
        assert re.split(r"\s{2,}", table[-1]) == ['Dense(10, activation="softmax")', "(None, 10)",
                                                  "54,090"]
        assert {len(line) for line in table} == {len(table[0])}  # the counts right-aligned
        assert "**Total params: 54,410**" in text


async def test_hover_follows_names_into_and_out_of_functions(client: LanguageClient,
                                                             workspace: Path) -> None:
    document = Document(client, write(workspace, "builder.py", """
        import keras
        from keras import layers

        def build(units=8):
            model = keras.Sequential([keras.Input((4,)), layers.Dense(units)])
            model.compile(optimizer="adam", loss="mse")
            return model

        net = build()
        net.summary()
        net.fit(x, y)
    """)).open()
    inside = markdown(await document.hover(document.find("model.compile")))
    assert 'Model "model"' in inside
    assert re.search(r"\nDense\(units\) +\(None, 8\) +40\n", inside), inside
    outside = markdown(await document.hover(document.find("net = build")))
    assert '**Model "model"** (`net`)' in outside and "**Total params: 40**" in outside


async def test_hover_on_data_shows_shape_and_dtype(client: LanguageClient,
                                                   workspace: Path) -> None:
    document = Document(client, write(workspace, "mnist.py", MNIST)).open()
    at_fit = markdown(await document.hover(document.find("x_train, y_train, epochs", offset=2)))
    assert "shape `(100, 28, 28, 1)`" in at_fit and "dtype `float`" in at_fit
    at_assignment = markdown(await document.hover(document.find("y_train = ")))
    assert "shape `(100, 10)`" in at_assignment


async def test_hover_on_data_with_a_finding_explains_it(client: LanguageClient,
                                                        workspace: Path) -> None:
    document = Document(client, write(workspace, "wrong_data.py", """
        import numpy as np
        import keras
        from keras import layers

        x = np.random.rand(64, 32, 32, 1)
        y = np.random.rand(64, 10)
        model = keras.Sequential([keras.Input((28, 28, 1)), layers.Flatten(),
                                  layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy")
        model.fit(x, y)
    """)).open()
    assert [d.code for d in await document.diagnostics()] == ["SL201"]
    text = markdown(await document.hover(document.find("x, y)")))
    assert "shape `(64, 32, 32, 1)`" in text
    assert "**SL201** " in text
    assert "fit: x has shape" not in text  # the diagnostic's message, shown beside the hover


async def test_no_hover_where_there_is_nothing_to_say(client: LanguageClient,
                                                      workspace: Path) -> None:
    document = Document(client, write(workspace, "mnist.py", MNIST)).open()
    assert await document.hover(document.find("import numpy")) is None
    assert await document.hover(types.Position(500, 3)) is None


async def test_inlay_hints_show_each_layers_output(client: LanguageClient,
                                                   workspace: Path) -> None:
    document = Document(client, write(workspace, "mnist.py", MNIST)).open()
    hints = {(h.position.line, h.position.character): h.label
             for h in await document.inlay_hints()}
    lines = document.text.split("\n")
    conv = document.find("layers.Conv2D(32, 3, act").line
    assert hints[(conv, len(lines[conv]))] == "-> (None, 26, 26, 32)"
    flatten = document.find("layers.Flatten").line
    assert hints[(flatten, len(lines[flatten]))] == "-> (None, 5408)"
    x_train = document.find("x_train = ").line
    # np.random.rand(100, 28, 28, 1) spells its shape out: a hint would repeat it.
    assert (x_train, len(lines[x_train])) not in hints
    dense = document.find("layers.Dense(128")
    end_of_dense = lines[dense.line].find("layers.Conv2D") - 1  # after its comma
    assert hints[(dense.line, end_of_dense)] == "-> (None, 128)"


async def test_inlay_hints_only_for_the_requested_lines(client: LanguageClient,
                                                        workspace: Path) -> None:
    document = Document(client, write(workspace, "mnist.py", MNIST)).open()
    conv = document.find("layers.Conv2D(32, 3, act").line
    hints = await document.inlay_hints(conv, conv)
    assert [h.label for h in hints] == ["-> (None, 26, 26, 32)"]


@pytest.mark.init_options({"shapelens": {"inlayHints": {"enabled": False}}})
async def test_inlay_hints_can_be_turned_off(client: LanguageClient, workspace: Path) -> None:
    document = Document(client, write(workspace, "mnist.py", MNIST)).open()
    await document.diagnostics()
    assert await document.inlay_hints() == []


@pytest.mark.init_options({"shapelens": {"inlayHints": {"layerShapes": False}}})
async def test_layer_shapes_can_be_turned_off_alone(client: LanguageClient,
                                                    workspace: Path) -> None:
    document = Document(client, write(workspace, "data.py", """
        import numpy as np
        x = np.random.rand(100, 784)
        z = x.reshape(-1, 28, 28)
        model = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten()])
    """)).open()
    await document.diagnostics()
    assert [h.label for h in await document.inlay_hints()] == ["-> (100, 28, 28)"]


@pytest.mark.init_options({"shapelens": {"inlayHints": {"dataShapes": False}}})
async def test_data_shapes_can_be_turned_off_alone(client: LanguageClient,
                                                   workspace: Path) -> None:
    document = Document(client, write(workspace, "data.py", """
        import numpy as np
        import keras
        x = np.random.rand(100, 784)
        z = x.reshape(-1, 28, 28)
        model = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten()])
    """)).open()
    await document.diagnostics()
    labels = [h.label for h in await document.inlay_hints()]
    assert labels == ["-> (None, 28, 28)", "-> (None, 784)"]


async def test_inlay_hints_can_be_turned_off_and_on_while_running(client: LanguageClient,
                                                                   workspace: Path) -> None:
    document = Document(client, write(workspace, "mnist.py", MNIST)).open()
    await document.diagnostics()
    shown = [h.label for h in await document.inlay_hints()]
    assert shown

    async def hints_after(enabled: bool, expected: list[str]) -> list[str]:
        settings = {"shapelens": {"inlayHints": {"enabled": enabled}}}
        if pulls(client):  # VS Code announces a change and answers workspace/configuration
            client.set_configuration(settings)
            refreshes = client.inlay_refreshes  # type: ignore[attr-defined]
            client.workspace_did_change_configuration(
                types.DidChangeConfigurationParams(settings=None))
            # A refresh the opening analysis asked for may come first: wait for one, then
            # for the answer the client would get after the last.
            await eventually(lambda: client.inlay_refreshes > refreshes,  # type: ignore[attr-defined]
                             "an inlay hint refresh request")
        else:  # Neovim sends the settings themselves
            client.workspace_did_change_configuration(
                types.DidChangeConfigurationParams(settings=settings))
        labels: list[str] = []
        for _ in range(100):
            labels = [h.label for h in await document.inlay_hints()]
            if labels == expected:
                break
            await asyncio.sleep(0.05)
        return labels

    assert await hints_after(False, []) == []
    assert await hints_after(True, shown) == shown


@pytest.mark.init_options({"shapelens": {"debounceMs": 0}})
async def test_a_file_that_does_not_parse_keeps_its_last_shapes(client: LanguageClient,
                                                                workspace: Path) -> None:
    document = Document(client, write(workspace, "mnist.py", MNIST)).open()
    before = await document.inlay_hints()
    fit = document.find("model.fit").line
    document.replace_line(fit, "model.fit(x_train, y_train")
    assert [d.code for d in await document.diagnostics()] == ["SL001"]
    # The lines the edit did not touch keep their hints and hover.
    after = await document.inlay_hints()
    assert [(h.position, h.label) for h in after] == [(h.position, h.label) for h in before]
    # On the edited line itself names still lead to what they were bound to.
    assert 'Model "model"' in markdown(await document.hover(document.find("model.fit")))
    text = markdown(await document.hover(document.find("Conv2D(32, 3, act", offset=3)))
    assert "(None, 26, 26, 32)" in text
    # Lines inserted above move the kept facts along.
    document.edit(types.Range(types.Position(0, 0), types.Position(0, 0)), "# note\n# more\n")
    assert [d.code for d in await document.diagnostics()] == ["SL001"]
    moved = await document.inlay_hints()
    assert [h.position.line for h in moved] == [h.position.line + 2 for h in after]
