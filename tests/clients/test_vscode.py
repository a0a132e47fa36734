"""The VS Code extension: lint, unit tests, packaging (the .vsix carries the wheel of the Python
package, which is not on the package index), and an end-to-end run of the packaged .vsix in a
real VS Code (code-server 4.100 / Code 1.100, driven in headless Chromium).

The end-to-end driver is clients/vscode/e2e/run.mjs; its screenshots and logs go to
test-artifacts/vscode/.
"""

from __future__ import annotations

import email.parser
import io
import os
import re
import sys
import zipfile
from pathlib import Path

import pytest

from tests.clients.support import (
    ARTIFACTS,
    REPO,
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


def project_version() -> str:
    """[project] version of pyproject.toml (tomllib is Python 3.11+)."""
    table = re.search(r"^\[project\]\s*$(.*?)(?=^\[|\Z)", (REPO / "pyproject.toml").read_text(),
                      re.M | re.S)
    assert table is not None, "pyproject.toml has no [project] table"
    version = re.search(r"""^version\s*=\s*["']([^"']+)["']""", table.group(1), re.M)
    assert version is not None, "pyproject.toml has no [project] version"
    return version.group(1)


def check_vsix_bundles_the_wheel(vsix: Path) -> None:
    """The .vsix holds the wheel the install notification offers, built from this checkout."""
    version = project_version()
    wheel_name = f"extension/bundled/shapelens-{version}-py3-none-any.whl"
    with zipfile.ZipFile(vsix) as package:
        names = package.namelist()
        assert wheel_name in names, f"{vsix} has no {wheel_name}: {names}"
        assert [n for n in names if n.endswith(".whl")] == [wheel_name], names
        wheel = zipfile.ZipFile(io.BytesIO(package.read(wheel_name)))
    files = set(wheel.namelist())
    for module in ("server/__main__.py", "server/app.py", "shape_engine/cli.py"):
        assert module in files, f"the bundled wheel has no {module}"
    assert not [f for f in files if "__pycache__" in f or f.startswith("tests/")], sorted(files)
    metadata = email.parser.Parser().parsestr(
        wheel.read(f"shapelens-{version}.dist-info/METADATA").decode())
    required = {re.split(r"[^A-Za-z0-9_.-]", r, maxsplit=1)[0].lower()
                for r in metadata.get_all("Requires-Dist") or []}
    assert {"pygls", "lsprotocol", "jedi"} <= required, required
    entry_points = wheel.read(f"shapelens-{version}.dist-info/entry_points.txt").decode()
    assert "shapelens = shape_engine.cli:main" in entry_points, entry_points


def test_vscode_end_to_end() -> None:
    """Packages the extension, then runs e2e/run.mjs: besides the editor features, it checks that
    the install command offered for a fresh venv installs the bundled wheel, and that the server
    then runs from that venv (needs the package index for pygls, lsprotocol and jedi)."""
    require_node_modules()
    # The wheel is built with the interpreter under test.
    packaged = run(["npm", "run", "package"], VSCODE, timeout=300,
                   env={**os.environ, "SHAPELENS_PYTHON": sys.executable})
    assert packaged.returncode == 0, output(packaged)
    vsix = VSCODE / "shapelens.vsix"
    check_vsix_bundles_the_wheel(vsix)
    if not code_server().exists():
        missing(f"code-server is not installed at {code_server()}")
    if not os.path.exists(os.environ.get("SHAPELENS_E2E_CHROMIUM", "/usr/bin/chromium")):
        missing("chromium is not installed")
    env = {
        **os.environ,
        "SHAPELENS_E2E_PYTHON": sys.executable,
        "SHAPELENS_E2E_CODE_SERVER": str(code_server()),
        "SHAPELENS_E2E_VSIX": str(vsix),
        "SHAPELENS_E2E_ARTIFACTS": str(ARTIFACTS / "vscode"),
    }
    result = run(["node", "e2e/run.mjs"], VSCODE, timeout=900, env=env)
    print(result.stdout)
    assert result.returncode == 0, output(result)
