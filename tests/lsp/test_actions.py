"""Code actions: each fix as a quick fix on its diagnostic, and one action for all safe fixes."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from shape_engine.analysis import analyze_source
from tests.lsp.helpers import Document, apply_edits, edits_of, write

pytestmark = [pytest.mark.lsp, pytest.mark.asyncio]

FIXABLE = """
    import numpy as np
    import keras
    from keras import layers

    images = keras.Sequential([
        keras.Input(shape=(28, 28)),
        layers.Conv2D(8, 3),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])

    x = np.random.rand(64, 20)
    labels = np.random.randint(0, 10, size=(64,))
    clf = keras.Sequential([keras.Input((20,)), layers.Dense(10, activation="softmax")])
    clf.compile(optimizer="adam", loss="categorical_crossentropy")
    clf.fit(x, labels)
"""


def whole(document: Document) -> types.Range:
    return types.Range(types.Position(0, 0), types.Position(len(document.text.split("\n")), 0))


async def test_quick_fixes_are_linked_to_their_diagnostic(client: LanguageClient,
                                                          workspace: Path) -> None:
    document = Document(client, write(workspace, "fixable.py", FIXABLE)).open()
    await document.diagnostics()
    fit = document.find("labels)")
    actions = await document.code_actions(types.Range(fit, fit))
    quick = [a for a in actions if a.kind == types.CodeActionKind.QuickFix]
    assert [a.title for a in quick] == [
        "Use sparse_categorical_crossentropy",
        "One-hot encode the labels: keras.utils.to_categorical(y, 10)"]
    assert [a.is_preferred for a in quick] == [True, False]
    (diagnostic,) = quick[0].diagnostics or []
    assert diagnostic.code == "SL301" and diagnostic.range.start == fit
    fixed = apply_edits(document.text, edits_of(quick[0], document.uri))
    assert 'loss="sparse_categorical_crossentropy"' in fixed
    assert "SL301" not in [f.code for f in analyze_source(fixed).findings]


async def test_edits_use_the_form_the_client_supports(client: LanguageClient,
                                                      workspace: Path) -> None:
    document = Document(client, write(workspace, "fixable.py", FIXABLE)).open()
    await document.diagnostics()
    (action, *_) = await document.code_actions(whole(document), only=["quickfix"])
    assert action.edit is not None
    if getattr(client, "profile", "") == "vscode":  # VS Code takes versioned documentChanges
        assert action.edit.document_changes and not action.edit.changes
        change = action.edit.document_changes[0]
        assert isinstance(change, types.TextDocumentEdit)
        assert change.text_document.version == document.version
    else:  # Neovim 0.7 does not declare documentChanges
        assert action.edit.changes and not action.edit.document_changes


async def test_fix_all_applies_every_safe_fix(client: LanguageClient, workspace: Path) -> None:
    document = Document(client, write(workspace, "fixable.py", FIXABLE)).open()
    assert len(await document.diagnostics()) == 2
    actions = await document.code_actions(whole(document), only=["source.fixAll"])
    (fix_all,) = actions
    assert fix_all.kind == "source.fixAll.shapelens"
    assert {d.code for d in fix_all.diagnostics or []} == {"SL101", "SL301"}
    fixed = apply_edits(document.text, edits_of(fix_all, document.uri))
    assert "keras.Input(shape=(28, 28, 1))" in fixed
    assert analyze_source(fixed).findings == []
    document.set_text(fixed)
    assert await document.diagnostics() == []
    assert await document.code_actions(whole(document)) == []


async def test_only_the_kinds_asked_for(client: LanguageClient, workspace: Path) -> None:
    document = Document(client, write(workspace, "fixable.py", FIXABLE)).open()
    await document.diagnostics()
    quick = await document.code_actions(whole(document), only=[types.CodeActionKind.QuickFix])
    assert quick and all(a.kind == types.CodeActionKind.QuickFix for a in quick)
    assert await document.code_actions(whole(document), only=["refactor"]) == []
    everything = await document.code_actions(whole(document))
    assert {a.kind for a in everything} == {"quickfix", "source.fixAll.shapelens"}


async def test_no_actions_away_from_findings(client: LanguageClient, workspace: Path) -> None:
    document = Document(client, write(workspace, "fixable.py", FIXABLE)).open()
    await document.diagnostics()
    top = types.Range(types.Position(0, 0), types.Position(0, 5))
    assert await document.code_actions(top, only=["quickfix"]) == []


FUNCTIONAL = """
    import keras
    from keras import layers

    inputs = keras.Input(shape=(784,))
    x = layers.Dense(64)(inputs)
    x = layers.Conv2D(8, 3)(x)
    model = keras.Model(inputs, layers.Dense(10)(x))
"""


async def test_a_functional_layer_call_gets_its_quick_fix(client: LanguageClient,
                                                          workspace: Path) -> None:
    """The Conv2D call given a flat tensor: a Reshape line inserted before it, which the
    fix-all action (safe fixes only) leaves out."""
    document = Document(client, write(workspace, "functional.py", FUNCTIONAL)).open()
    (diagnostic,) = await document.diagnostics()
    assert diagnostic.code == "SL101"
    call = document.find("layers.Conv2D")
    quick = await document.code_actions(types.Range(call, call), only=["quickfix"])
    assert [a.title for a in quick] == [
        "Insert Reshape((8, 8, 1)) before Conv2D(8, 3): 64 elements"]
    fixed = apply_edits(document.text, edits_of(quick[0], document.uri))
    assert "x = layers.Dense(64)(inputs)\nx = layers.Reshape((8, 8, 1))(x)\n" in fixed
    assert analyze_source(fixed).findings == []
    assert await document.code_actions(whole(document), only=["source.fixAll"]) == []
    document.set_text(fixed)
    assert await document.diagnostics() == []
