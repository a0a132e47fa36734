"""No user code ever runs: not in the CLI, not in the engine, not in the language server.

The workspace below would leave a marker file, connect to a socket the test listens on and
end the process (os._exit, sys.exit) if any of its files were imported or any of its code
executed: at module level, in functions called by name, in class bodies, default arguments,
decorators, `__import__`, `if __name__ == "__main__"`, `sitecustomize`-like and stdlib-like
module names. It imports modules that do not exist and its sibling modules, and its model
builders (which the engine follows) would run all of that if they were called for real.

Modules named `tensorflow`, `numpy`, `keras`, `tf_keras`, `sklearn` and `pandas` are put first
on the path of every process started here: importing one leaves a marker too. The data files
the script names are read by their headers only: `data.npy` holds a pickle that leaves a
marker when loaded (as numpy's np.load(..., allow_pickle=True) would).

The workspace also holds a virtual environment and a conda environment whose `bin/python`
leaves a marker, named by VIRTUAL_ENV and CONDA_PREFIX as in a terminal where the user
activated them (jedi would start that interpreter), and `server` and `shape_engine` packages
that a command resolving modules from the current folder (`python -m server`) would run. So
the tests show both that nothing of the user's runs and that neither the CLI nor the server
imports those.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest

from shape_engine.analysis import analyze_bytes
from shape_engine.imports import filesystem_resolver

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("tensorflow", "numpy", "keras", "tf_keras", "sklearn", "pandas")
GIVE_UP_S = 300  # a hang becomes a failure, long after any normal run


class _Unpickled:
    """Leaves a marker when unpickled (numpy's np.load(..., allow_pickle=True) would)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


def _pickled_npy(marker: Path) -> bytes:
    """A `.npy` file of one object whose pickle opens `marker` when loaded."""
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    return (b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode()
            + pickle.dumps(_Unpickled(marker)))


@dataclass
class Workspace:
    root: Path
    markers: Path  # a folder: any file in it means something ran
    poison: Path  # the folder with the heavy modules that must never be imported
    listener: socket.socket

    def executed(self) -> list[str]:
        return sorted(p.read_text(encoding="utf-8").strip() for p in self.markers.iterdir())

    def connected(self) -> bool:
        try:
            connection, _ = self.listener.accept()
        except BlockingIOError:
            return False
        connection.close()
        return True

    def assert_nothing_ran(self) -> None:
        assert self.executed() == []
        assert not self.connected(), "user code connected to the test's socket"

    def env(self) -> dict[str, str]:
        path = os.pathsep.join([str(self.poison), str(REPO),
                                *filter(None, [os.environ.get("PYTHONPATH")])])
        return {**os.environ, "PYTHONPATH": path, "VIRTUAL_ENV": str(self.root / ".venv"),
                "CONDA_PREFIX": str(self.root / "conda")}


def _boom(markers: Path, port: int) -> str:
    """The code every file carries: mark, connect, exit."""
    return textwrap.dedent(f"""\
        def _boom(where):
            import os, socket, sys, tempfile
            handle, _ = tempfile.mkstemp(dir={str(markers)!r})
            os.write(handle, where.encode())
            os.close(handle)
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=2).close()
            except OSError:
                pass
            os._exit(17)
        """)


TRAIN = '''\
"""The script a user runs: every way of running code at import time, and a broken model."""
import os
import sys
import importlib

import does_not_exist
from nowhere.at.all import something
from . import relative_sibling
import helpers
from models import build_model, UNITS
from package import sub
from package.sub import SIZE
import sitecustomize, usercustomize, json as stdlib_json_or_not
import keras
import numpy as np
import pandas as pd

_boom("train.py at module level")
# Data files are read by their headers: the pickle inside data.npy is never loaded.
blob = np.load("data.npy", allow_pickle=True)
frame = pd.read_csv("data.csv")
__import__("helpers")
__import__("os").system("touch hacked")
importlib.import_module("models")
exec("_boom('exec')")
eval("_boom('eval')")
compile("_boom('compiled')", "x", "exec")
os.system("echo hacked")
open("written-by-user-code", "w").write("x")


def called_by_name(x=_boom("a default argument")):
    _boom("a function called by name")
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(UNITS)])


@_boom
def decorated():
    return _boom("a decorated function")


class Model(metaclass=_boom("a metaclass")):
    _boom("a class body")
    size = _boom("a class attribute")

    def __init_subclass__(cls):
        _boom("__init_subclass__")


lambda_default = lambda x=_boom("a lambda default"): x
comprehension = [_boom("a comprehension") for _ in range(3)]
walrus = (value := _boom("a walrus"))
formatted = f"{_boom('an f-string')}"
called_by_name()
model = build_model()
head = called_by_name()
broken = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8), keras.layers.Conv2D(2, 3)])
x = np.zeros((16, 4))
model.fit(x, np.zeros((16, 3)), callbacks=[_boom("a callback")])

if __name__ == "__main__":
    _boom("the main guard")
    sys.exit(3)

sys.exit(4)
os._exit(5)
raise SystemExit(6)
'''

HELPERS = '''\
_boom("helpers.py at module level")
import keras
UNITS = 10


def make_layer(units):
    _boom("a helper called by a builder")
    return keras.layers.Dense(units)
'''

MODELS = '''\
import keras
from helpers import UNITS, make_layer
import also_missing
_boom("models.py at module level")


def build_model(units=UNITS, extra=_boom("a default in another module")):
    _boom("a builder")
    model = keras.Sequential([keras.Input((4,)), make_layer(units)])
    model.compile(optimizer="adam", loss="mse")
    return model
'''

# Files named like modules Python or tools import on their own, and like the standard library.
AUTOMATIC = ("sitecustomize", "usercustomize", "conftest", "setup", "__main__", "json", "ast",
             "re", "typing", "enum", "tensorflow", "keras", "numpy", "jedi", "pygls")


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    root, markers, poison = tmp_path / "project", tmp_path / "markers", tmp_path / "poison"
    for folder in (root, markers, poison, root / "package"):
        folder.mkdir()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    boom = _boom(markers, listener.getsockname()[1])
    files = {"train.py": TRAIN, "helpers.py": HELPERS, "models.py": MODELS,
             "package/__init__.py": "_boom('a package')\n",
             "package/sub.py": "_boom('a submodule')\nSIZE = 3\n",
             "evil.pth": "import os; os._exit(9)\n"}
    files |= {f"{name}.py": f"_boom({name!r})\nimport sys\nsys.exit(8)\n" for name in AUTOMATIC}
    for name, body in files.items():
        text = body if name.endswith(".pth") else boom + "\n" + body
        (root / name).write_text(text, encoding="utf-8")
    (root / "data.npy").write_bytes(_pickled_npy(markers / "unpickled"))
    (root / "data.csv").write_text("a,b\n1,2\n")
    for package in ("server", "shape_engine"):  # what `python -m server` would run
        (root / package).mkdir()
        for module in ("__init__", "__main__"):
            (root / package / f"{module}.py").write_text(
                boom + f"\n_boom('{package}/{module}.py')\n", encoding="utf-8")
    for environment in (".venv", "conda"):  # activated environments inside the workspace
        (root / environment / "bin").mkdir(parents=True)
        python = root / environment / "bin" / "python"
        python.write_text(f"#!/bin/sh\necho '{environment}/bin/python' "
                          f"> \"$(mktemp {markers}/python.XXXXXX)\"\nexit 1\n")
        python.chmod(0o755)
    for name in HEAVY:
        (poison / name).mkdir()
        (poison / name / "__init__.py").write_text(
            f"open({str(markers / ('imported-' + name))!r}, 'w').write('imported {name}')\n"
            f"raise ImportError('{name} must not be imported')\n", encoding="utf-8")
    yield Workspace(root, markers, poison, listener)
    listener.close()


def _shapelens_command() -> list[str] | None:
    """The installed `shapelens` command (the checkout comes first on PYTHONPATH). Not
    `python -m shape_engine`: that puts the working folder first on sys.path, where the
    workspace's json.py and ast.py would shadow the standard library."""
    installed = shutil.which("shapelens")
    if installed is not None:
        return [installed]
    if sys.version_info >= (3, 11):
        return [sys.executable, "-P", "-m", "shape_engine"]  # -P: no unsafe sys.path[0]
    return None


def _shapelens(workspace: Workspace, *args: str) -> subprocess.CompletedProcess[str]:
    """`shapelens ARGS`, run from the workspace as a user would."""
    command = _shapelens_command()
    if command is None:
        pytest.skip("no shapelens command: `pip install -e .` installs it")
    return subprocess.run([*command, *args], cwd=workspace.root, env=workspace.env(),
                          capture_output=True, text=True, timeout=GIVE_UP_S, check=False)


def test_the_traps_work(workspace: Workspace) -> None:
    """Control: running a workspace file, or importing a heavy module, is seen."""
    ran = subprocess.run([sys.executable, "-I", str(workspace.root / "helpers.py")],
                         cwd=workspace.root, capture_output=True, timeout=GIVE_UP_S,
                         check=False)
    assert ran.returncode == 17
    assert workspace.executed() == ["helpers.py at module level"]
    assert workspace.connected()
    subprocess.run([sys.executable, "-c", "import numpy"], env=workspace.env(),
                   cwd=workspace.markers, capture_output=True, timeout=GIVE_UP_S, check=False)
    assert "imported numpy" in workspace.executed()
    subprocess.run([str(workspace.root / ".venv" / "bin" / "python"), "-V"],
                   capture_output=True, timeout=GIVE_UP_S, check=False)
    assert ".venv/bin/python" in workspace.executed()
    ran = subprocess.run([sys.executable, "-m", "server", "--help"], cwd=workspace.root,
                         env=workspace.env(), capture_output=True, timeout=GIVE_UP_S,
                         check=False)
    assert ran.returncode == 17  # the workspace's server package, not Shapelens'
    assert "server/__init__.py" in workspace.executed()


@pytest.mark.parametrize(("args", "status"), [
    (("check", "."), 1),
    (("check", "--format", "json", "."), 1),
    (("check", "--diff", "."), None),
    (("shapes", "."), 0),
    (("shapes", "--format", "json", "train.py", "models.py"), 0),
])
def test_the_cli_runs_nothing(workspace: Workspace, args: tuple[str, ...],
                              status: int | None) -> None:
    result = _shapelens(workspace, *args)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in ((0, 1) if status is None else (status,)), result.stderr
    if "json" in args:
        json.loads(result.stdout)
    workspace.assert_nothing_ran()


def test_the_cli_reports_the_workspace(workspace: Workspace) -> None:
    """Nothing runs, yet the engine follows the builders and constants of sibling modules."""
    result = _shapelens(workspace, "check", "--format", "json", "train.py")
    findings = json.loads(result.stdout)
    assert "SL101" in [f["code"] for f in findings]  # broken: Conv2D after Dense
    # fit's labels against the model models.build_model() builds with helpers.UNITS = 10.
    assert any("(None, 10)" in f["message"] for f in findings)
    workspace.assert_nothing_ran()


def test_the_engine_runs_nothing_in_process(workspace: Workspace) -> None:
    before = set(sys.modules)
    for path in sorted(workspace.root.rglob("*.py")):
        analyze_bytes(path.read_bytes(), str(path), filesystem_resolver(path, workspace.root))
    added = {name.split(".")[0] for name in set(sys.modules) - before}
    user_modules = {p.stem for p in workspace.root.rglob("*.py")} | {
        "package", "does_not_exist", "nowhere", "also_missing", "relative_sibling"}
    assert added & (user_modules | set(HEAVY)) == set()
    workspace.assert_nothing_ran()


ENGINE_IN_A_FRESH_PROCESS = """
import json, sys
from pathlib import Path
from shape_engine.analysis import analyze_bytes
from shape_engine.imports import filesystem_resolver

root = Path(sys.argv[1])
for path in sorted(root.rglob("*.py")):
    analyze_bytes(path.read_bytes(), str(path), filesystem_resolver(path, root))
print(json.dumps(sorted(sys.modules)))
"""


def test_the_engine_imports_nothing_heavy(workspace: Workspace) -> None:
    """In a fresh process, where nothing else could have imported them first."""
    result = subprocess.run([sys.executable, "-c", ENGINE_IN_A_FRESH_PROCESS,
                             str(workspace.root)], cwd=workspace.markers.parent,
                            env=workspace.env(), capture_output=True, text=True,
                            timeout=GIVE_UP_S, check=False)
    assert result.returncode == 0, result.stderr
    loaded = {name.split(".")[0] for name in json.loads(result.stdout)}
    assert loaded & set(HEAVY) == set()
    workspace.assert_nothing_ran()


# -- the language server -------------------------------------------------------------------------


def _server_ready() -> bool:
    """The server tests need the end-to-end stack (pytest-lsp); CI installs it."""
    try:
        import pytest_lsp  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.lsp
@pytest.mark.asyncio
@pytest.mark.skipif(not _server_ready(), reason="pytest-lsp is not installed")
async def test_the_server_runs_nothing(workspace: Workspace,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Started from the workspace as an editor starts it, with the workspace's environments
    activated: jedi resolves the sibling modules without starting their `bin/python`."""
    from lsprotocol import types
    from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

    from server.launcher import server_command
    from tests.lsp.helpers import Document, assert_no_errors, eventually, make_client

    monkeypatch.chdir(workspace.root)
    config = ClientServerConfig(server_command=server_command(),
                                client_factory=make_client, server_env=workspace.env())
    client = cast(LanguageClient, await config.start())
    root = workspace.root
    await client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("neovim@v0.7.0"), root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="project")]))
    try:
        documents = [Document(client, path).open() for path in sorted(root.rglob("*.py"))]
        train = next(d for d in documents if d.path.name == "train.py")
        codes = [str(d.code) for d in await train.diagnostics()]
        assert "SL101" in codes
        await train.hover(train.find("build_model()", offset=1))
        await train.inlay_hints()
        await train.code_actions(types.Range(types.Position(0, 0), types.Position(80, 0)))
        result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
            command="shapelens.checkWorkspace"))
        assert result is not None and result["cancelled"] is False
        assert result["files"] == len(documents)  # every file analysed, none run
        helpers = next(d for d in documents if d.path.name == "helpers.py")
        helpers.replace_line(2, "UNITS = 12")
        helpers.save()
        client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
            types.FileEvent((root / "models.py").as_uri(), types.FileChangeType.Changed)]))
        await eventually(lambda: len(client.published) > len(documents),  # type: ignore[attr-defined]
                         "diagnostics after the change")
        # Still alive and answering.
        assert await train.hover(train.find("keras.Sequential", offset=1)) is not None
    finally:
        await client.shutdown_session()
        await client.stop()
    workspace.assert_nothing_ran()
    assert_no_errors(client)  # nothing failed and was swallowed by a handler's guard


@pytest.mark.parametrize("documented", ["launcher", "shapelens serve"])
def test_the_documented_commands_ignore_the_workspace_packages(workspace: Workspace,
                                                               documented: str) -> None:
    """`python -m server` from the workspace runs its `server` package (the control in
    test_the_traps_work); what the README and the editors run does not."""
    from server.launcher import server_command
    from tests.lsp.raw import StdioServer, initialize, notification, request

    if documented == "launcher":
        command = server_command()
    else:
        shapelens = _shapelens_command()
        if shapelens is None:
            pytest.skip("no shapelens command: `pip install -e .` installs it")
        command = [*shapelens, "serve"]
    server = StdioServer(cwd=workspace.root, env=workspace.env(), command=command)
    try:
        assert "result" in server.ask(initialize(1, workspace.root))
        assert server.ask(request(2, "shutdown")) == {"jsonrpc": "2.0", "id": 2, "result": None}
        server.send(notification("exit"))
        assert server.exit_code() == 0
    finally:
        server.close()
    workspace.assert_nothing_ran()
