"""Diagnostics: pushed to Neovim, pulled by VS Code; debounced, versioned, never stale."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.helpers import Document, eventually, realistic_text, write

pytestmark = [pytest.mark.lsp, pytest.mark.asyncio]

BROKEN = """
    import keras
    from keras import layers

    model = keras.Sequential([
        layers.Dense(128, input_shape=(784,)),
        layers.Conv2D(32, 3),
    ])
    conv = keras.Sequential([keras.Input((8, 8, 3)), layers.Conv2D(4, 3, padding="causal")])
"""


async def test_open_reports_each_finding_with_code_and_documentation(
        client: LanguageClient, workspace: Path) -> None:
    document = Document(client, write(workspace, "broken.py", BROKEN)).open()
    diagnostics = await document.diagnostics()
    by_code = {str(d.code): d for d in diagnostics}
    assert sorted(by_code) == ["SL101", "SL105"]
    rank = by_code["SL101"]
    assert rank.source == "shapelens"
    assert rank.severity == types.DiagnosticSeverity.Error
    assert rank.range.start == document.find("layers.Conv2D(32")
    assert rank.message.startswith("Conv2D expects a 4-D input")
    assert rank.code_description is not None
    assert_documented(rank.code_description.href, "SL101")


def assert_documented(href: str, code: str) -> Path:
    """`href` is a file:// link to a section of an existing rules page; the page's path."""
    assert href.startswith("file://") and href.endswith(f"/rules.md#{code.lower()}"), href
    page = Path(unquote(urlparse(href).path))
    assert f"\n## {code}\n" in page.read_text(encoding="utf-8")
    return page


async def test_related_information_points_at_the_layer(client: LanguageClient,
                                                       workspace: Path) -> None:
    document = Document(client, write(workspace, "broken.py", BROKEN)).open()
    argument = next(d for d in await document.diagnostics() if d.code == "SL105")
    assert argument.range.start == document.find('"causal"')
    assert argument.related_information
    related = argument.related_information[0]
    assert related.location.uri == document.uri
    assert related.location.range.start == document.find("layers.Conv2D(4")
    assert "is added here" in related.message


MISFED = """
    import keras
    import numpy as np

    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(10)])
    images = np.random.rand(64, 32, 32, 1)
    model.predict(images)
"""


async def test_related_information_points_at_the_data_and_the_input(client: LanguageClient,
                                                                     workspace: Path) -> None:
    """The two shapes that disagree: where the data was defined, where the input was."""
    document = Document(client, write(workspace, "misfed.py", MISFED)).open()
    (mismatch,) = await document.diagnostics()
    assert mismatch.code == "SL201"
    assert mismatch.range.start == document.find("images)")
    assert mismatch.related_information is not None
    found = [(r.location.uri, r.location.range, r.message) for r in mismatch.related_information]
    def at(needle: str) -> types.Range:
        start = document.find(needle)
        return types.Range(start, types.Position(start.line, start.character + len(needle)))
    assert found == [
        (document.uri, at("images"), "x (images) is defined here"),
        (document.uri, at("keras.Input((28, 28, 1))"),
         "the model input is declared here: (None, 28, 28, 1)"),
        (document.uri, at("keras.layers.Dense(10)"), "Dense(10) is added here"),
    ]


@pytest.mark.init_options({"shapelens": {"debounceMs": 0}})
async def test_an_edit_is_analysed_again(client: LanguageClient, workspace: Path) -> None:
    document = Document(client, write(workspace, "broken.py", BROKEN)).open()
    assert len(await document.diagnostics()) == 2
    document.replace_line(5, "    layers.Reshape((8, 16, 1)),")
    assert [d.code for d in await document.diagnostics()] == ["SL105"]
    document.replace_line(7, "conv = None")
    assert await document.diagnostics() == []


@pytest.mark.init_options({"shapelens": {"debounceMs": 0}})
async def test_rapid_edits_end_with_the_last_version(client: LanguageClient,
                                                     workspace: Path) -> None:
    document = Document(client, write(workspace, "broken.py", BROKEN)).open()
    await document.diagnostics()
    for units in range(1, 15):
        document.replace_line(4, f"    layers.Dense({units}, input_shape=(784,)),")
    document.replace_line(5, "    layers.Dense(3),")
    assert [d.code for d in await document.diagnostics()] == ["SL105"]
    versions = [p.version for p in client.published  # type: ignore[attr-defined]
                if p.uri == document.uri]
    assert versions == sorted(versions), "an older result was published after a newer one"


@pytest.mark.profiles("neovim")
@pytest.mark.init_options({"shapelens": {"debounceMs": 10000}})
async def test_save_analyses_at_once(client: LanguageClient, workspace: Path) -> None:
    document = Document(client, write(workspace, "broken.py", BROKEN)).open()
    await document.diagnostics()
    document.replace_line(7, "conv = None")
    document.save()  # no waiting for the 10 s of quiet
    assert [d.code for d in await document.diagnostics()] == ["SL101"]


CLEAN = """
    import keras
    from keras import layers

    model = keras.Sequential([
        layers.Dense(128, input_shape=(784,)),
        layers.Dense(10),
    ])
"""


async def analysis_pending(client: LanguageClient, workspace: Path) -> Document:
    """A clean document edited to add a Conv2D after a Dense (version 2), whose analysis
    is still waiting on the worker (busy with another, big document) after the debounce."""
    big = Document(client, write(workspace, "big.py", realistic_text(40, 2000, seed=5))).open()
    document = Document(client, write(workspace, "clean.py", CLEAN)).open()
    assert await document.diagnostics() == []
    await big.diagnostics()
    big.set_text(realistic_text(40, 2000, seed=6))  # all new: a long analysis
    document.replace_line(5, "    layers.Conv2D(32, 3),")
    await asyncio.sleep(0.05)  # the debounce (0 ms) is over: version 2 waits for the worker
    return document


