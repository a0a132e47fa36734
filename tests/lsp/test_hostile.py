"""The real server against a hostile workspace and hostile documents.

Check Workspace walks as the command line does (tests/hostile.py: a FIFO, a link to
/dev/zero, link loops, a link out of the workspace, a sparse 4 GB file); a document over
the size limit gets one finding and no analysis; a long analysis of one document does not
hold back another's diagnostics. Every wait has a limit, so a hang fails the test.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.hostile import BROKEN, hostile_workspace
from tests.lsp.helpers import GIVE_UP_S, Document, eventually, pulls, write

pytestmark = [pytest.mark.lsp, pytest.mark.asyncio]


async def test_check_workspace_reads_only_regular_files_inside(client: LanguageClient,
                                                               workspace: Path,
                                                               tmp_path: Path) -> None:
    hostile_workspace(workspace, tmp_path / "elsewhere")
    result = await asyncio.wait_for(client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="shapelens.checkWorkspace")), GIVE_UP_S)
    assert result == {"files": 2, "findings": 2, "cancelled": False}
    model, huge = (workspace / "model.py").as_uri(), (workspace / "huge.py").as_uri()
    await eventually(lambda: model in client.diagnostics and huge in client.diagnostics,
                     "diagnostics of the two regular files")
    assert [d.code for d in client.diagnostics[model]] == ["SL101"]
    (too_large,) = client.diagnostics[huge]
    assert too_large.code == "SL004"
    assert too_large.severity == types.DiagnosticSeverity.Information
    assert too_large.message.startswith("The file is 4096 MB, larger than the 2 MB")
    assert set(client.diagnostics) == {model, huge}
    notes = [m.message for m in client.log_messages if m.type == types.MessageType.Info]
    for name, why in [("pipe.py", "a FIFO, not a regular file"),
                      ("zero.py", "a symbolic link out of the folders checked (/dev/zero)"),
                      ("loop_a.py", "a loop of symbolic links"),
                      ("itself.py", "a loop of symbolic links"),
                      ("leaves.py", "a symbolic link out of the folders checked")]:
        assert any(n.startswith(f"Check Workspace: {workspace / name} skipped: {why}")
                   for n in notes), (name, notes)
    # The server still answers (no thread left blocked on the FIFO).
    document = Document(client, workspace / "model.py").open()
    assert [d.code for d in await document.diagnostics()] == ["SL101"]


@pytest.mark.init_options({"shapelens": {"maxFileSize": "2KB"}})
@pytest.mark.configuration({"shapelens": {"maxFileSize": "2KB"}})
async def test_a_document_over_the_limit_gets_one_finding(client: LanguageClient,
                                                          workspace: Path) -> None:
    padding = "# padding\n" * 300  # 3 KB
    document = Document(client, write(workspace, "big.py", padding + BROKEN)).open()
    (only,) = await document.diagnostics()
    assert only.code == "SL004" and only.range.start == types.Position(0, 0)
    assert "larger than the 2 KB Shapelens analyses" in only.message
    assert await document.hover(document.find("Conv2D")) is None
    document.set_text(BROKEN)  # below the limit again: analysed
    assert [d.code for d in await document.diagnostics()] == ["SL101"]


@pytest.mark.profiles("neovim")  # pushed diagnostics: the order they come in is visible
async def test_a_long_analysis_does_not_hold_back_another_document(
        client: LanguageClient, workspace: Path) -> None:
    # Seconds of evaluation (within the size limit), then a model with a finding.
    slow = BROKEN + "x = 1\n" * 250_000 + BROKEN.replace("model", "other")
    heavy = Document(client, write(workspace, "heavy.py", slow)).open()
    light = Document(client, write(workspace, "light.py", BROKEN)).open()
    assert [d.code for d in await light.diagnostics()] == ["SL101"]
    await heavy.diagnostics()
    published = [p.uri for p in client.published]  # type: ignore[attr-defined]
    assert published.index(light.uri) < published.index(heavy.uri)
    assert not pulls(client)
