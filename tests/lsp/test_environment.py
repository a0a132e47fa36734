"""The Keras of the workspace's virtual environment, read from package metadata, picks the
verdicts when shapelens.kerasVersion is not set."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_lsp import LanguageClient

from server.environment import installed_keras
from tests.lsp.helpers import Document, eventually, write
from tests.lsp.test_config import LEGACY_EMBEDDING, severities


def fake_venv(root: Path, packages: dict[str, str], name: str = ".venv",
              marked: bool = True) -> Path:
    """A virtual environment holding only the metadata of `packages` (name -> version)."""
    venv = root / name
    site = venv / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    if marked:
        (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    for package, version in packages.items():
        info = site / f"{package.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n")
    return site


@pytest.mark.parametrize(("packages", "expected", "why"), [
    ({"keras": "2.15.0", "tensorflow": "2.15.1"}, "2", "keras 2.15.0"),
    ({"keras": "3.15.1", "tensorflow-cpu": "2.21.0"}, "3", "keras 3.15.1"),
    ({"tensorflow": "2.12.0"}, "2", "tensorflow 2.12.0"),
    ({"tensorflow-cpu": "2.16.1"}, "3", "tensorflow-cpu 2.16.1"),
])
def test_the_installed_keras_decides(tmp_path: Path, packages: dict[str, str], expected: str,
                                     why: str) -> None:
    site = fake_venv(tmp_path, packages)
    found = installed_keras([tmp_path])
    assert found is not None
    assert (found.keras_version, found.why, found.site_packages) == (expected, why, site)


def test_no_keras_no_verdict(tmp_path: Path) -> None:
    fake_venv(tmp_path, {"numpy": "2.0.0"})
    fake_venv(tmp_path, {"keras": "2.15.0"}, name="venv", marked=False)  # not a venv
    assert installed_keras([tmp_path]) is None
    assert installed_keras([]) is None


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A project whose .venv has tf.keras 2 (TensorFlow 2.15), there before the server
    starts."""
    root = tmp_path / "project"
    root.mkdir()
    fake_venv(root, {"keras": "2.15.0", "tensorflow": "2.15.1"})
    return root


@pytest.mark.lsp
@pytest.mark.asyncio
@pytest.mark.server_log
async def test_the_server_follows_the_installed_keras_and_says_so(
        client: LanguageClient, workspace: Path, server_log: Path) -> None:
    document = Document(client, write(workspace, "legacy.py", LEGACY_EMBEDDING)).open()
    assert severities(await document.diagnostics()) == {}  # tf.keras 2: input_length counts
    await eventually(lambda: "keras 2.15.0 installed in" in server_log.read_text(), "the log")
    assert "Keras 2 verdicts" in server_log.read_text()


@pytest.mark.lsp
@pytest.mark.asyncio
@pytest.mark.init_options({"shapelens": {"kerasVersion": "3"}})
async def test_the_setting_wins_over_the_installed_keras(client: LanguageClient,
                                                         workspace: Path) -> None:
    document = Document(client, write(workspace, "legacy.py", LEGACY_EMBEDDING)).open()
    assert list(severities(await document.diagnostics())) == ["SL401"]
