"""Settings under shapelens.*: initializationOptions, workspace/configuration, changes."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.helpers import Document, eventually, pulls, write

pytestmark = [pytest.mark.lsp, pytest.mark.asyncio]

BROKEN = """
    import keras
    from keras import layers

    model = keras.Sequential([layers.Dense(128, input_shape=(784,)), layers.Conv2D(32, 3)])
    conv = keras.Sequential([keras.Input((8, 8, 3)), layers.Conv2D(4, 3, padding="causal")])
"""


def severities(diagnostics: Sequence[types.Diagnostic]) -> dict[object, object]:
    return {d.code: d.severity for d in diagnostics}


@pytest.mark.init_options({"shapelens": {"severity": {"SL101": "warning", "sl105": "off"}}})
async def test_severity_overrides_and_turning_codes_off(client: LanguageClient,
                                                        workspace: Path) -> None:
    document = Document(client, write(workspace, "broken.py", BROKEN)).open()
    assert severities(await document.diagnostics()) == {
        "SL101": types.DiagnosticSeverity.Warning}
    whole = types.Range(types.Position(0, 0), types.Position(9, 0))
    actions = await document.code_actions(whole)
    assert all(d.code != "SL105" for a in actions for d in a.diagnostics or [])


@pytest.mark.init_options({"shapelens": {"debounceMs": "soon", "inlayHints": {"enabled": 1},
                                         "severity": {"SL101": "loud", "SL999": "error"}}})
async def test_invalid_settings_are_reported_and_defaults_used(client: LanguageClient,
                                                               workspace: Path) -> None:
    message = await eventually(lambda: [m for m in client.messages
                                        if "Shapelens settings" in m.message], "a message")
    text = message[0].message
    assert message[0].type == types.MessageType.Warning
    for key in ("shapelens.debounceMs", "shapelens.inlayHints.enabled",
                "shapelens.severity.SL101", "SL999"):
        assert key in text
    document = Document(client, write(workspace, "broken.py", BROKEN)).open()
    assert severities(await document.diagnostics()) == {
        "SL101": types.DiagnosticSeverity.Error, "SL105": types.DiagnosticSeverity.Error}
    assert await document.inlay_hints()  # the default: on


@pytest.mark.profiles("vscode")
@pytest.mark.configuration({"shapelens": {"severity": {"SL101": "hint"}}})
async def test_workspace_configuration_is_asked_and_followed(client: LanguageClient,
                                                             workspace: Path) -> None:
    await eventually(lambda: any(r.method == types.WORKSPACE_DID_CHANGE_CONFIGURATION
                                 for r in client.registrations),  # type: ignore[attr-defined]
                     "registration for configuration changes")
    document = Document(client, write(workspace, "broken.py", BROKEN)).open()
    await eventually(lambda: client.diagnostic_refresh_count, "a refresh after configuration")
    assert severities(await document.diagnostics())["SL101"] == types.DiagnosticSeverity.Hint
    refreshes = client.diagnostic_refresh_count
    client.set_configuration({"shapelens": {"severity": {"SL101": "off"}}})
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await eventually(lambda: client.diagnostic_refresh_count > refreshes, "a refresh")
    assert "SL101" not in severities(await document.diagnostics())



async def pulled_until(document: Document, wanted: dict[str, types.DiagnosticSeverity]
                       ) -> dict[str, types.DiagnosticSeverity]:
    """Pull until the report has `wanted`'s severities, for at most 10 s: the opening
    analysis may ask for a refresh too, before new settings apply. The last report's."""
    for _ in range(100):
        found = severities(await document.diagnostics())
        if found == wanted:
            break
        await asyncio.sleep(0.1)
    return found

async def test_pushed_settings_change_the_diagnostics(client: LanguageClient,
                                                      workspace: Path) -> None:
    document = Document(client, write(workspace, "broken.py", BROKEN)).open()
    await document.diagnostics()
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"shapelens": {"severity": {"SL101": "info", "SL105": "ignore"}}}))
    wanted = {"SL101": types.DiagnosticSeverity.Information}
    if pulls(client):
        await eventually(lambda: client.diagnostic_refresh_count, "a refresh request")
        assert await pulled_until(document, wanted) == wanted
    else:
        await eventually(lambda: severities(client.diagnostics[document.uri]) == wanted,
                         "republished diagnostics")


# Well past the default debounce (150 ms) and the analysis of this small file, well short of
# the one set (10 s): what happens in between tells whether the setting is followed.
QUIET_S = 1.5


@pytest.mark.init_options({"shapelens": {"debounceMs": 10000}})
async def test_debounce_setting_is_used(client: LanguageClient, workspace: Path) -> None:
    document = Document(client, write(workspace, "broken.py", BROKEN)).open()
    await document.diagnostics()
    document.replace_line(4, "conv = None")
    waiting = asyncio.ensure_future(document.diagnostics())  # pulled, or waited for if pushed
    await asyncio.sleep(QUIET_S)
    assert not waiting.done(), "analysed before the 10 s of quiet were over"
    document.save()  # analyses at once
    assert list(severities(await waiting)) == ["SL101"]


