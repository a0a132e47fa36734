"""The command editors run: the VS Code client's launcher is the server's (server/launcher.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from server.launcher import LAUNCHER

REPO = Path(__file__).resolve().parents[1]


def test_the_vscode_client_runs_the_same_launcher() -> None:
    source = (REPO / "clients" / "vscode" / "src" / "interpreter.ts").read_text(encoding="utf-8")
    found = re.search(r'export const SERVER_LAUNCHER = (".*");', source)
    assert found is not None
    assert json.loads(found.group(1)) == LAUNCHER
    assert "'-m', SERVER_MODULE" not in source


def test_no_document_offers_python_m_server() -> None:
    documents = [REPO / "README.md", *sorted((REPO / "clients").glob("*/README.md")),
                 REPO / "clients" / "vscode" / "package.json"]
    for document in documents:
        assert "-m server" not in document.read_text(encoding="utf-8"), document
