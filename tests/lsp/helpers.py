"""Helpers for the end-to-end tests: a recording client and waiting without timing.

Waits poll for a condition and give up only after a generous limit that exists to turn a
hang into a failure; no test asserts how long anything takes.
"""

from __future__ import annotations

import asyncio
import importlib.util
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

PROFILES = ["neovim", "vscode"]
GIVE_UP_S = 60.0
REPO = Path(__file__).resolve().parents[2]


def make_client() -> LanguageClient:
    """pytest-lsp's client, also recording every publishDiagnostics with its version and
    answering the server's requests a real editor answers."""
    client = LanguageClient(converter_factory=default_converter)
    client.published = []  # type: ignore[attr-defined]
    client.registrations = []  # type: ignore[attr-defined]
    client.inlay_refreshes = 0  # type: ignore[attr-defined]
    features: dict[str, Any] = dict(DEFAULT_CLIENT_FEATURES)

    def publish(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        client.published.append(params)  # type: ignore[attr-defined]

    def register(client: LanguageClient, params: types.RegistrationParams) -> None:
        client.registrations.extend(params.registrations)  # type: ignore[attr-defined]

    def inlay_refresh(client: LanguageClient, params: None) -> None:
        client.inlay_refreshes += 1  # type: ignore[attr-defined]

    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    features[types.CLIENT_REGISTER_CAPABILITY] = register
    features[types.WORKSPACE_INLAY_HINT_REFRESH] = inlay_refresh
    register_lsp_features(client, features)
    return client


def logged_errors(client: LanguageClient) -> list[str]:
    """What the server logged to the client as errors (window/logMessage of type Error)."""
    return [m.message for m in client.log_messages if m.type == types.MessageType.Error]


def assert_no_errors(client: LanguageClient) -> None:
    """The server logged no error: a guard that caught an exception fails the test."""
    errors = logged_errors(client)
    assert not errors, "the server logged errors:\n" + "\n---\n".join(errors)


def pulls(client: LanguageClient) -> bool:
    return getattr(client, "profile", "neovim") == "vscode"


async def eventually(condition: Callable[[], Any], what: str) -> Any:
    """Poll until `condition()` is truthy; return it."""
    deadline = asyncio.get_running_loop().time() + GIVE_UP_S
    while True:
        value = condition()
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        await asyncio.sleep(0.02)


def realistic_text(models: int = 6, lines: int = 300, seed: int = 3) -> str:
    """A generated realistic training script (the benchmarks' generator)."""
    spec = importlib.util.spec_from_file_location("engine_speed",
                                                  REPO / "benchmarks" / "engine_speed.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text: str = module.generate(models, lines, seed=seed)
    return text


def write(root: Path, name: str, source: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source).lstrip("\n"), encoding="utf-8")
    return path


class Document:
    """An open document: its text and version, kept in step with the server."""

    def __init__(self, client: LanguageClient, path: Path, text: str | None = None) -> None:
        self.client = client
        self.path = path
        self.uri = path.as_uri()
        self.text = path.read_text(encoding="utf-8") if text is None else text
        self.version = 1

    def open(self) -> Document:
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=self.uri, language_id="python", version=self.version,
                                   text=self.text)))
        return self

    def replace_line(self, line: int, new: str) -> None:
        old = self.text.split("\n")[line]
        self.edit(types.Range(types.Position(line, 0), types.Position(line, len(old))), new)

    def edit(self, at: types.Range, new: str) -> None:
        lines = self.text.split("\n")
        before = "\n".join([*lines[:at.start.line], lines[at.start.line][:at.start.character]])
        after = "\n".join([lines[at.end.line][at.end.character:], *lines[at.end.line + 1:]])
        self.text = before + new + after
        self.version += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=self.version, uri=self.uri),
            [types.TextDocumentContentChangePartial(range=at, text=new)]))

    def set_text(self, text: str) -> None:
        self.text = text
        self.version += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=self.version, uri=self.uri),
            [types.TextDocumentContentChangeWholeDocument(text=text)]))

    def save(self) -> None:
        self.path.write_text(self.text, encoding="utf-8")
        self.client.text_document_did_save(types.DidSaveTextDocumentParams(
            types.TextDocumentIdentifier(self.uri)))

    def close(self) -> None:
        self.client.text_document_did_close(types.DidCloseTextDocumentParams(
            types.TextDocumentIdentifier(self.uri)))

    def find(self, needle: str, occurrence: int = 0, offset: int = 0) -> types.Position:
        """Where `needle` starts (UTF-16 columns, as LSP counts by default)."""
        seen = 0
        for number, line in enumerate(self.text.split("\n")):
            start = line.find(needle)
            while start != -1:
                if seen == occurrence:
                    prefix = line[:start + offset]
                    return types.Position(number, len(prefix.encode("utf-16-le")) // 2)
                seen += 1
                start = line.find(needle, start + 1)
        raise AssertionError(f"{needle!r} not in the document")

    async def diagnostics(self) -> list[types.Diagnostic]:
        """The diagnostics of the current version: pulled, or waited for until pushed."""
        if pulls(self.client):
            report = await self.client.text_document_diagnostic_async(
                types.DocumentDiagnosticParams(types.TextDocumentIdentifier(self.uri)))
            assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
            return list(report.items)
        published = await eventually(
            lambda: [p for p in self.client.published  # type: ignore[attr-defined]
                     if p.uri == self.uri and p.version == self.version],
            f"diagnostics of {self.path.name} version {self.version}")
        return list(published[-1].diagnostics)

    async def hover(self, at: types.Position) -> types.Hover | None:
        return await self.client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(self.uri), at))

    async def inlay_hints(self, first: int = 0, last: int | None = None
                          ) -> list[types.InlayHint]:
        last = len(self.text.split("\n")) - 1 if last is None else last
        hints = await self.client.text_document_inlay_hint_async(types.InlayHintParams(
            types.TextDocumentIdentifier(self.uri),
            types.Range(types.Position(first, 0), types.Position(last, 0))))
        return list(hints or [])

    async def code_actions(self, at: types.Range, only: list[str] | None = None
                           ) -> list[types.CodeAction]:
        actions = await self.client.text_document_code_action_async(types.CodeActionParams(
            types.TextDocumentIdentifier(self.uri), at,
            types.CodeActionContext(diagnostics=[], only=only)))
        return [a for a in actions or [] if isinstance(a, types.CodeAction)]


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP text edits (UTF-16 columns) to a text."""
    lines = text.split("\n")

    def offset(pos: types.Position) -> int:
        line = lines[pos.line]
        units = 0
        column = 0
        while column < len(line) and units < pos.character:
            units += len(line[column].encode("utf-16-le")) // 2
            column += 1
        return sum(len(lines[i]) + 1 for i in range(pos.line)) + column

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character),
                       reverse=True):
        start, end = offset(edit.range.start), offset(edit.range.end)
        text = text[:start] + edit.new_text + text[end:]
    return text


def edits_of(action: types.CodeAction, uri: str) -> list[types.TextEdit]:
    edit = action.edit
    assert edit is not None
    if edit.document_changes:
        return [e for change in edit.document_changes
                if isinstance(change, types.TextDocumentEdit) and change.text_document.uri == uri
                for e in change.edits if isinstance(e, types.TextEdit)]
    assert edit.changes is not None
    return list(edit.changes[uri])
