"""Ways of starting the server: over TCP, as the `shapelens serve` console script, and from
an installed package (not this checkout), whose diagnostics must link to pages that exist."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import shutil
import socket
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import REPO, SERVER_COMMAND, SERVER_ENV, capabilities
from tests.lsp.helpers import GIVE_UP_S, Document, assert_no_errors, make_client, write

pytestmark = [pytest.mark.lsp, pytest.mark.asyncio]

SOURCE = """
    import keras
    model = keras.Sequential([keras.layers.Dense(3, input_shape=(4,)),
                              keras.layers.Conv2D(2, 3)])
"""


def free_port(family: socket.AddressFamily, host: str) -> int:
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def ipv6_loopback() -> bool:
    try:
        free_port(socket.AF_INET6, "::1")
    except OSError:
        return False
    return True


async def connect(host: str, port: int, server: asyncio.subprocess.Process
                  ) -> LanguageClient:
    """A client connected to the server once it listens (it needs a moment to start)."""
    deadline = asyncio.get_running_loop().time() + GIVE_UP_S
    while True:
        client = make_client()
        try:
            await client.start_tcp(host, port)
            return client
        except OSError:
            if server.returncode is not None or asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.05)


@pytest.mark.parametrize("host", [
    "127.0.0.1",
    pytest.param("[::1]", marks=pytest.mark.skipif(
        not ipv6_loopback(), reason="this machine has no IPv6 loopback")),
])
async def test_serving_over_tcp(host: str, tmp_path: Path) -> None:
    bare = host.strip("[]")
    family = socket.AF_INET6 if ":" in bare else socket.AF_INET
    port = free_port(family, bare)
    server = await asyncio.create_subprocess_exec(
        *SERVER_COMMAND, "--tcp", f"{host}:{port}", env=SERVER_ENV,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        client = await connect(bare, port, server)
        result = await client.initialize_session(types.InitializeParams(
            capabilities=capabilities("neovim"), root_uri=tmp_path.as_uri()))
        assert result.server_info is not None and result.server_info.name == "shapelens"
        document = Document(client, write(tmp_path, "m.py", SOURCE)).open()
        assert [d.code for d in await document.diagnostics()] == ["SL101"]
        await client.shutdown_async(None)
        client.exit(None)
        assert await asyncio.wait_for(server.wait(), GIVE_UP_S) == 0
        await client.stop()
        assert_no_errors(client)
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()


@pytest.mark.skipif(shutil.which("shapelens") is None,
                    reason="the package is not installed (pip install -e .)")
async def test_the_console_script_serves(entry_point_client: LanguageClient,
                                         tmp_path: Path) -> None:
    document = Document(entry_point_client, write(tmp_path, "m.py", SOURCE)).open()
    (diagnostic,) = await document.diagnostics()
    assert diagnostic.code == "SL101" and diagnostic.source == "shapelens"


def build_and_install(target: Path, work: Path) -> None:
    """Build a wheel of the package (from a copy of what it is made of) and unpack it into
    `target`, as pip installs it."""
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    for package in ("shape_engine", "server"):
        shutil.copytree(REPO / package, source / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--wheel-dir", str(work / "dist"), str(source)],
                   check=True, capture_output=True, timeout=300)
    (wheel,) = (work / "dist").glob("shapelens-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)


@pytest.mark.skipif(importlib.util.find_spec("setuptools") is None
                    or importlib.util.find_spec("wheel") is None,
                    reason="building a wheel needs setuptools and wheel (the test extras)")
async def test_documentation_links_work_in_an_installed_package(tmp_path: Path) -> None:
    target = tmp_path / "site-packages"
    (tmp_path / "build").mkdir()
    build_and_install(target, tmp_path / "build")
    workspace = tmp_path / "project"
    workspace.mkdir()
    env = {**SERVER_ENV, "PYTHONPATH": str(target)}  # not this checkout (nor the current
    client = make_client()                          # folder, which `-m` puts first)
    await client.start_io(*SERVER_COMMAND, env=env, cwd=workspace)
    try:
        await client.initialize_session(types.InitializeParams(
            capabilities=capabilities("neovim"), root_uri=workspace.as_uri()))
        document = Document(client, write(workspace, "m.py", SOURCE)).open()
        (diagnostic,) = await document.diagnostics()
    finally:
        with contextlib.suppress(Exception):
            await client.shutdown_session()
        await client.stop()
    assert diagnostic.code_description is not None
    href = diagnostic.code_description.href
    assert href.endswith("/rules.md#sl101"), href
    page = Path(unquote(urlparse(href).path))
    assert page.is_relative_to(target), f"{href} is not in the installed package"
    assert "\n## SL101\n" in page.read_text(encoding="utf-8")
    assert_no_errors(client)
