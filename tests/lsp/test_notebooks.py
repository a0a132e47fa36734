"""LSP 3.17 notebook documents end to end: the notebook is one program, its diagnostics go to
its cells, hover, inlay hints and code actions work inside cells."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.helpers import apply_edits, edits_of, eventually, pulls

pytestmark = [pytest.mark.lsp, pytest.mark.asyncio]

CELLS: list[tuple[str, str]] = [
    ("markdown", "# Training\nSome *prose* with model.fit(1, 2)."),
    ("python", "%matplotlib inline\nimport numpy as np\nimport keras\nfrom keras import layers"),
    ("python", "!pip install keras\nx = np.random.rand(32, 100)\ny = np.random.rand(32)\n"
               "xt = x.T"),
    ("python", "model = keras.Sequential([\n    layers.Dense(64, input_shape=(200,)),\n"
               "    layers.Dense(1),\n])\nmodel.compile(optimizer=\"adam\", loss=\"mse\")"),
    ("python", "model.summary?\nmodel.fit(x, y, epochs=1, verbose=0)"),
    ("python", "binary = keras.Sequential([keras.Input((4,)), layers.Dense(1, "
               "activation=\"sigmoid\")])\n"
               "binary.compile(optimizer=\"adam\", loss=\"categorical_crossentropy\")"),
]


class Notebook:
    """An open notebook: its cells' texts and versions, kept in step with the server."""

    def __init__(self, client: LanguageClient, path: Path,
                 cells: list[tuple[str, str]]) -> None:
        self.client = client
        self.uri = path.as_uri()
        self.path = path
        self.kinds = [kind for kind, _ in cells]
        self.texts = [text for _, text in cells]
        self.cell_uris = [f"vscode-notebook-cell:{path}#C{index}" for index in range(len(cells))]
        self.cell_versions = [1] * len(cells)
        self.version = 1

    def _cell(self, index: int) -> types.NotebookCell:
        kind = (types.NotebookCellKind.Markup if self.kinds[index] == "markdown"
                else types.NotebookCellKind.Code)
        return types.NotebookCell(kind=kind, document=self.cell_uris[index])

    def _item(self, index: int) -> types.TextDocumentItem:
        return types.TextDocumentItem(uri=self.cell_uris[index], language_id=self.kinds[index],
                                      version=self.cell_versions[index], text=self.texts[index])

    def open(self) -> Notebook:
        self.client.notebook_document_did_open(types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=self.uri, notebook_type="jupyter-notebook", version=self.version,
                cells=[self._cell(i) for i in range(len(self.texts))]),
            cell_text_documents=[self._item(i) for i in range(len(self.texts))]))
        return self

    def set_cell(self, index: int, text: str) -> None:
        self.texts[index] = text
        self.cell_versions[index] += 1
        self.version += 1
        self.client.notebook_document_did_change(types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(
                version=self.version, uri=self.uri),
            change=types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(
                text_content=[types.NotebookDocumentCellContentChanges(
                    document=types.VersionedTextDocumentIdentifier(
                        version=self.cell_versions[index], uri=self.cell_uris[index]),
                    changes=[types.TextDocumentContentChangeWholeDocument(text=text)])]))))

    def insert_cell(self, index: int, text: str) -> None:
        self.kinds.insert(index, "python")
        self.texts.insert(index, text)
        self.cell_uris.insert(index, f"vscode-notebook-cell:{self.path}#N{self.version}")
        self.cell_versions.insert(index, 1)
        self.version += 1
        self.client.notebook_document_did_change(types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(
                version=self.version, uri=self.uri),
            change=types.NotebookDocumentChangeEvent(cells=types.NotebookDocumentCellChanges(
                structure=types.NotebookDocumentCellChangeStructure(
                    array=types.NotebookCellArrayChange(start=index, delete_count=0,
                                                        cells=[self._cell(index)]),
                    did_open=[self._item(index)])))))

    def close(self) -> None:
        self.client.notebook_document_did_close(types.DidCloseNotebookDocumentParams(
            notebook_document=types.NotebookDocumentIdentifier(uri=self.uri),
            cell_text_documents=[types.TextDocumentIdentifier(uri) for uri in self.cell_uris]))

    async def diagnostics(self, index: int) -> list[types.Diagnostic]:
        """Cell `index`'s diagnostics of the current version, waited for: they are pushed
        to every client (a pull for a cell is answered empty, so nothing shows twice)."""
        uri = self.cell_uris[index]
        if pulls(self.client):
            report = await self.client.text_document_diagnostic_async(
                types.DocumentDiagnosticParams(types.TextDocumentIdentifier(uri)))
            assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
            assert not report.items
        version = self.cell_versions[index]
        published = await eventually(
            lambda: [p for p in self.client.published  # type: ignore[attr-defined]
                     if p.uri == uri and p.version == version],
            f"diagnostics of cell {index} version {version}")
        return list(published[-1].diagnostics)

    async def all_diagnostics(self) -> dict[int, list[types.Diagnostic]]:
        return {index: await self.diagnostics(index) for index, kind in enumerate(self.kinds)
                if kind == "python"}


