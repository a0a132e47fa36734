"""The server's own handlers (server.app) on a fresh server, driven in-process.

Messages go through pygls' message handling, as `shapelens serve` receives them, and what
the server sends is recorded: faster than a process, for tests that send many messages.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
from lsprotocol import types

from server import actions, app
from server.worker import BACKGROUND
from tests.lsp.helpers import GIVE_UP_S

PUBLISH = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS


class Recorder:
    """pygls' writer: keeps what the server sends."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def write(self, data: bytes) -> None:
        self.sent.append(json.loads(data))

    def close(self) -> None:
        return None


class Session:
    def __init__(self, server: app.ShapelensServer) -> None:
        self.server = server
        self.out = Recorder()
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

    def sent_now(self, matches: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        """What the server has sent so far that `matches`."""
        return [message for message in self.out.sent if matches(message)]

    async def handled(self) -> None:
        """Until the notifications sent so far have been handled (their handlers are tasks
        that do not wait for anything)."""
        for _ in range(5):
            await asyncio.sleep(0)

    async def idle(self) -> None:
        """Until the worker has run every job queued so far and the loop every callback
        those jobs scheduled (they come before the answer to this one)."""
        await asyncio.wrap_future(self.server.worker.submit(lambda: None, BACKGROUND))
        for _ in range(3):
            await asyncio.sleep(0)

    async def close(self) -> None:
        """Close what is open and stop the server's threads: nothing of it stays alive."""
        for uri in list(self.server.documents.states):
            self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
        await self.handled()
        await self.idle()
        self.server.worker.close()
        self.server.worker._thread.join(GIVE_UP_S)
        if self.server.resolution is not None:
            self.server.resolution.close()


def fresh_server(monkeypatch: pytest.MonkeyPatch) -> app.ShapelensServer:
    """A new server with the document features of server.app registered on it."""
    server = app.ShapelensServer()
    monkeypatch.setattr(app, "SERVER", server)  # what the handlers use
    monkeypatch.setattr(app, "SERVER_LOOP", [None])
    for method, handler in ((types.INITIALIZE, app.initialize),
                            (types.TEXT_DOCUMENT_DID_OPEN, app.did_open),
                            (types.TEXT_DOCUMENT_DID_CHANGE, app.did_change),
                            (types.TEXT_DOCUMENT_DID_CLOSE, app.did_close),
                            (types.TEXT_DOCUMENT_HOVER, app.on_hover)):
        server.feature(method)(handler)
    server.feature(types.TEXT_DOCUMENT_INLAY_HINT,
                   types.InlayHintOptions(resolve_provider=False))(app.on_inlay_hint)
    server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                   types.CodeActionOptions(code_action_kinds=actions.KINDS))(app.on_code_action)
    server.command(app.CHECK_WORKSPACE)(app.check_workspace)
    return server


def diagnostics_of(uri: str, version: int | None = None
                   ) -> Callable[[dict[str, Any]], bool]:
    return lambda m: (m.get("method") == PUBLISH and m["params"]["uri"] == uri
                      and (version is None or m["params"].get("version") == version))
