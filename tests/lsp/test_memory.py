"""A closed document leaves nothing behind in the server: in-process, on the real handlers.

The server's own handlers (server.app) are registered on a fresh server and driven through
pygls' message handling, as `shapelens serve` receives them. After documents are opened,
analysed, hovered and closed, nothing of them is left: no document state, no text in
pygls' workspace, and no future of a handler that ended (pygls kept one for every
notification, a few KB each: RSS grew with every document opened and closed).
"""

from __future__ import annotations

import asyncio
import gc
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from server import app
from server.documents import DocumentState
from server.worker import BACKGROUND
from shape_engine.incremental import DocumentAnalyzer
from tests.lsp.helpers import GIVE_UP_S, realistic_text

pytestmark = [pytest.mark.lsp, pytest.mark.asyncio]

DOCUMENTS = 12
CYCLES = 3
PUBLISH = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS


class _Recorder:
    """pygls' writer: keeps what the server sends."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def write(self, data: bytes) -> None:
        self.sent.append(json.loads(data))

    def close(self) -> None:
        return None


class _Session:
    def __init__(self, server: app.ShapelensServer) -> None:
        self.server = server
        self.out = _Recorder()
        server.protocol.set_writer(self.out, include_headers=False)
        self.ids = 0

    def send(self, message: dict[str, Any]) -> None:
        protocol = self.server.protocol
        protocol.handle_message(protocol.structure_message({"jsonrpc": "2.0", **message}))

    def notify(self, method: str, params: object) -> None:
        self.send({"method": method, "params": params})

    async def call(self, method: str, params: object) -> Any:
        self.ids += 1
        number = self.ids
        self.send({"id": number, "method": method, "params": params})
        answer = await self.sent(lambda m: m.get("id") == number and "method" not in m)
        return answer.get("result")

    async def sent(self, matches: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        deadline = asyncio.get_running_loop().time() + GIVE_UP_S
        while asyncio.get_running_loop().time() < deadline:
            for message in self.out.sent:
                if matches(message):
                    return message
            await asyncio.sleep(0.01)
        raise AssertionError("no such message from the server")

    async def idle(self) -> None:
        """Until the worker has run every job queued so far and the loop every callback
        those jobs scheduled (they come before the answer to this one)."""
        await asyncio.wrap_future(self.server.worker.submit(lambda: None, BACKGROUND))
        for _ in range(3):
            await asyncio.sleep(0)


def _diagnostics_of(uri: str) -> Callable[[dict[str, Any]], bool]:
    return lambda m: m.get("method") == PUBLISH and m["params"]["uri"] == uri


def _alive() -> Counter[str]:
    gc.collect()
    kinds = (DocumentState, DocumentAnalyzer, asyncio.Task, asyncio.Future)
    return Counter(type(o).__name__ for o in gc.get_objects() if isinstance(o, kinds))


async def test_closed_documents_leave_nothing_behind(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    server = app.ShapelensServer()
    monkeypatch.setattr(app, "SERVER", server)  # what the handlers use
    monkeypatch.setattr(app, "SERVER_LOOP", [None])
    for method, handler in ((types.INITIALIZE, app.initialize),
                            (types.TEXT_DOCUMENT_DID_OPEN, app.did_open),
                            (types.TEXT_DOCUMENT_DID_CLOSE, app.did_close),
                            (types.TEXT_DOCUMENT_HOVER, app.on_hover)):
        server.feature(method)(handler)
    session = _Session(server)
    await session.call("initialize", {"processId": None, "rootUri": tmp_path.as_uri(),
                                      "capabilities": {}})
    texts = {(tmp_path / f"script_{seed}.py").as_uri(): realistic_text(2, 60, seed=seed)
             for seed in range(DOCUMENTS)}
    counts = []
    try:
        for _ in range(CYCLES):
            for uri, text in texts.items():
                session.notify("textDocument/didOpen", {"textDocument": {
                    "uri": uri, "languageId": "python", "version": 1, "text": text}})
            for uri in texts:
                await session.sent(_diagnostics_of(uri))
                await session.call("textDocument/hover", {"textDocument": {"uri": uri},
                                                          "position": {"line": 0,
                                                                       "character": 0}})
            for uri in texts:
                session.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
            await session.idle()
            session.out.sent.clear()  # each round waits for its own diagnostics
            assert server.documents.states == {}
            assert server.documents._by_path == {}
            assert not server.workspace.text_documents
            assert server.protocol._request_futures == {}, (
                f"{len(server.protocol._request_futures)} futures of ended handlers kept")
            counts.append(_alive())
    finally:
        server.worker.close()
        if server.resolution is not None:
            server.resolution.close()
    assert counts[0]["DocumentState"] == counts[0]["DocumentAnalyzer"] == 0
    assert counts[-1] == counts[0], "objects kept by each round of opening and closing"
