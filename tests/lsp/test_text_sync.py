"""The server keeps the editor's exact text: lines end at \\n, \\r\\n and \\r only.

pygls cut lines with str.splitlines, which also breaks at form feed, \\v, \\x1c-\\x1e, \\x85,
U+2028 and U+2029: with one of them in a comment, an incremental edit below it landed on
the wrong line of the server's copy, and the "Insert Reshape" fix offered then left a file
that did not parse. Here each of them sits in a comment above edits and a fix.
"""

from __future__ import annotations

import ast
import os
import threading
from pathlib import Path

import pytest
from lsprotocol import types

from server.text import LspTextDocument, LspWorkspace, apply_change
from tests.lsp import client_text
from tests.lsp.client_text import NOT_LINE_BREAKS
from tests.lsp.helpers import GIVE_UP_S
from tests.lsp.inprocess import Session, diagnostics_of, fresh_server

pytestmark = [pytest.mark.lsp]

PROGRAM = (
    "# the model {char} of the notes\n"
    "from tensorflow import keras\n"
    "from tensorflow.keras import layers\n"
    "\n"
    "model = keras.Sequential([\n"
    "    layers.Dense(128, activation=\"relu\", input_shape=(784,)),\n"
    "    layers.Conv2D(32, 3, activation=\"relu\"),\n"
    "    layers.Flatten(),\n"
    "    layers.Dense(10, activation=\"softmax\"),\n"
    "])\n"
)
RESHAPE = "layers.Reshape((8, 16, 1)),\n    "


def _range(start: types.Position, end: types.Position | None = None) -> types.Range:
    return types.Range(start, end or start)


@pytest.mark.parametrize("char", [*NOT_LINE_BREAKS, "😀"], ids=repr)
def test_an_edit_below_lands_where_the_editor_put_it(char: str) -> None:
    text = PROGRAM.format(char=char)
    document = LspTextDocument("file:///t.py", text)
    edit = types.TextDocumentContentChangePartial(
        range=_range(types.Position(4, 0), types.Position(4, 5)), text="net")
    document.apply_change(edit)
    expected = client_text.apply(text, edit.range, "net")
    assert document.source == expected
    assert "net = keras.Sequential" in document.source
    assert len(document.lines) == len(client_text.line_spans(expected)) - 1


@pytest.mark.parametrize("text", ["a\r\nb\rc\nd", "😀😀\r\n\r\n", "", "x\u2028y\x85z\n"],
                         ids=repr)
def test_positions_out_of_range_and_in_each_kind_of_line(text: str) -> None:
    cases = [
        _range(types.Position(0, 0), types.Position(0, 99)),  # past the end of the line
        _range(types.Position(1, 1)),
        _range(types.Position(7, 3)),  # past the last line: the end of the document
        _range(types.Position(2, 0), types.Position(0, 1)),  # reversed
        _range(types.Position(0, 2), types.Position(1, 0)),
    ]
    for at in cases:
        change = types.TextDocumentContentChangePartial(range=at, text="<\r\n>")
        assert apply_change(text, change) == client_text.apply(text, at, "<\r\n>"), at


@pytest.mark.asyncio
@pytest.mark.parametrize("char", NOT_LINE_BREAKS, ids=repr)
async def test_the_fix_offered_after_edits_applies_to_the_editors_text(
        char: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    server = fresh_server(monkeypatch)
    session = Session(server)
    uri = (tmp_path / "notes.py").as_uri()
    text = PROGRAM.format(char=char)
    try:
        await session.call("initialize", {"processId": None, "rootUri": tmp_path.as_uri(),
                                          "capabilities": {}})
        session.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "python", "version": 1, "text": text}})
        edits = [  # below the comment: a line added, then a word changed on a later line
            (_range(types.Position(3, 0)), "# where the layers go\n"),
            (_range(client_text.position_of(text, "model ="),
                    types.Position(4, len("model"))), "net"),
        ]
        version = 1
        for at, new in edits:
            version += 1
            text = client_text.apply(text, at, new)
            session.notify("textDocument/didChange", {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"range": server.protocol._converter.unstructure(at),
                                    "text": new}]})
            await session.handled()
            assert server.documents.states[uri].text == text
            assert server.workspace.get_text_document(uri).source == text
        published = await session.sent(diagnostics_of(uri, version))
        (diagnostic,) = published["params"]["diagnostics"]
        conv = client_text.position_of(text, "layers.Conv2D")
        assert diagnostic["code"] == "SL101"
        assert diagnostic["range"]["start"] == {"line": conv.line, "character": conv.character}
        actions = await session.call("textDocument/codeAction", {
            "textDocument": {"uri": uri}, "range": {"start": diagnostic["range"]["start"],
                                                    "end": diagnostic["range"]["start"]},
            "context": {"diagnostics": []}})
        reshape = [a for a in actions if a["title"].startswith("Insert Reshape")]
        assert reshape, [a["title"] for a in actions]
        edits_sent = [server.protocol._converter.structure(e, types.TextEdit)
                      for e in reshape[0]["edit"]["changes"][uri]]
        fixed = client_text.apply_edits(text, edits_sent)
        ast.parse(fixed)
        assert fixed == text.replace("layers.Conv2D", RESHAPE + "layers.Conv2D", 1)
    finally:
        await session.close()


def test_a_document_never_opened_is_not_read_from_disk(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes on this platform")
    os.mkfifo(tmp_path / "pipe.py")  # reading it would block
    workspace = LspWorkspace(tmp_path.as_uri())
    read: list[str] = []
    reader = threading.Thread(target=lambda: read.append(
        workspace.get_text_document((tmp_path / "pipe.py").as_uri()).source), daemon=True)
    reader.start()
    reader.join(GIVE_UP_S)  # a daemon: if it blocks, the test fails and the run goes on
    assert read == [""]
