"""JSON-RPC as the spec says, against the real server process on stdio (server/protocol.py,
server/framing.py, server/transport.py): an error answer, never silence, for what is not a
request; InvalidRequest after shutdown; exit code 1 on `exit` without `shutdown`; a stream
that recovers from a frame with a wrong Content-Length; no popup for documents never opened.

Every wait is bounded (tests/lsp/raw.py): a server that stops answering fails the test."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lsp.raw import StdioServer, frame, initialize, notification, request

pytestmark = pytest.mark.lsp

UNKNOWN = "file:///nowhere/never-opened.py"
POSITION = {"line": 0, "character": 0}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[StdioServer]:
    started = StdioServer(cwd=tmp_path)
    try:
        assert "result" in started.ask(initialize(1, tmp_path))
        started.send(notification("initialized", {}))
        yield started
    finally:
        started.close()


def hover(msg_id: int, uri: str = UNKNOWN) -> dict[str, object]:
    return request(msg_id, "textDocument/hover", {"textDocument": {"uri": uri},
                                                  "position": POSITION})


def error_of(answer: dict[str, object]) -> tuple[object, object]:
    error = answer.get("error")
    assert isinstance(error, dict), answer
    return answer["id"], error["code"]


INVALID = [
    (b'{"jsonrpc": "2.0", "id": 7}', 7, -32600),  # neither a request nor a response
    (b'[1, 2]', None, -32600),
    (b'"a string"', None, -32600),
    (b'{"id": 8, "method": "shutdown"}', 8, -32600),  # no "jsonrpc"
    (b'{"jsonrpc": "2.0", "id": 9, "method": 5}', 9, -32600),
    (b'{"jsonrpc": "2.0", "id": {"a": 1}, "method": "textDocument/hover"}', None, -32600),
    (b'{"jsonrpc": "2.0", "id": 10, "method": "textDocument/hover", "params": "x"}', 10, -32600),
    (b'{"jsonrpc": "2.0", "id": 11, "method": "textDocument/hover", "params": {"position": 1}}',
     11, -32602),
    (b'{"jsonrpc": "2.0", "method": 12}', None, -32600),  # no valid notification either
    (b'{"jsonrpc": "2.0", "id": 13, "method": "no/such/method"}', 13, -32601),
    (b'{"jsonrpc": "2.0", "id": 14, "method": "textDocument/hover", "params": {', None, -32700),
    (b'\xff\xfe not utf-8', None, -32700),
    (b'[' * 100_000, None, -32700),  # nested deeper than the parser goes
]


def test_invalid_messages_get_an_error_answer(server: StdioServer) -> None:
    for number, (body, msg_id, code) in enumerate(INVALID):
        server.send(frame(body))
        answer = server.reader.next()
        assert answer is not None and error_of(answer) == (msg_id, code), body
        assert server.ask(hover(1000 + number))["result"] is None  # still serving
    # An answer from the client (to nothing the server asked) is not answered back.
    server.send({"jsonrpc": "2.0", "id": 99, "result": None})
    server.send({"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "x"}})
    assert server.ask(hover(2000)) == {"jsonrpc": "2.0", "id": 2000, "result": None}


def test_requests_after_shutdown_are_invalid_and_exit_is_0(server: StdioServer) -> None:
    assert server.ask(request(2, "shutdown")) == {"jsonrpc": "2.0", "id": 2, "result": None}
    assert error_of(server.ask(hover(3))) == (3, -32600)
    assert error_of(server.ask(request(4, "shutdown"))) == (4, -32600)
    server.send(notification("textDocument/didOpen", {"textDocument": {
        "uri": UNKNOWN, "languageId": "python", "version": 1, "text": "x = 1\n"}}))
    server.send(notification("exit"))
    assert server.exit_code() == 0


def test_exit_without_shutdown_is_1(server: StdioServer) -> None:
    server.send(notification("exit"))
    assert server.exit_code() == 1


def test_closing_the_stream_without_shutdown_is_1(server: StdioServer) -> None:
    assert server.process.stdin is not None
    server.process.stdin.close()
    assert server.exit_code() == 1


@pytest.mark.parametrize("damage", ["too short", "too long", "garbage", "not a number",
                                    "zero"])
def test_the_stream_recovers_from_a_bad_frame(server: StdioServer, damage: str) -> None:
    body = json.dumps(hover(2)).encode()
    broken = {
        "too short": frame(body, length=len(body) - 7),
        "too long": frame(body, length=len(body) + 500),
        "garbage": b"\r\nnot a header at all\r\n\r\n" + frame(body),
        "not a number": b"Content-Length: many\r\n\r\n" + body,
        "zero": frame(body, length=0),
    }[damage]
    server.send(broken)
    # Answered again: the very next frame, however many bytes the broken one claimed.
    assert server.ask(hover(3)) == {"jsonrpc": "2.0", "id": 3, "result": None}
    assert server.ask(hover(4)) == {"jsonrpc": "2.0", "id": 4, "result": None}
    errors = [m for m in server.reader.quiet_for(0.3) if "error" in m]
    assert all(m["id"] in (None, 2) for m in errors), errors


def test_documents_never_opened_pop_up_nothing(server: StdioServer) -> None:
    text_document = {"uri": UNKNOWN, "version": 2}
    change = {"range": {"start": {"line": 3, "character": 0}, "end": {"line": 3, "character": 1}},
              "text": "y"}
    server.send(notification("textDocument/didChange", {"textDocument": text_document,
                                                        "contentChanges": [change]}))
    server.send(notification("textDocument/didChange", {"textDocument": text_document,
                                                        "contentChanges": [{"text": "z = 1"}]}))
    server.send(notification("textDocument/didSave", {"textDocument": {"uri": UNKNOWN}}))
    server.send(notification("textDocument/didClose", {"textDocument": {"uri": UNKNOWN}}))
    assert server.ask(hover(2))["result"] is None
    document = {"textDocument": {"uri": UNKNOWN}}
    span = {"start": POSITION, "end": {"line": 5, "character": 0}}
    for msg_id, method, params in [
            (3, "textDocument/inlayHint", {**document, "range": span}),
            (4, "textDocument/codeAction", {**document, "range": span,
                                            "context": {"diagnostics": []}}),
            (5, "textDocument/diagnostic", document)]:
        assert "result" in server.ask(request(msg_id, method, params)), method
    server.reader.quiet_for(0.5)
    told = server.reader.received
    assert [m for m in told if m.get("method") == "window/showMessage"] == []
    assert [m for m in told if m.get("method") == "window/logMessage"
            and m["params"]["type"] == 1] == []  # and no error in the client's log either
    assert server.ask(request(6, "shutdown"))["result"] is None
    server.send(notification("exit"))
    assert server.exit_code() == 0
