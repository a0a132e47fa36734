"""Check Workspace leaves out what .gitignore ignores, as the command line does."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.hostile import BROKEN
from tests.lsp.helpers import GIVE_UP_S, eventually, write

pytestmark = [pytest.mark.lsp, pytest.mark.asyncio]


async def test_check_workspace_skips_what_gitignore_ignores(client: LanguageClient,
                                                            workspace: Path) -> None:
    subprocess.run(["git", "init", "-q", str(workspace)], check=True)
    write(workspace, ".gitignore", "generated/\n*_scratch.py\n")
    write(workspace, "model.py", BROKEN)
    write(workspace, "try_scratch.py", BROKEN)
    write(workspace, "generated/model.py", BROKEN)
    result = await asyncio.wait_for(client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="shapelens.checkWorkspace")), GIVE_UP_S)
    assert result == {"files": 1, "findings": 1, "cancelled": False}
    model = (workspace / "model.py").as_uri()
    await eventually(lambda: model in client.diagnostics, "diagnostics of model.py")
    assert set(client.diagnostics) == {model}
