"""The project's configuration in the language server: the CLI's files and suppression
comments applied to open documents, the editor's settings on top, and the files read again
when they change."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from server.project import WATCHED_PATTERNS
from tests.lsp.helpers import Document, eventually, write
from tests.lsp.test_workspace import Watch

pytestmark = [pytest.mark.lsp, pytest.mark.asyncio]

# SL101 on line 4 (0-based 3), SL105 on line 5.
BROKEN = """
    import keras
    from keras import layers
    model = keras.Sequential([layers.Dense(128, input_shape=(784,)), layers.Conv2D(32, 3)])
    conv = keras.Sequential([keras.Input((8, 8, 3)), layers.Conv2D(4, 3, padding="causal")])
"""


def severities(diagnostics: Sequence[types.Diagnostic]) -> dict[object, object]:
    return {d.code: d.severity for d in diagnostics}


def configure(workspace: Path, table: str) -> Path:
    return write(workspace, "pyproject.toml", "[tool.shapelens]\n" + table)


async def test_the_projects_configuration_applies(client: LanguageClient,
                                                  workspace: Path) -> None:
    configure(workspace, """
        ignore = ["SL105"]
        severity = {SL101 = "warning"}
    """)
    document = Document(client, write(workspace, "broken.py", BROKEN)).open()
    assert severities(await document.diagnostics()) == {
        "SL101": types.DiagnosticSeverity.Warning}


async def test_per_file_ignores_and_exclude(client: LanguageClient, workspace: Path) -> None:
    configure(workspace, """
        per-file-ignores = {"scripts/*.py" = ["SL101"]}
        extend-exclude = ["generated"]
    """)
    script = Document(client, write(workspace, "scripts/s.py", BROKEN)).open()
    assert list(severities(await script.diagnostics())) == ["SL105"]
    generated = Document(client, write(workspace, "generated/g.py", BROKEN)).open()
    assert await generated.diagnostics() == []


async def test_suppression_comments_in_the_editor(client: LanguageClient,
                                                  workspace: Path) -> None:
    configure(workspace, 'extend-select = ["SL901"]\n')
    text = BROKEN.replace("layers.Conv2D(32, 3)])", "layers.Conv2D(32, 3)])  # noqa: SL101")
    text = text.replace("import keras\n", "import keras  # noqa: SL202\n")
    document = Document(client, write(workspace, "broken.py", text)).open()
    found = await document.diagnostics()
    assert sorted(str(d.code) for d in found) == ["SL105", "SL901"]
    unused = next(d for d in found if d.code == "SL901")
    assert unused.range.start.line == 0 and unused.severity == types.DiagnosticSeverity.Warning
    actions = await document.code_actions(unused.range, only=[types.CodeActionKind.QuickFix])
    assert [a.title for a in actions] == ["Remove the unused suppression"]


@pytest.mark.init_options({"shapelens": {"severity": {"SL101": "error", "SL105": "hint"}}})
async def test_the_editors_settings_go_on_top(client: LanguageClient, workspace: Path) -> None:
    configure(workspace, 'ignore = ["SL101"]\nseverity = {SL105 = "off"}\n')
    document = Document(client, write(workspace, "broken.py", BROKEN)).open()
    assert severities(await document.diagnostics()) == {
        "SL101": types.DiagnosticSeverity.Error, "SL105": types.DiagnosticSeverity.Hint}


async def test_an_unusable_configuration_is_reported_and_the_defaults_apply(
        client: LanguageClient, workspace: Path) -> None:
    config = configure(workspace, 'ignore = ["SL101"]\nselct = ["SL1"]\n')
    document = Document(client, write(workspace, "broken.py", BROKEN)).open()
    assert set(severities(await document.diagnostics())) == {"SL101", "SL105"}
    shown = await eventually(lambda: [m for m in client.messages
                                      if "Shapelens configuration" in m.message], "a message")
    assert shown[0].type == types.MessageType.Warning
    assert f"{config}: unknown key 'tool.shapelens.selct'" in shown[0].message


@pytest.mark.profiles("vscode")
async def test_a_changed_configuration_is_read_again(client: LanguageClient,
                                                     workspace: Path) -> None:
    registrations = await eventually(lambda: [
        r for r in client.registrations  # type: ignore[attr-defined]
        if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES], "watched files")
    options = registrations[0].register_options  # the client keeps it as JSON
    patterns = {w["globPattern"] for w in options["watchers"]}
    assert set(WATCHED_PATTERNS) == {"**/pyproject.toml", "**/shapelens.toml",
                                     "**/.shapelens.toml"}
    assert set(WATCHED_PATTERNS) <= patterns
    document = Document(client, write(workspace, "broken.py", BROKEN)).open()
    assert set(severities(await document.diagnostics())) == {"SL101", "SL105"}
    watch = Watch(client, document)
    config = write(workspace, ".shapelens.toml", 'ignore = ["SL105"]\n')
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(config.resolve().as_uri(), types.FileChangeType.Created)]))
    assert await watch.becomes(["SL101"]) == ["SL101"]
    config.unlink()
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent((workspace / ".shapelens.toml").as_uri(),
                        types.FileChangeType.Deleted)]))
    assert await watch.becomes(["SL101", "SL105"]) == ["SL101", "SL105"]


@pytest.mark.profiles("neovim")
async def test_without_watched_files_a_changed_configuration_counts_at_the_next_edit(
        client: LanguageClient, workspace: Path) -> None:
    """Neovim 0.7 watches no files: the configuration's new contents are read when the
    document's diagnostics are next made."""
    config = configure(workspace, 'ignore = ["SL105"]\n')
    document = Document(client, write(workspace, "broken.py", BROKEN)).open()
    assert set(severities(await document.diagnostics())) == {"SL101"}
    config.write_text('[tool.shapelens]\nignore = ["SL101", "SL102"]\n')
    document.replace_line(0, "import keras  # edited")
    await eventually(lambda: {d.code for d in client.diagnostics.get(document.uri, [])}
                     == {"SL105"}, "the new configuration")