def versions_published(client: LanguageClient, document: Document
                       ) -> list[tuple[int | None, list[str]]]:
    return [(p.version, [str(d.code) for d in p.diagnostics])
            for p in client.published if p.uri == document.uri]  # type: ignore[attr-defined]


@pytest.mark.profiles("neovim")
@pytest.mark.init_options({"shapelens": {"debounceMs": 0}})
async def test_saving_during_an_analysis_publishes_no_older_findings(
        client: LanguageClient, workspace: Path) -> None:
    document = await analysis_pending(client, workspace)
    document.save()
    assert [d.code for d in await document.diagnostics()] == ["SL101"]
    assert versions_published(client, document) == [(1, []), (2, ["SL101"])]


@pytest.mark.profiles("neovim")
@pytest.mark.init_options({"shapelens": {"debounceMs": 0}})
async def test_new_settings_during_an_analysis_publish_no_older_findings(
        client: LanguageClient, workspace: Path) -> None:
    document = await analysis_pending(client, workspace)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"shapelens": {"severity": {"SL101": "warning"}}}))
    (diagnostic,) = await document.diagnostics()
    assert diagnostic.code == "SL101" and diagnostic.severity == types.DiagnosticSeverity.Warning
    assert versions_published(client, document) == [(1, []), (2, ["SL101"])]


@pytest.mark.profiles("neovim")
async def test_closing_clears_pushed_diagnostics(client: LanguageClient,
                                                 workspace: Path) -> None:
    document = Document(client, write(workspace, "broken.py", BROKEN)).open()
    assert await document.diagnostics()
    document.close()
    await eventually(lambda: [p for p in client.published  # type: ignore[attr-defined]
                              if p.uri == document.uri and not p.diagnostics],
                     "cleared diagnostics")


@pytest.mark.profiles("vscode")
async def test_pull_answers_unchanged_for_the_same_result(client: LanguageClient,
                                                          workspace: Path) -> None:
    document = Document(client, write(workspace, "broken.py", BROKEN)).open()
    identifier = types.TextDocumentIdentifier(document.uri)
    first = await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(identifier))
    assert isinstance(first, types.RelatedFullDocumentDiagnosticReport)
    assert first.result_id and len(first.items) == 2
    again = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(identifier, previous_result_id=first.result_id))
    assert isinstance(again, types.RelatedUnchangedDocumentDiagnosticReport)
    assert again.result_id == first.result_id
    document.replace_line(7, "conv = None")
    changed = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(identifier, previous_result_id=first.result_id))
    assert isinstance(changed, types.RelatedFullDocumentDiagnosticReport)
    assert changed.result_id != first.result_id and len(changed.items) == 1


@pytest.mark.profiles("vscode")
async def test_result_ids_are_not_repeated_after_reopening(client: LanguageClient,
                                                           workspace: Path) -> None:
    path = write(workspace, "broken.py", BROKEN)
    identifier = types.TextDocumentIdentifier(path.as_uri())
    document = Document(client, path).open()
    first = await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(identifier))
    assert isinstance(first, types.RelatedFullDocumentDiagnosticReport) and len(first.items) == 2
    document.close()
    reopened = Document(client, path, text=BROKEN.replace('padding="causal"', 'padding="same"'))
    reopened.open()
    # The client still holds the first id: the new findings differ, so it must not match.
    again = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(identifier, previous_result_id=first.result_id))
    assert isinstance(again, types.RelatedFullDocumentDiagnosticReport)
    assert again.result_id != first.result_id and len(again.items) == 1


@pytest.mark.profiles("vscode")
async def test_a_pulling_client_gets_no_pushed_diagnostics(client: LanguageClient,
                                                           workspace: Path) -> None:
    document = Document(client, write(workspace, "broken.py", BROKEN)).open()
    assert await document.diagnostics()
    assert not [p for p in client.published if p.uri == document.uri]  # type: ignore[attr-defined]


async def test_columns_count_utf16_code_units(client: LanguageClient, workspace: Path) -> None:
    source = ('import keras\n'
              'tag = "\U0001F600\U0001F600"; m = keras.Sequential([keras.layers.Dense(2, '
              'input_shape=(3,)), keras.layers.Conv2D(1, 1)])\n')
    document = Document(client, write(workspace, "emoji.py", source)).open()
    (diagnostic,) = await document.diagnostics()
    expected = document.find("keras.layers.Conv2D")  # each emoji is two UTF-16 units
    assert diagnostic.range.start == expected
    assert expected.character == source.split("\n")[1].find("keras.layers.Conv2D") + 2


@pytest.mark.profiles("vscode")
@pytest.mark.position_encodings("utf-8")
async def test_columns_in_utf8_when_the_client_asks(client: LanguageClient,
                                                    workspace: Path) -> None:
    source = ('import keras\n'
              'tag = "é"; m = keras.Sequential([keras.layers.Dense(2, input_shape=(3,)), '
              'keras.layers.Conv2D(1, 1)])\n')
    document = Document(client, write(workspace, "accent.py", source)).open()
    (diagnostic,) = await document.diagnostics()
    line = source.split("\n")[1]
    assert diagnostic.range.start.character == len(
        line[:line.find("keras.layers.Conv2D")].encode("utf-8"))


async def test_a_syntax_error_is_the_only_finding(client: LanguageClient,
                                                  workspace: Path) -> None:
    document = Document(client, write(workspace, "broken.py", BROKEN)).open()
    await document.diagnostics()
    document.replace_line(4, "model = keras.Sequential([(")
    diagnostics = await document.diagnostics()
    assert [d.code for d in diagnostics] == ["SL001"]