async def test_a_debounce_changed_at_runtime_is_used(client: LanguageClient,
                                                 workspace: Path) -> None:
    document = Document(client, write(workspace, "broken.py", BROKEN)).open()
    await document.diagnostics()
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"shapelens": {"debounceMs": 10000}}))
    if pulls(client):
        await eventually(lambda: client.diagnostic_refresh_count, "a refresh request")
    document.replace_line(4, "conv = None")
    waiting = asyncio.ensure_future(document.diagnostics())
    await asyncio.sleep(QUIET_S)
    assert not waiting.done(), "the debounce set by didChangeConfiguration was not used"
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"shapelens": {"debounceMs": 0}}))
    document.replace_line(2, "# edited")  # the next edit waits no more
    if pulls(client):
        assert list(severities(await waiting)) == ["SL101"]  # answered for the newest version
    else:
        waiting.cancel()  # version 2 is never analysed: version 3 came first
    assert list(severities(await document.diagnostics())) == ["SL101"]


SMELLY = """
    import keras
    from keras import layers

    model = keras.Sequential([keras.Input((8, 8, 3)), layers.Conv2D(4, 3),
                              layers.BatchNormalization(), layers.Dropout(0.2),
                              layers.BatchNormalization()])
"""


@pytest.mark.init_options({"shapelens": {"severity": {"SL511": "information"}}})
async def test_a_level_turns_on_a_rule_that_is_off_by_default(client: LanguageClient,
                                                              workspace: Path) -> None:
    document = Document(client, write(workspace, "smelly.py", SMELLY)).open()
    assert severities(await document.diagnostics()) == {
        "SL511": types.DiagnosticSeverity.Information}  # SL512 stays off


LEGACY_EMBEDDING = """
    from tensorflow import keras
    from tensorflow.keras import layers

    model = keras.Sequential([layers.Embedding(100, 8, input_length=5), layers.Flatten(),
                              layers.Dense(1)])
"""


@pytest.mark.init_options({"shapelens": {"kerasVersion": "2"}})
async def test_keras_version_2_follows_tf_keras_2(client: LanguageClient,
                                                  workspace: Path) -> None:
    """tf.keras 2 takes input_length as the input (tests/checks/test_keras_versions.py
    checks it in tf.keras 2): no SL401."""
    document = Document(client, write(workspace, "legacy.py", LEGACY_EMBEDDING)).open()
    assert severities(await document.diagnostics()) == {}


async def test_a_keras_version_changed_at_runtime_is_followed(client: LanguageClient,
                                                              workspace: Path) -> None:
    document = Document(client, write(workspace, "legacy.py", LEGACY_EMBEDDING)).open()
    assert list(severities(await document.diagnostics())) == ["SL401"]
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"shapelens": {"kerasVersion": "2"}}))
    if pulls(client):
        await eventually(lambda: client.diagnostic_refresh_count, "a refresh request")
        assert await pulled_until(document, {}) == {}
    else:
        await eventually(lambda: severities(client.diagnostics[document.uri]) == {},
                         "republished diagnostics")


@pytest.mark.init_options({"shapelens": {"kerasVersion": "1"}})
async def test_an_invalid_keras_version_is_reported_and_3_used(client: LanguageClient,
                                                               workspace: Path) -> None:
    message = await eventually(lambda: [m for m in client.messages
                                        if "Shapelens settings" in m.message], "a message")
    assert "shapelens.kerasVersion" in message[0].message
    document = Document(client, write(workspace, "legacy.py", LEGACY_EMBEDDING)).open()
    assert list(severities(await document.diagnostics())) == ["SL401"]


async def test_max_file_size_setting() -> None:
    from server.config import parse
    from shape_engine.walk import DEFAULT_MAX_FILE_SIZE

    assert parse({"shapelens": {"maxFileSize": "5MB"}}).max_file_size == 5 << 20
    assert parse({"shapelens": {"maxFileSize": 4096}}).max_file_size == 4096
    assert parse({"shapelens": {"maxFileSize": 0}}).max_file_size is None  # no limit
    assert parse({}).max_file_size == DEFAULT_MAX_FILE_SIZE
    wrong = parse({"shapelens": {"maxFileSize": "huge"}})
    assert wrong.max_file_size == DEFAULT_MAX_FILE_SIZE
    assert wrong.problems == ("shapelens.maxFileSize: not a size: 'huge' (like 2MB, 512KB or "
                              "a number of bytes); using 2 MB",)


async def test_a_keras_version_left_empty_is_not_set() -> None:
    """VS Code gives "" for a string setting that has no default and is not set."""
    from server.config import parse

    settings = parse({"shapelens": {"kerasVersion": ""}})
    assert settings.keras_version is None and settings.problems == ()
