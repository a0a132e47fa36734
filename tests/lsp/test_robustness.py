"""Bad input and failing handlers: logged, answered empty, and the server goes on."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcMethodNotFound, JsonRpcRequestCancelled
from pytest_lsp import LanguageClient

from tests.lsp.helpers import Document, eventually, logged_errors, write

pytestmark = [pytest.mark.lsp, pytest.mark.asyncio]

SOURCE = """
    import keras
    model = keras.Sequential([keras.layers.Dense(3, input_shape=(4,)),
                              keras.layers.Conv2D(2, 3)])
"""


def waiting_request(method: str, document: Document) -> tuple[str, object]:
    uri = types.TextDocumentIdentifier(document.uri)
    at = document.find("Conv2D")
    if method == types.TEXT_DOCUMENT_HOVER:
        return method, types.HoverParams(uri, at)
    whole = types.Range(types.Position(0, 0), types.Position(4, 0))
    if method == types.TEXT_DOCUMENT_INLAY_HINT:
        return method, types.InlayHintParams(uri, whole)
    return method, types.CodeActionParams(uri, whole, types.CodeActionContext(diagnostics=[]))


@pytest.mark.init_options({"shapelens": {"debounceMs": 10000}})
@pytest.mark.parametrize("method", [types.TEXT_DOCUMENT_HOVER, types.TEXT_DOCUMENT_INLAY_HINT,
                                    types.TEXT_DOCUMENT_CODE_ACTION])
async def test_a_waiting_request_can_be_cancelled(client: LanguageClient, workspace: Path,
                                                  method: str) -> None:
    document = Document(client, write(workspace, "m.py", SOURCE)).open()
    await document.diagnostics()
    document.replace_line(0, "import keras  # edited")  # its analysis waits 10 s for quiet
    request = asyncio.ensure_future(client.protocol.send_request_async(
        *waiting_request(method, document), msg_id="waiting-1"))
    await asyncio.sleep(0)  # the request is written before the cancellation
    client.cancel_request(types.CancelParams(id="waiting-1"))
    with pytest.raises(JsonRpcRequestCancelled):
        await request
    document.save()  # analyses at once
    # Answered now: a hover, the hints, the code actions (none: this finding has no fix).
    if method == types.TEXT_DOCUMENT_HOVER:
        assert await document.hover(document.find("Conv2D")) is not None
    elif method == types.TEXT_DOCUMENT_INLAY_HINT:
        assert await document.inlay_hints()
    else:
        assert await document.code_actions(types.Range(types.Position(0, 0),
                                                       types.Position(4, 0))) == []


@pytest.mark.logs_errors
@pytest.mark.server_env(SHAPELENS_TEST_FAULTS="on_hover")
async def test_a_failing_handler_is_logged_once_and_answers_empty(client: LanguageClient,
                                                                  workspace: Path) -> None:
    document = Document(client, write(workspace, "m.py", SOURCE)).open()
    assert await document.diagnostics()
    assert await document.hover(document.find("Dense")) is None
    logged = await eventually(lambda: [m for m in client.log_messages
                                       if "on_hover failed" in m.message], "a log message")
    assert logged[0].type == types.MessageType.Error
    assert "RuntimeError: fault injected" in logged[0].message
    assert await document.inlay_hints()  # everything else still works
    # Everything the server sent before the inlay hints' answer has arrived: one message.
    assert len(logged_errors(client)) == 1, logged_errors(client)


async def test_requests_about_unknown_documents_answer_empty(client: LanguageClient,
                                                             workspace: Path) -> None:
    ghost = Document(client, workspace / "ghost.py", text="")
    assert await ghost.hover(types.Position(0, 0)) is None
    assert await ghost.inlay_hints(0, 10) == []
    assert await ghost.code_actions(types.Range(types.Position(0, 0),
                                                types.Position(0, 0))) == []


async def test_positions_past_the_end_are_harmless(client: LanguageClient,
                                                   workspace: Path) -> None:
    document = Document(client, write(workspace, "m.py", SOURCE)).open()
    await document.diagnostics()
    assert await document.hover(types.Position(3, 10_000)) is None
    assert await document.hover(types.Position(10_000, 0)) is None
    assert await document.inlay_hints(50, 10_000) == []


@pytest.mark.init_options({"shapelens": {"debounceMs": 0}})
async def test_garbage_gets_an_answer(client: LanguageClient, workspace: Path) -> None:
    document = Document(client, write(workspace, "m.py", SOURCE)).open()
    await document.diagnostics()
    for text in ["\x00\x01 binary", "(" * 5000, "def f(:\n  \U0001F600", "x = [" * 300,
                 "if True:\n" + "    " * 200 + "pass\n", ""]:
        document.set_text(text)
        diagnostics = await document.diagnostics()
        assert all(d.code == "SL001" for d in diagnostics)
        await document.hover(types.Position(0, 1))
        await document.inlay_hints()
    document.set_text(document.text + "\n" + SOURCE)


async def test_unknown_methods_are_refused_and_the_server_goes_on(
        client: LanguageClient, workspace: Path) -> None:
    with pytest.raises(JsonRpcMethodNotFound):
        await client.protocol.send_request_async("shapelens/noSuchThing", {})
    document = Document(client, write(workspace, "m.py", SOURCE)).open()
    assert [d.code for d in await document.diagnostics()] == ["SL101"]
