"""End-to-end fixtures: the real server process (started as the VS Code client starts it,
`python -c LAUNCHER`) driven over stdio by pytest-lsp.

`client` is parametrized over two client profiles:
- "neovim": Neovim 0.7's capabilities (the Neovim shipped by Debian): diagnostics are pushed,
  no workspace/configuration, no inlay hints, no documentChanges in edits.
- "vscode": VS Code's capabilities plus what current VS Code adds (pull diagnostics with
  refresh, inlay hints with refresh, notebook document sync): diagnostics are pulled.

Each test gets its own workspace folder (`workspace`); `@pytest.mark.init_options({...})`
sets the initializationOptions, `@pytest.mark.configuration({...})` what the client answers
to workspace/configuration.

After each test the server must have logged no error to the client (window/logMessage of
type Error): a handler's guard that caught an exception fails the test. Tests that make the
server fail on purpose say so with `@pytest.mark.logs_errors`.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import cast

import pytest
import pytest_asyncio
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from server.launcher import server_command
from tests.lsp.helpers import PROFILES, assert_no_errors, make_client

REPO = Path(__file__).resolve().parents[2]
SERVER_COMMAND = server_command()
SERVER_ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(
    [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "init_options(value): initializationOptions to send")
    config.addinivalue_line("markers", "configuration(value): workspace/configuration answer")
    config.addinivalue_line("markers", "profiles(*names): run only with these client profiles")
    config.addinivalue_line("markers", "server_env(**env): extra environment for the server")
    config.addinivalue_line("markers", "server_log: the server writes its log (INFO and up) "
                                       "to the file `server_log` names")
    config.addinivalue_line("markers", "position_encodings(*kinds): what the client offers")
    config.addinivalue_line("markers", "logs_errors: the server is expected to log errors "
                                       "(every other test fails if it logs one)")


def capabilities(profile: str) -> types.ClientCapabilities:
    if profile == "neovim":
        return client_capabilities("neovim@v0.7.0")
    caps = client_capabilities("visual-studio-code")
    assert caps.text_document is not None and caps.workspace is not None
    caps.text_document.diagnostic = types.DiagnosticClientCapabilities(
        dynamic_registration=False, related_document_support=False)
    caps.text_document.inlay_hint = types.InlayHintClientCapabilities(
        dynamic_registration=False)
    caps.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(
        refresh_support=True)
    caps.workspace.inlay_hint = types.InlayHintWorkspaceClientCapabilities(refresh_support=True)
    caps.notebook_document = types.NotebookDocumentClientCapabilities(
        synchronization=types.NotebookDocumentSyncClientCapabilities(
            dynamic_registration=True, execution_summary_support=True))
    return caps


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    return root


def _marker_value(request: pytest.FixtureRequest, name: str) -> object:
    marker = request.node.get_closest_marker(name)
    return marker.args[0] if marker and marker.args else None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Each test runs with every client profile, or those its `profiles` marker names."""
    if "profile" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("profiles")
        metafunc.parametrize("profile", list(marker.args) if marker else PROFILES)


@pytest.fixture
def server_log(tmp_path: Path) -> Path:
    """Where the server writes its log, in tests marked `server_log`."""
    return tmp_path / "server.log"


def _server_config(request: pytest.FixtureRequest, log: Path) -> ClientServerConfig:
    marker = request.node.get_closest_marker("server_env")
    env = {**SERVER_ENV, **(marker.kwargs if marker else {})}
    args = ["--log-file", str(log)] if request.node.get_closest_marker("server_log") else []
    return ClientServerConfig(server_command=[*SERVER_COMMAND, *args],
                              client_factory=make_client, server_env=env)


@pytest_asyncio.fixture
async def client(request: pytest.FixtureRequest, profile: str, workspace: Path,
                 server_log: Path) -> AsyncIterator[LanguageClient]:
    """An initialized client (see the module docstring); shut down after the test."""
    caps = capabilities(profile)
    encodings = request.node.get_closest_marker("position_encodings")
    if encodings is not None:
        caps.general = types.GeneralClientCapabilities(position_encodings=list(encodings.args))
    lsp_client = cast(LanguageClient, await _server_config(request, server_log).start())
    configuration = _marker_value(request, "configuration")
    if configuration is not None:
        lsp_client.set_configuration(configuration)
    lsp_client.profile = profile  # type: ignore[attr-defined]
    params = types.InitializeParams(
        capabilities=caps,
        root_uri=workspace.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=workspace.as_uri(), name="project")],
        initialization_options=_marker_value(request, "init_options"))
    # The server's answer, for tests of its capabilities.
    lsp_client.initialize_result = await lsp_client.initialize_session(  # type: ignore[attr-defined]
        params)
    try:
        yield lsp_client
    finally:
        try:
            await lsp_client.shutdown_session()
        finally:
            await lsp_client.stop()
    if request.node.get_closest_marker("logs_errors") is None:
        assert_no_errors(lsp_client)


# pytest-lsp's own fixture style, for the smallest smoke test of the entry point.
@pytest_lsp.fixture(config=ClientServerConfig(
    server_command=["shapelens", "serve"], client_factory=make_client, server_env=SERVER_ENV))
async def entry_point_client(lsp_client: LanguageClient, tmp_path: Path
                             ) -> AsyncIterator[None]:
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=capabilities("neovim"), root_uri=tmp_path.as_uri()))
    yield
    await lsp_client.shutdown_session()
    assert_no_errors(lsp_client)
