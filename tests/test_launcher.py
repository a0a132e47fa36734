"""The command editors run: the VS Code client's launcher is the server's (server/launcher.py)."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from server.launcher import BUNDLED_LAUNCHER, LAUNCHER, server_command

REPO = Path(__file__).resolve().parents[1]


def test_the_vscode_client_runs_the_same_launcher() -> None:
    source = (REPO / "clients" / "vscode" / "src" / "interpreter.ts").read_text(encoding="utf-8")
    found = re.search(r'export const SERVER_LAUNCHER = (".*");', source)
    assert found is not None
    assert json.loads(found.group(1)) == LAUNCHER
    bundled = re.search(r'export const BUNDLED_LAUNCHER = (".*");', source)
    assert bundled is not None
    assert json.loads(bundled.group(1)) == BUNDLED_LAUNCHER
    assert "'-m', SERVER_MODULE" not in source


def test_no_document_offers_python_m_server() -> None:
    documents = [REPO / "README.md", *sorted((REPO / "clients").glob("*/README.md")),
                 REPO / "clients" / "vscode" / "package.json"]
    for document in documents:
        assert "-m server" not in document.read_text(encoding="utf-8"), document


def _lsp_messages(*messages: dict[str, object]) -> bytes:
    out = b""
    for message in messages:
        body = json.dumps(message).encode()
        out += b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    return out


def test_the_bundled_launcher_serves_from_its_libraries_alone(tmp_path: Path) -> None:
    """What the VS Code extension's `useBundled` runs: an interpreter without site-packages
    (`-S`, `-E`: as a Python with no Shapelens installed) serves from the libraries folder given
    as the first argument, and a `server` package in the current folder is not imported."""
    libs = tmp_path / "libs"
    libs.mkdir()
    for module in ("shape_engine", "server", "pygls", "lsprotocol", "jedi", "parso", "attr",
                   "attrs", "cattr", "cattrs", "typing_extensions"):
        spec = importlib.util.find_spec(module)
        assert spec is not None and spec.origin is not None, module
        origin = Path(spec.origin)
        source = origin.parent if origin.name == "__init__.py" else origin
        (libs / source.name).symlink_to(source)
    workspace = tmp_path / "workspace"
    (workspace / "server").mkdir(parents=True)
    (workspace / "server" / "__init__.py").write_text("raise SystemExit('the decoy ran')\n")
    isolated = [sys.executable, "-S", "-E"]
    bare = subprocess.run([*isolated, "-c", "import shape_engine"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=False)
    assert bare.returncode != 0, "shape_engine is importable without site-packages"
    initialize = _lsp_messages({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                                "params": {"processId": None, "rootUri": None,
                                           "capabilities": {}}})
    python, *launcher = server_command(sys.executable, str(libs))
    with subprocess.Popen([python, "-S", "-E", *launcher], cwd=workspace,
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE) as served:
        assert served.stdin is not None and served.stdout is not None
        served.stdin.write(initialize)
        served.stdin.flush()
        length = 0
        while header := served.stdout.readline().strip():
            if header.lower().startswith(b"content-length:"):
                length = int(header.split(b":")[1])
        answer = json.loads(served.stdout.read(length))
        served.kill()
        errors = served.communicate(timeout=60)[1]
    assert b"the decoy ran" not in errors, errors
    assert answer["id"] == 1 and "hoverProvider" in answer["result"]["capabilities"], answer


def test_the_engine_cli_leaves_serving_to_the_server(capsys: pytest.CaptureFixture[str]) -> None:
    """shape_engine never imports the server: its `main` alone says where `serve` is, and the
    `shapelens` script's `main` (server.cli) runs the server."""
    from server.cli import main as shapelens
    from shape_engine.cli import main as engine

    assert engine(["serve"]) == 2
    assert "`shapelens` command" in capsys.readouterr().err
    assert shapelens(["serve", "--help"]) == 0
    assert "--tcp HOST:PORT" in capsys.readouterr().out


def test_the_shapelens_script_is_the_server_cli() -> None:
    """pyproject's console script is the one that knows `serve` (the editors run it)."""
    scripts = (REPO / "pyproject.toml").read_text(encoding="utf-8").split("[project.scripts]")[1]
    assert re.findall(r'^(\w+) = "(.*)"$', scripts.split("\n[")[0], re.M) == [
        ("shapelens", "server.cli:main")]
