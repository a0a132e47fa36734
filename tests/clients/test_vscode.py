"""The VS Code extension: lint, unit tests, packaging (the .vsix carries Shapelens and its
pure-Python dependencies in bundled/libs, and the wheel of the Python package, which is not on
the package index), and an end-to-end run of the packaged .vsix in a
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
    for module in ("server/cli.py", "server/app.py", "shape_engine/cli.py"):
        assert module in files, f"the bundled wheel has no {module}"
    assert not [f for f in files if "__pycache__" in f or f.startswith("tests/")], sorted(files)
    metadata = email.parser.Parser().parsestr(
        wheel.read(f"shapelens-{version}.dist-info/METADATA").decode())
    required = {re.split(r"[^A-Za-z0-9_.-]", r, maxsplit=1)[0].lower()
                for r in metadata.get_all("Requires-Dist") or []}
    assert {"pygls", "lsprotocol", "jedi"} <= required, required
    entry_points = wheel.read(f"shapelens-{version}.dist-info/entry_points.txt").decode()
    assert "shapelens = server.cli:main" in entry_points, entry_points


# What the server imports, all pure Python: the .vsix carries them so the user installs nothing.
BUNDLED_PACKAGES = ("shape_engine/__init__.py", "server/__main__.py", "pygls/__init__.py",
                    "lsprotocol/__init__.py", "jedi/__init__.py", "parso/__init__.py",
                    "attrs/__init__.py", "cattrs/__init__.py", "typing_extensions.py",
                    # cattrs needs it before Python 3.11, whatever Python packaged the .vsix
                    "exceptiongroup/__init__.py")


def check_vsix_bundles_the_libraries(vsix: Path) -> None:
    """bundled/libs holds Shapelens and its dependencies, with no compiled file."""
    prefix = "extension/bundled/libs/"
    with zipfile.ZipFile(vsix) as package:
        names = [n[len(prefix):] for n in package.namelist() if n.startswith(prefix)]
    for module in BUNDLED_PACKAGES:
        assert module in names, f"{vsix} has no bundled/libs/{module}"
    assert f"shapelens-{project_version()}.dist-info/METADATA" in names
    compiled = [n for n in names if n.endswith((".so", ".pyd", ".pyc", ".dll", ".dylib"))]
    assert not compiled, compiled
    # Console scripts would name the packager's Python.
    assert not [n for n in names if n.startswith("bin/")]


def test_vscode_end_to_end() -> None:
    """Packages the extension (bundling the libraries from the package index), then runs
    e2e/run.mjs: the server runs from the bundled libraries with a fresh venv's Python that has
    no Shapelens; besides the editor features, it checks that with importStrategy
    fromEnvironment the install command offered for that venv installs the bundled wheel, and
    that the server then runs from the venv (needs the package index)."""
    require_node_modules()
    # The wheel is built with the interpreter under test.
    packaged = run(["npm", "run", "package"], VSCODE, timeout=300,
                   env={**os.environ, "SHAPELENS_PYTHON": sys.executable})
    assert packaged.returncode == 0, output(packaged)
    vsix = VSCODE / "shapelens.vsix"
    check_vsix_bundles_the_wheel(vsix)
    check_vsix_bundles_the_libraries(vsix)
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
