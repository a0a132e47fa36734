"""Open notebooks (LSP 3.17 notebook documents): the program of their Python cells, and what
the features answer moved between the program and the cells.

A notebook is analysed as one document, the program `CellMap` makes of its code cells, under
the notebook's URI. A cell's lines are the program's lines from where the cell starts, with
the same columns (IPython syntax is replaced line for line), so positions in the client's
encoding move by a line offset alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from lsprotocol import types

from shape_engine.facts import split_lines
from shape_engine.findings import Position
from shape_engine.notebook import CellMap

# The notebooks and cells the server analyses (what it advertises).
NOTEBOOK_TYPE = "jupyter-notebook"
CELL_LANGUAGE = "python"
SYNC_OPTIONS = types.NotebookDocumentSyncOptions(
    notebook_selector=[types.NotebookDocumentFilterWithCells(
        notebook=NOTEBOOK_TYPE, cells=[types.NotebookCellLanguage(language=CELL_LANGUAGE)])],
    save=True)


@dataclass
class CellText:
    """A cell as the client last sent it."""

    uri: str
    version: int | None
    text: str
    python: bool  # a code cell in Python (markdown and other languages are skipped)


@dataclass
class NotebookCells:
    """One version of an open notebook's cells: their URIs and the program they make."""

    uri: str
    cells: list[CellText]
    program: CellMap = field(init=False)

    def __post_init__(self) -> None:
        self.program = CellMap([(index, cell.text) for index, cell in enumerate(self.cells)
                                if cell.python])
        self._index = {cell.uri: index for index, cell in enumerate(self.cells)}

    def index_of(self, cell_uri: str) -> int | None:
        return self._index.get(cell_uri)

    def lines(self, index: int) -> tuple[int, int] | None:
        """The program lines [start, end) of cell `index` (None: not in the program)."""
        return self.program.cell_range(index)

    def cell_at(self, line: int) -> tuple[int, int] | None:
        """The cell a program line is in, and the line's number in it."""
        found = self.program.to_cell(Position(line, 0))
        return None if found is None else (found[0], found[1].line)

    def editable(self, index: int, line: int) -> bool:
        """Whether the cell's line is its own text in the program (not IPython syntax)."""
        return line not in self.program.replaced.get(index, frozenset())


def cells_of(notebook: types.NotebookDocument, text_of: Callable[[str], tuple[str, int | None,
                                                                              str]]
             ) -> NotebookCells:
    """The notebook's cells; `text_of(uri)` gives a cell's (text, version, language)."""
    cells = []
    for cell in notebook.cells:
        text, version, language = text_of(cell.document)
        cells.append(CellText(cell.document, version, text,
                              cell.kind == types.NotebookCellKind.Code
                              and language in (CELL_LANGUAGE, "")))
    return NotebookCells(notebook.uri, cells)


# -- program -> cells ----------------------------------------------------------------------------


def shift(r: types.Range, by: int) -> types.Range:
    return types.Range(types.Position(r.start.line + by, r.start.character),
                       types.Position(r.end.line + by, r.end.character))


def to_program(notebook: NotebookCells, cell_uri: str, r: types.Range) -> types.Range | None:
    """A range in a cell (client units) as a range in the program."""
    index = notebook.index_of(cell_uri)
    span = notebook.lines(index) if index is not None else None
    return None if span is None else shift(r, span[0])


def position_to_program(notebook: NotebookCells, cell_uri: str, pos: types.Position
                        ) -> types.Position | None:
    moved = to_program(notebook, cell_uri, types.Range(pos, pos))
    return None if moved is None else moved.start


