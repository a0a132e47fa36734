"""The Neovim client, end to end: a headless real Neovim (Debian's 0.7 or newer) runs
clients/neovim/test/e2e.lua against the real Shapelens server, started by the module's default
command, `shapelens serve`."""

from __future__ import annotations

import json
import os
import shutil
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.clients.expectations import expectations
from tests.clients.support import ARTIFACTS, FIXTURES, NEOVIM, missing, output, run

pytestmark = pytest.mark.editor


def test_neovim_end_to_end(tmp_path: Path) -> None:
    nvim = shutil.which("nvim")
    if nvim is None:
        missing("nvim is not installed")
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    for fixture in FIXTURES.glob("*.py"):
        shutil.copy(fixture, workspace / fixture.name)
    expected = tmp_path / "expectations.json"
    expected.write_text(json.dumps(expectations(FIXTURES)))
    # The module's default command, `shapelens serve`, is what runs: the `shapelens` script of
    # the interpreter running the tests comes first on PATH, so the server is the checkout
    # under test.
    scripts = sysconfig.get_path("scripts")
    path = os.pathsep.join([scripts, os.environ.get("PATH", "")])
    shapelens = shutil.which("shapelens", path=path)
    if shapelens is None or Path(shapelens).parent != Path(scripts):
        pytest.fail(f"no shapelens script in {scripts}: install the checkout with "
                    f"`{sys.executable} -m pip install -e .`", pytrace=False)
    env = {
        **{k: v for k, v in os.environ.items() if k != "SHAPELENS_NVIM_CMD"},
        "PATH": path,
        "SHAPELENS_NVIM_EXPECTATIONS": str(expected),
        "SHAPELENS_NVIM_WORKSPACE": str(workspace),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    script = NEOVIM / "test" / "e2e.lua"
    result = run([nvim, "--headless", "--clean", "-u", "NONE", "-c", f"luafile {script}"],
                 workspace, timeout=300, env=env)
    print(result.stdout)
    (ARTIFACTS / "neovim").mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "neovim" / "e2e.log").write_text(output(result))
    assert result.returncode == 0, output(result)
    assert "PASS" in result.stdout, output(result)
