"""A typing burst against the real server: 1,000 edits, stale requests, cancellations.

One realistic document gets 1,000 didChange notifications (versions 2..1001) written as fast
as the client can, mostly one character at a time (so the file is unparsable most of the
time), with hover, inlay hint and code action requests about versions already gone, some of
them cancelled, and a didClose + didOpen half-way. At the end the server must have answered
every request (a result or a cancellation), published diagnostics last for the last version,
equal to what the engine finds in the final text, and still answer; and it must have logged
no error (checked by the `client` fixture): a guard that swallowed an exception fails it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcContentModified, JsonRpcRequestCancelled
from pytest_lsp import LanguageClient

from shape_engine import analyze_source
from tests.lsp.helpers import GIVE_UP_S, Document, realistic_text, write

pytestmark = [pytest.mark.lsp, pytest.mark.asyncio]

EDITS = 1000
REOPEN_AT = 500  # didClose + didOpen after this many edits
REQUEST_EVERY = 7  # a request after every 7th edit; every fourth of them is cancelled

# What the user types at the end of the document, one character per edit: unparsable
# until each statement closes; the last model feeds Dense's 2-D output into Conv2D.
TYPED = (
    "\n"
    "def typed_model(units: int) -> keras.Sequential:\n"
    "    return keras.Sequential([keras.layers.Dense(units, input_shape=(16,)),\n"
    "                             keras.layers.Dense(units // 2, activation='relu'),\n"
    "                             keras.layers.Dense(4)])\n"
    "\n"
    "\n"
    "burst = keras.Sequential([keras.layers.Dense(32, input_shape=(8,)),\n"
    "                          keras.layers.Conv2D(4, 3)])\n"
)


def typed_stream(count: int) -> str:
    """`count` characters to type: a comment padding, then TYPED as often as it fits, so
    the last edit completes the file."""
    repeats = count // len(TYPED)
    padding = count - repeats * len(TYPED)
    assert padding >= 2
    return "\n#" + "-" * (padding - 2) + TYPED * repeats


def end_of(text: str) -> types.Position:
    lines = text.split("\n")
    return types.Position(len(lines) - 1, len(lines[-1]))


class Burst:
    """Sends the edits and the requests in between, remembering every request sent."""

    def __init__(self, client: LanguageClient, document: Document) -> None:
        self.client = client
        self.document = document
        self.requests: list[tuple[str, Awaitable[Any]]] = []
        self.typed = typed_stream(EDITS)
        self.to_cancel: list[str] = []

    def request(self, method: str, params: object, cancel: bool) -> None:
        msg_id = f"stress-{len(self.requests)}"
        # A task, so that it is written at the next turn of the loop, mid-burst.
        future = asyncio.ensure_future(self.client.protocol.send_request_async(
            method, params, msg_id=msg_id))
        self.requests.append((method, future))
        if cancel:
            self.to_cancel.append(msg_id)

    def stale_request(self, number: int) -> None:
        """A hover, inlay hint or code action at a place of the current version (soon old)."""
        uri = types.TextDocumentIdentifier(self.document.uri)
        here = end_of(self.document.text)
        line = here.line * (number % 5) // 5  # spread over the document
        cancel = number % 4 == 0  # some of each kind
        kind = number % 3
        if kind == 0:
            self.request(types.TEXT_DOCUMENT_HOVER,
                         types.HoverParams(uri, types.Position(line, 12)), cancel)
        elif kind == 1:
            self.request(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintParams(
                uri, types.Range(types.Position(0, 0), here)), cancel)
        else:
            self.request(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionParams(
                uri, types.Range(types.Position(line, 0), types.Position(line, 5)),
                types.CodeActionContext(diagnostics=[])), cancel)

    def edit(self, index: int) -> None:
        """Edit number `index`: type the next character, now and then a whole-text change."""
        document = self.document
        char = self.typed[index]
        if index % 100 == 99:
            document.set_text(document.text + char)
        else:
            here = end_of(document.text)
            document.edit(types.Range(here, here), char)

    async def run(self) -> None:
        for index in range(EDITS):
            self.edit(index)
            if index + 1 == REOPEN_AT:
                self.document.close()
                self.document.open()
            if index % REQUEST_EVERY == 0:
                self.stale_request(index // REQUEST_EVERY)
            if index % REQUEST_EVERY == 0 or index % 50 == 0:
                # Let the request's task write it before it is cancelled (and let the
                # client read what the server sends).
                await asyncio.sleep(0)
            for msg_id in self.to_cancel:
                self.client.cancel_request(types.CancelParams(id=msg_id))
            self.to_cancel.clear()


async def outcome(method: str, request: Awaitable[Any]) -> str:
    try:
        await asyncio.wait_for(request, GIVE_UP_S)
    except (JsonRpcRequestCancelled, JsonRpcContentModified):
        return "cancelled"
    except asyncio.TimeoutError:
        return f"{method} hung"
    return "answered"


def engine_view(text: str, path: Path) -> list[tuple[str, int, int, int, int]]:
    findings = analyze_source(text, str(path)).findings
    return sorted((f.code, f.range.start.line, f.range.start.character,
                   f.range.end.line, f.range.end.character) for f in findings)


def client_view(diagnostics: list[types.Diagnostic]) -> list[tuple[str, int, int, int, int]]:
    return sorted((str(d.code), d.range.start.line, d.range.start.character,
                   d.range.end.line, d.range.end.character) for d in diagnostics)


@pytest.mark.profiles("neovim")
async def test_a_typing_burst_ends_in_the_final_state(client: LanguageClient,
                                                      workspace: Path) -> None:
    path = write(workspace, "experiments.py", realistic_text())
    document = Document(client, path).open()
    await document.diagnostics()
    burst = Burst(client, document)

    await burst.run()

    assert document.version == EDITS + 1
    outcomes = await asyncio.gather(*(outcome(m, r) for m, r in burst.requests))
    assert set(outcomes) == {"answered", "cancelled"}, outcomes
    final = await document.diagnostics()
    # The server settles (code actions wait for the verified findings), then nothing newer.
    assert await document.hover(document.find("Conv2D(4")) is not None
    await document.code_actions(types.Range(document.find("burst"), document.find("burst")))
    published = [p for p in client.published  # type: ignore[attr-defined]
                 if p.uri == document.uri]
    assert published[-1].version == EDITS + 1
    assert client_view(published[-1].diagnostics) == client_view(final)
    expected = engine_view(document.text, path)
    assert client_view(final) == expected
    assert any(code == "SL101" and line == end_of(document.text).line - 1
               for code, line, *_ in expected)


@pytest.mark.profiles("vscode")
async def test_a_typing_burst_with_pulled_diagnostics(client: LanguageClient,
                                                       workspace: Path) -> None:
    path = write(workspace, "experiments.py", realistic_text())
    document = Document(client, path).open()
    await document.diagnostics()
    burst = Burst(client, document)

    await burst.run()

    outcomes = await asyncio.gather(*(outcome(m, r) for m, r in burst.requests))
    assert set(outcomes) <= {"answered", "cancelled"}, outcomes
    final = await document.diagnostics()
    assert client_view(final) == engine_view(document.text, path)
    assert await document.hover(document.find("Conv2D(4")) is not None