def _codes(found: dict[int, list[types.Diagnostic]]) -> dict[int, list[str]]:
    return {index: [str(d.code) for d in items] for index, items in found.items()}


@pytest.mark.profiles("vscode")
async def test_notebook_sync_is_advertised(client: LanguageClient) -> None:
    sync = client.initialize_result.capabilities.notebook_document_sync  # type: ignore[attr-defined]
    assert isinstance(sync, types.NotebookDocumentSyncOptions)
    selector = sync.notebook_selector[0]
    assert selector.notebook == "jupyter-notebook"
    assert [cell.language for cell in selector.cells or []] == ["python"]


async def test_diagnostics_go_to_their_cells(client: LanguageClient, workspace: Path) -> None:
    notebook = Notebook(client, workspace / "train.ipynb", CELLS).open()
    found = await notebook.all_diagnostics()
    assert _codes(found) == {1: [], 2: [], 3: [], 4: ["SL201"], 5: ["SL311"]}
    fit = found[4][0]
    assert fit.range.start == types.Position(1, 10)  # `x` in `model.fit(x, ...)`, cell 5
    # Its related information points into the model's cell.
    related = {info.location.uri for info in fit.related_information or []}
    assert notebook.cell_uris[3] in related


async def test_editing_a_cell_reanalyses_the_notebook(client: LanguageClient,
                                                       workspace: Path) -> None:
    notebook = Notebook(client, workspace / "train.ipynb", CELLS).open()
    assert _codes(await notebook.all_diagnostics())[4] == ["SL201"]
    notebook.set_cell(3, notebook.texts[3].replace("(200,)", "(100,)"))
    # The cell edited is the model's; the finding was in the fit's (its version unchanged).
    await eventually(
        lambda: [p for p in client.published  # type: ignore[attr-defined]
                 if p.uri == notebook.cell_uris[4] and not p.diagnostics],
        "the fit cell's diagnostics cleared")
    # A cell inserted before the data shifts nothing the findings depend on.
    notebook.insert_cell(2, "z = 1\n%time w = 2")
    assert _codes(await notebook.all_diagnostics()) == {1: [], 2: [], 3: [], 4: [], 5: [],
                                                        6: ["SL311"]}


async def test_hover_and_inlay_hints_inside_a_cell(client: LanguageClient,
                                                   workspace: Path) -> None:
    notebook = Notebook(client, workspace / "train.ipynb", CELLS).open()
    await notebook.all_diagnostics()
    uri = notebook.cell_uris[3]
    found = await client.text_document_hover_async(types.HoverParams(
        types.TextDocumentIdentifier(uri), types.Position(1, 12)))
    assert found is not None and isinstance(found.contents, types.MarkupContent)
    assert "(None, 64)" in found.contents.value
    assert found.range is not None and found.range.start.line == 1
    if client.profile != "vscode":  # type: ignore[attr-defined]
        return  # Neovim 0.7 has no inlay hints
    hints = await client.text_document_inlay_hint_async(types.InlayHintParams(
        types.TextDocumentIdentifier(uri),
        types.Range(types.Position(0, 0), types.Position(4, 0))))
    labels = {(h.position.line, str(h.label)) for h in hints or []}
    assert (1, "-> (None, 64)") in labels and (2, "-> (None, 1)") in labels
    data = await client.text_document_inlay_hint_async(types.InlayHintParams(
        types.TextDocumentIdentifier(notebook.cell_uris[2]),
        types.Range(types.Position(0, 0), types.Position(4, 0))))
    # rand(32, 100) spells its shape out: only the transpose gets a hint.
    assert {(h.position.line, str(h.label)) for h in data or []} == {(3, "-> (100, 32)")}


async def test_a_quick_fix_edits_the_cell_it_belongs_to(client: LanguageClient,
                                                        workspace: Path) -> None:
    notebook = Notebook(client, workspace / "train.ipynb", CELLS).open()
    found = await notebook.all_diagnostics()
    loss = found[5][0]
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(notebook.cell_uris[5]), loss.range,
        types.CodeActionContext(diagnostics=[loss], only=[types.CodeActionKind.QuickFix])))
    fixes = [a for a in actions or [] if isinstance(a, types.CodeAction)]
    assert fixes and fixes[0].title == "Use binary_crossentropy"
    edits = edits_of(fixes[0], notebook.cell_uris[5])
    fixed = apply_edits(notebook.texts[5], edits)
    assert 'loss="binary_crossentropy"' in fixed
    assert fixes[0].diagnostics and fixes[0].diagnostics[0].range == loss.range


