"""What the editor tests share: paths, installed tools and how a missing tool is reported.

The end-to-end tests drive real editors (code-server in Chromium, Neovim) and need what
clients/install-e2e.sh installs. Without it they skip and say so, unless
SHAPELENS_REQUIRE_E2E=1 (set in CI), where a missing tool fails the test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest

REPO = Path(__file__).resolve().parents[2]
VSCODE = REPO / "clients" / "vscode"
NEOVIM = REPO / "clients" / "neovim"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ARTIFACTS = REPO / "test-artifacts"


def missing(what: str) -> NoReturn:
    message = f"{what}; run clients/install-e2e.sh"
    if os.environ.get("SHAPELENS_REQUIRE_E2E") == "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def e2e_cache() -> Path:
    return Path(os.environ.get("SHAPELENS_E2E_CACHE", Path.home() / ".cache" / "shapelens-e2e"))


def code_server() -> Path:
    default = e2e_cache() / "code-server" / "node_modules" / ".bin" / "code-server"
    return Path(os.environ.get("SHAPELENS_E2E_CODE_SERVER", default))


def require_node_modules() -> None:
    if shutil.which("npm") is None:
        missing("npm is not installed")
    if not (VSCODE / "node_modules" / ".bin" / "vsce").exists():
        missing("clients/vscode/node_modules is not installed")


def run(args: list[str], cwd: Path, timeout: float, env: dict[str, str] | None = None,
        ) -> subprocess.CompletedProcess[str]:
    """Runs a command, its output captured for the assertion message."""
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                          check=False)


def output(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
