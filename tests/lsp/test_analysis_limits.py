"""An analysis in the server is bounded: it stops at its time limit and says so (SL005), and
it stops when its document changes again. In-process, on the real handlers."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from server import documents
from shape_engine.incremental import DocumentAnalyzer, Outcome
from tests.hostile import BROKEN
from tests.lsp.helpers import GIVE_UP_S
from tests.lsp.inprocess import Session, diagnostics_of, fresh_server

pytestmark = [pytest.mark.lsp, pytest.mark.asyncio]

# Far more evaluation steps than the evaluator takes between two looks at the clock.
LONG = BROKEN + "x = 1\n" * 20_000 + BROKEN.replace("model", "other")


async def test_an_analysis_past_its_time_says_where_it_stopped(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "ANALYSIS_TIME_S", 0.0)  # out of time at the first look
    session = Session(fresh_server(monkeypatch))
    uri = (tmp_path / "long.py").as_uri()
    try:
        await session.call("initialize", {"processId": None, "capabilities": {}})
        session.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "python", "version": 1, "text": LONG}})
        published = await session.sent(diagnostics_of(uri, 1))
        codes = [d["code"] for d in published["params"]["diagnostics"]]
        assert codes[-1] == "SL005" and "SL101" not in codes[1:]  # the second model: unseen
        (stopped,) = [d for d in published["params"]["diagnostics"] if d["code"] == "SL005"]
        assert stopped["severity"] == 3  # information
        assert "reached its time limit (0 s)" in stopped["message"]
        assert 2 <= stopped["range"]["start"]["line"] < LONG.count("\n")
    finally:
        await session.close()


async def test_an_analysis_of_an_older_version_stops(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ended: list[str] = []
    started = threading.Event()
    quick = DocumentAnalyzer.quick

    def watched(self: DocumentAnalyzer, text: str) -> Outcome:
        started.set()
        try:
            outcome = quick(self, text)
        except BaseException as error:
            ended.append(type(error).__name__)
            raise
        ended.append("finished")
        return outcome

    monkeypatch.setattr(DocumentAnalyzer, "quick", watched)
    session = Session(fresh_server(monkeypatch))
    uri = (tmp_path / "long.py").as_uri()
    try:
        await session.call("initialize", {"processId": None, "capabilities": {}})
        session.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "python", "version": 1, "text": LONG * 5}})
        assert await asyncio.to_thread(started.wait, GIVE_UP_S)
        session.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                                  "contentChanges": [{"text": BROKEN}]})
        published = await session.sent(diagnostics_of(uri, 2))
        assert [d["code"] for d in published["params"]["diagnostics"]] == ["SL101"]
        assert ended == ["Superseded"]
        assert not session.sent_now(diagnostics_of(uri, 1))
    finally:
        await session.close()


async def test_a_document_over_the_limit_is_never_analysed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    session = Session(fresh_server(monkeypatch))
    uri = (tmp_path / "data.py").as_uri()
    huge = "x = 1  # padding\n" * 150_000  # 2.4 MB, over the default 2 MB
    try:
        await session.call("initialize", {"processId": None, "capabilities": {}})
        session.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "python", "version": 1, "text": huge}})
        published = await session.sent(diagnostics_of(uri, 1))
        (only,) = published["params"]["diagnostics"]
        assert only["code"] == "SL004" and only["severity"] == 3
        assert only["message"] == ("The file is 2.4 MB, larger than the 2 MB Shapelens "
                                   "analyses (max-file-size): it is not checked")
        await session.idle()
        state = session.server.documents.states[uri]
        assert state.analyzer.components_analysed == 0
        hover = await session.call("textDocument/hover", {
            "textDocument": {"uri": uri}, "position": {"line": 3, "character": 1}})
        assert hover is None
    finally:
        await session.close()
