"""The VS Code extension: lint, unit tests, packaging, and an end-to-end run of the packaged
.vsix in a real VS Code (code-server 4.100 / Code 1.100, driven in headless Chromium).

The end-to-end driver is clients/vscode/e2e/run.mjs; its screenshots and logs go to
test-artifacts/vscode/.
"""

from __future__ import annotations

import os
import sys

import pytest

from tests.clients.support import (
    ARTIFACTS,
    VSCODE,
    code_server,
    missing,
    output,
    require_node_modules,
    run,
)

pytestmark = pytest.mark.editor


def test_extension_lints_clean() -> None:
    require_node_modules()
    result = run(["npm", "run", "lint"], VSCODE, timeout=300)
    assert result.returncode == 0, output(result)


def test_extension_unit_tests_pass() -> None:
    require_node_modules()
    result = run(["npm", "test"], VSCODE, timeout=300)
    assert result.returncode == 0, output(result)


def test_vscode_end_to_end() -> None:
    require_node_modules()
    if not code_server().exists():
        missing(f"code-server is not installed at {code_server()}")
    if not os.path.exists(os.environ.get("SHAPELENS_E2E_CHROMIUM", "/usr/bin/chromium")):
        missing("chromium is not installed")
    packaged = run(["npm", "run", "package"], VSCODE, timeout=300)
    assert packaged.returncode == 0, output(packaged)
    env = {
        **os.environ,
        "SHAPELENS_E2E_PYTHON": sys.executable,
        "SHAPELENS_E2E_CODE_SERVER": str(code_server()),
        "SHAPELENS_E2E_VSIX": str(VSCODE / "shapelens.vsix"),
        "SHAPELENS_E2E_ARTIFACTS": str(ARTIFACTS / "vscode"),
    }
    result = run(["node", "e2e/run.mjs"], VSCODE, timeout=900, env=env)
    print(result.stdout)
    assert result.returncode == 0, output(result)
