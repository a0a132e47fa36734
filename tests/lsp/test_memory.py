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
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from server import app
from server.documents import DocumentState
from shape_engine.incremental import DocumentAnalyzer
from tests.lsp.helpers import realistic_text
from tests.lsp.inprocess import Session

pytestmark = [pytest.mark.lsp, pytest.mark.asyncio]

DOCUMENTS = 12
CYCLES = 3
PUBLISH = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS


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
    session = Session(server)
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