SEQUENCE_CELLS: list[tuple[str, str]] = [
    ("python", "import numpy as np\nimport keras\nfrom keras import layers"),
    ("python", "x = np.random.rand(32, 28, 28)\ny = np.random.randint(0, 10, 32)"),
    ("python", "model = keras.Sequential([\n"
               "    layers.Dense(64, input_shape=(28, 28), activation=\"relu\"),\n"
               "    layers.Dense(10, activation=\"softmax\"),\n])\n"
               "model.compile(optimizer=\"adam\", loss=\"sparse_categorical_crossentropy\")"),
    ("python", "model.fit(x, y, epochs=1, verbose=0)"),
]


async def test_a_fix_may_edit_another_cell(client: LanguageClient, workspace: Path) -> None:
    """The fit's finding is fixed in the model's cell (Flatten before the head)."""
    notebook = Notebook(client, workspace / "seq.ipynb", SEQUENCE_CELLS).open()
    found = await notebook.all_diagnostics()
    assert _codes(found) == {0: [], 1: [], 2: [], 3: ["SL304"]}
    fit = found[3][0]
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        types.TextDocumentIdentifier(notebook.cell_uris[3]), fit.range,
        types.CodeActionContext(diagnostics=[fit], only=[types.CodeActionKind.QuickFix])))
    fixes = [a for a in actions or [] if isinstance(a, types.CodeAction)]
    assert fixes and "Flatten" in fixes[0].title
    model_edits = edits_of(fixes[0], notebook.cell_uris[2])
    fixed = apply_edits(notebook.texts[2], model_edits)
    assert "    layers.Flatten(input_shape=(28, 28)),\n" in fixed
    notebook.set_cell(2, fixed)
    # The finding was in the fit's cell, whose version is unchanged: its last publication
    # may still be the one from before the edit, so wait for the one that clears it.
    await eventually(
        lambda: [p for p in client.published  # type: ignore[attr-defined]
                 if p.uri == notebook.cell_uris[3] and not p.diagnostics],
        "the fit cell's diagnostics cleared")
    assert _codes(await notebook.all_diagnostics()) == {0: [], 1: [], 2: [], 3: []}


async def test_closing_clears_the_cells(client: LanguageClient, workspace: Path) -> None:
    notebook = Notebook(client, workspace / "train.ipynb", CELLS).open()
    await notebook.all_diagnostics()
    assert client.diagnostics[notebook.cell_uris[5]]
    notebook.close()
    await eventually(lambda: not client.diagnostics[notebook.cell_uris[5]],
                     "the cells' diagnostics cleared")


@pytest.mark.profiles("neovim")
async def test_the_workspace_check_reports_notebooks(client: LanguageClient,
                                                     workspace: Path) -> None:
    cells = [{"cell_type": "code" if kind == "python" else "markdown", "metadata": {},
              **({"outputs": [], "execution_count": None} if kind == "python" else {}),
              "source": text.splitlines(keepends=True)} for kind, text in CELLS]
    path = workspace / "train.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 5}, indent=1))
    answer = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="shapelens.checkWorkspace"))
    assert answer == {"files": 1, "findings": 2, "cancelled": False}
    published = client.diagnostics[path.as_uri()]
    messages = sorted(d.message.split(":")[0] for d in published)
    assert messages == ["cell 5, line 2", "cell 6, line 2"]
    lines = path.read_text().splitlines()
    fit = next(d for d in published if d.message.startswith("cell 5"))
    assert "model.fit(x, y" in lines[fit.range.start.line]


async def test_opening_a_checked_notebook_moves_its_findings_to_the_cells(
        client: LanguageClient, workspace: Path) -> None:
    path = workspace / "train.ipynb"
    cells = [{"cell_type": "code" if kind == "python" else "markdown", "metadata": {},
              **({"outputs": [], "execution_count": None} if kind == "python" else {}),
              "source": text} for kind, text in CELLS]
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 5}))
    await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="shapelens.checkWorkspace"))
    assert client.diagnostics[path.as_uri()]
    notebook = Notebook(client, path, CELLS).open()
    assert _codes(await notebook.all_diagnostics())[5] == ["SL311"]
    assert not client.diagnostics[path.as_uri()]