async def test_check_workspace_follows_the_configuration(client: LanguageClient,
                                                         workspace: Path) -> None:
    """Files the configuration excludes are not walked; the others' findings are selected
    and suppressed as in open documents."""
    configure(workspace, 'extend-exclude = ["generated"]\nignore = ["SL105"]\n')
    write(workspace, "generated/g.py", BROKEN)
    write(workspace, "app.py", BROKEN)
    write(workspace, "quiet.py", "# shapelens: noqa\n" + BROKEN)
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="shapelens.checkWorkspace"))
    assert result == {"files": 2, "findings": 1, "cancelled": False}
    app = (workspace / "app.py").as_uri()
    await eventually(lambda: app in client.diagnostics, "diagnostics of a closed file")
    assert [d.code for d in client.diagnostics[app]] == ["SL101"]
    assert (workspace / "generated" / "g.py").as_uri() not in client.diagnostics


async def test_a_hover_says_nothing_of_a_suppressed_finding(client: LanguageClient,
                                                            workspace: Path) -> None:
    def hover_text(found: types.Hover | None) -> str:
        assert found is not None and isinstance(found.contents, types.MarkupContent)
        return found.contents.value

    plain = Document(client, write(workspace, "plain.py", BROKEN)).open()
    await plain.diagnostics()
    assert "SL101" in hover_text(await plain.hover(plain.find("Conv2D(32")))
    text = BROKEN.replace("layers.Conv2D(32, 3)])", "layers.Conv2D(32, 3)])  # noqa: SL101")
    quiet = Document(client, write(workspace, "quiet.py", text)).open()
    await quiet.diagnostics()
    assert "SL101" not in hover_text(await quiet.hover(quiet.find("Conv2D(32")))


async def test_the_projects_size_limit_applies_unless_the_editor_sets_one(
        client: LanguageClient, workspace: Path) -> None:
    configure(workspace, "max-file-size = 100\n")
    document = Document(client, write(workspace, "broken.py", BROKEN)).open()
    assert list(severities(await document.diagnostics())) == ["SL004"]


@pytest.mark.init_options({"shapelens": {"maxFileSize": "1MB"}})
async def test_the_editors_size_limit_wins(client: LanguageClient, workspace: Path) -> None:
    configure(workspace, "max-file-size = 100\n")
    document = Document(client, write(workspace, "broken.py", BROKEN)).open()
    assert set(severities(await document.diagnostics())) == {"SL101", "SL105"}


async def test_an_invalid_editor_size_limit_leaves_the_projects() -> None:
    from server.config import parse

    assert parse({"shapelens": {"maxFileSize": "1MB"}}).max_file_size_given
    assert parse({"shapelens": {"maxFileSize": 0}}).max_file_size_given  # 0: no limit
    assert not parse({"shapelens": {"maxFileSize": "huge"}}).max_file_size_given
    assert not parse({"shapelens": {}}).max_file_size_given



LEGACY_EMBEDDING = """
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([layers.Embedding(100, 8, input_length=5), layers.Flatten(),
                              layers.Dense(1)])
"""


async def test_the_projects_keras_version_applies(client: LanguageClient,
                                                  workspace: Path) -> None:
    """tf.keras 2 takes input_length as the input (tests/checks/test_keras_versions.py checks
    it in tf.keras 2): no SL401 where the project says keras-version 2; Keras 3 ignores it
    (SL401) in a folder whose nearer configuration does not say so."""
    configure(workspace, 'keras-version = "2"\n')
    write(workspace, "modern/shapelens.toml", "")
    legacy = Document(client, write(workspace, "legacy.py", LEGACY_EMBEDDING)).open()
    modern = Document(client, write(workspace, "modern/legacy.py", LEGACY_EMBEDDING)).open()
    assert await legacy.diagnostics() == []
    assert list(severities(await modern.diagnostics())) == ["SL401"]