def to_cell(notebook: NotebookCells, r: types.Range) -> tuple[str, types.Range] | None:
    """A program range as the URI of its cell and the range there; a range running into
    the next cell ends at the end of its first cell."""
    start = notebook.cell_at(r.start.line)
    if start is None:
        return None
    index, line = start
    first, end = notebook.lines(index) or (0, 0)
    cell = notebook.cells[index]
    if r.end.line < end:
        end_pos = types.Position(r.end.line - first, r.end.character)
    else:  # into a later cell: the end of this one
        lines = split_lines(cell.text)
        end_pos = types.Position(len(lines) - 1, len(lines[-1].encode("utf-16-le")) // 2)
    return cell.uri, types.Range(types.Position(line, r.start.character), end_pos)


def diagnostics_by_cell(notebook: NotebookCells, items: Iterable[types.Diagnostic]
                        ) -> dict[str, list[types.Diagnostic]]:
    """The program's diagnostics sorted into their cells; every Python cell has a list (an
    empty one when it is clean)."""
    result: dict[str, list[types.Diagnostic]] = {
        cell.uri: [] for cell in notebook.cells if cell.python}
    for item in items:
        placed = to_cell(notebook, item.range)
        if placed is None:
            continue
        uri, where = placed
        item.range = where
        for related in item.related_information or []:
            if related.location.uri == notebook.uri:
                spot = to_cell(notebook, related.location.range)
                if spot is not None:
                    related.location = types.Location(spot[0], spot[1])
        result.setdefault(uri, []).append(item)
    return result


def hover_to_cell(notebook: NotebookCells, found: types.Hover | None) -> types.Hover | None:
    if found is None or found.range is None:
        return found
    placed = to_cell(notebook, found.range)
    found.range = placed[1] if placed is not None else None
    return found


def hints_in_cell(notebook: NotebookCells, cell_uri: str, hints: Iterable[types.InlayHint]
                  ) -> list[types.InlayHint]:
    index = notebook.index_of(cell_uri)
    span = notebook.lines(index) if index is not None else None
    if span is None:
        return []
    result = []
    for hint in hints:
        if span[0] <= hint.position.line < span[1]:
            hint.position = types.Position(hint.position.line - span[0],
                                           hint.position.character)
            result.append(hint)
    return result


def actions_in_cells(notebook: NotebookCells, actions: Iterable[types.CodeAction]
                     ) -> list[types.CodeAction]:
    """The program's code actions with their edits and diagnostics in the cells; an action
    with an edit on a line of IPython syntax is dropped (the cell's text there differs)."""
    result = []
    versions = {cell.uri: cell.version for cell in notebook.cells}
    for action in actions:
        edit = _cell_edit(notebook, action.edit, versions)
        if action.edit is not None and edit is None:
            continue
        action.edit = edit
        if action.diagnostics:
            placed = diagnostics_by_cell(notebook, action.diagnostics)
            action.diagnostics = [d for items in placed.values() for d in items]
        result.append(action)
    return result


def _cell_edit(notebook: NotebookCells, edit: types.WorkspaceEdit | None,
               versions: dict[str, int | None]) -> types.WorkspaceEdit | None:
    if edit is None:
        return None
    program_edits: list[types.TextEdit] = []
    if edit.document_changes:
        for change in edit.document_changes:
            if isinstance(change, types.TextDocumentEdit):
                program_edits += [e for e in change.edits if isinstance(e, types.TextEdit)]
    for edits in (edit.changes or {}).values():
        program_edits += edits
    by_cell: dict[str, list[types.TextEdit]] = {}
    for text_edit in program_edits:
        start = notebook.cell_at(text_edit.range.start.line)
        end = notebook.cell_at(text_edit.range.end.line)
        if start is None or end is None or start[0] != end[0]:
            return None
        index = start[0]
        if not all(notebook.editable(index, line) for line in range(start[1], end[1] + 1)):
            return None
        placed = to_cell(notebook, text_edit.range)
        if placed is None:
            return None
        by_cell.setdefault(placed[0], []).append(types.TextEdit(placed[1], text_edit.new_text))
    if edit.document_changes is not None:
        return types.WorkspaceEdit(document_changes=[
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(
                    uri=uri, version=versions.get(uri)),
                edits=list(edits))
            for uri, edits in by_cell.items()])
    return types.WorkspaceEdit(changes=by_cell)
