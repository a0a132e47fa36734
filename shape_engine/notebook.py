"""A Jupyter notebook as one program: its code cells in order, as a kernel that ran them top
to bottom would see them.

`read_notebook` reads an .ipynb (nbformat 4) with the standard `json` module. `CellMap` joins
the code cells' lines (their IPython syntax replaced line for line, see `ipython`) into the
program the engine analyses, and maps positions, ranges, findings and fixes between the
program and the cells, both ways. A cell keeps its lines and columns in the program: only the
line numbers shift by where the cell starts.
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from shape_engine.cell_findings import NOTEBOOK_SUFFIX as NOTEBOOK_SUFFIX
from shape_engine.cell_findings import CellFinding
from shape_engine.cell_findings import is_notebook as is_notebook
from shape_engine.checks.source import UNREADABLE_NOTEBOOK
from shape_engine.findings import Edit, Finding, Fix, Position, Range, Related
from shape_engine.ipython import Cell, as_python

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
@dataclass(frozen=True)
class NotebookCell:
    """A cell of the file: its 1-based number among all cells, its type and its source."""

    number: int
    kind: str  # "code", "markdown", "raw"
    source: str
    source_is_list: bool  # written as a list of lines (nbformat's usual form)


@dataclass(frozen=True)
class Notebook:
    """The cells of an .ipynb file, in order."""

    cells: list[NotebookCell]
    python: bool  # the kernel's language is Python (or unstated)

    def code_cells(self) -> list[tuple[int, str]]:
        """(number, source) of each code cell; none when the kernel is not Python's."""
        if not self.python:
            return []
        return [(cell.number, cell.source) for cell in self.cells if cell.kind == "code"]


def read_notebook(text: str) -> Notebook | Finding:
    """The notebook, or the one finding (SL003) that says why it cannot be read."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        at = Position(error.lineno - 1, error.colno - 1)
        return UNREADABLE_NOTEBOOK.finding(f"The notebook is not valid JSON: {error.msg}",
                                           Range(at, at))
    except RecursionError:
        return _unreadable("The notebook is too deeply nested to read")
    if not isinstance(document, dict):
        return _unreadable("The file is not a Jupyter notebook (its JSON is not an object)")
    version = document.get("nbformat")
    if not isinstance(version, int) or isinstance(version, bool):
        return _unreadable("The file is not a Jupyter notebook (it has no `nbformat`)")
    if version < 4:
        return _unreadable(f"The notebook is in nbformat {version}; only nbformat 4 is read "
                           "(`jupyter nbconvert --to notebook --inplace` upgrades it)")
    raw_cells = document.get("cells")
    if not isinstance(raw_cells, list):
        return _unreadable("The notebook has no list of `cells`")
    cells = []
    for number, raw in enumerate(raw_cells, start=1):
        source = raw.get("source", "") if isinstance(raw, dict) else None
        if isinstance(source, list) and all(isinstance(part, str) for part in source):
            joined, is_list = "".join(source), True
        elif isinstance(source, str):
            joined, is_list = source, False
        else:
            return _unreadable(f"Cell {number} of the notebook has no text `source`")
        kind = raw.get("cell_type")
        cells.append(NotebookCell(number, kind if isinstance(kind, str) else "", joined,
                                  is_list))
    return Notebook(cells, _is_python(document.get("metadata")))


def _unreadable(message: str) -> Finding:
    return UNREADABLE_NOTEBOOK.finding(message, Range.of(0, 0, 0, 0))


def _is_python(metadata: object) -> bool:
    if not isinstance(metadata, dict):
        return True
    for key, field in (("language_info", "name"), ("kernelspec", "language")):
        section = metadata.get(key)
        if isinstance(section, dict) and isinstance(section.get(field), str):
            return str(section[field]).lower() == "python"
    return True


# -- program <-> cells ---------------------------------------------------------------------------


class CellMap:
    """The program made of code cells, and the positions of each cell in it.

    `cells` are (key, source) pairs in order: the key names the cell to the caller (the
    1-based cell number in a file, an index in the language server). A cell that a cell
    magic makes something else than Python is left out of the program.
    """

    def __init__(self, cells: Sequence[tuple[int, str]]) -> None:
        self.keys: list[int] = []
        self.starts: list[int] = []  # the program line each included cell starts at
        self.sources: dict[int, str] = {}
        self.replaced: dict[int, frozenset[int]] = {}  # per key, the cell lines rewritten
        lines: list[str] = []
        for key, source in cells:
            self.sources[key] = source
            translated = _as_python(source)
            if translated is None:
                continue
            self.keys.append(key)
            self.starts.append(len(lines))
            self.replaced[key] = translated.replaced
            lines.extend(translated.lines)
        self.line_count = len(lines)
        self.text = "\n".join(lines)

    def included(self, key: int) -> bool:
        return key in self.replaced

    def to_cell(self, pos: Position) -> tuple[int, Position] | None:
        """The cell and the position in it of a program position."""
        if not self.keys:
            return None
        slot = max(bisect.bisect_right(self.starts, pos.line) - 1, 0)
        return self.keys[slot], Position(pos.line - self.starts[slot], pos.character)

    def to_program(self, key: int, pos: Position) -> Position | None:
        """The program position of a position in cell `key` (None: not in the program)."""
        try:
            slot = self.keys.index(key)
        except ValueError:
            return None
        return Position(self.starts[slot] + pos.line, pos.character)

    def cell_range(self, key: int) -> tuple[int, int] | None:
        """The program lines [start, end) of cell `key`."""
        try:
            slot = self.keys.index(key)
        except ValueError:
            return None
        end = self.starts[slot + 1] if slot + 1 < len(self.starts) else self.line_count
        return self.starts[slot], end

    def to_cell_range(self, where: Range) -> tuple[int, Range] | None:
        """The cell and the range in it; a range that runs into a later cell ends where its
        first cell ends."""
        start = self.to_cell(where.start)
        end = self.to_cell(where.end)
        if start is None or end is None:
            return None
        key, start_pos = start
        if end[0] != key:
            last = self._last_line(key)
            return key, Range(start_pos, Position(last[0], last[1]))
        return key, Range(start_pos, end[1])

    def _last_line(self, key: int) -> tuple[int, int]:
        lines = _LINE_BREAK.split(self.sources[key])
        return len(lines) - 1, len(lines[-1])

    def cell_edit(self, edit: Edit) -> tuple[int, Edit] | None:
        """The edit in its cell; None when it spans cells or touches a line that is IPython
        syntax in the cell (the program's text there is not the cell's)."""
        start, end = self.to_cell(edit.range.start), self.to_cell(edit.range.end)
        if start is None or end is None or start[0] != end[0]:
            return None
        key = start[0]
        touched = range(start[1].line, end[1].line + 1)
        if any(line in self.replaced[key] for line in touched):
            return None
        content = edit.content
        newline = _newline(self.sources[key])
        if newline != "\n":
            content = content.replace("\n", newline)
        return key, Edit(Range(start[1], end[1]), content)

    def cell_fix(self, fix: Fix) -> tuple[tuple[int, Edit], ...] | None:
        """The fix's edits, each in its cell; None when an edit cannot be placed in one."""
        placed = [self.cell_edit(edit) for edit in fix.edits]
        if any(p is None for p in placed):
            return None
        return tuple(p for p in placed if p is not None)

    def places(self, fix: Fix) -> bool:
        """Whether every edit of the fix falls in one cell."""
        return self.cell_fix(fix) is not None

    def cell_finding(self, finding: Finding) -> CellFinding | None:
        """The finding with its ranges in its cell, and its fixes' edits in theirs; a fix
        with an edit that no cell can take is dropped."""
        placed = self.to_cell_range(finding.range)
        if placed is None:
            return None
        key, where = placed
        related: list[Related] = []
        related_cells: list[int | None] = []
        for item in finding.related:
            if item.file is not None:
                related.append(item)
                related_cells.append(key)
                continue
            spot = self.to_cell_range(item.range)
            if spot is not None:
                related.append(item._replace(range=spot[1]))
                related_cells.append(spot[0])
        fixes: list[Fix] = []
        edit_cells: list[tuple[int | None, ...]] = []
        preferred: int | None = None
        for index, fix in enumerate(finding.fixes):
            edits = self.cell_fix(fix)
            if edits is None:
                continue
            if index == finding.preferred_fix:
                preferred = len(fixes)
            fixes.append(fix._replace(edits=tuple(edit for _, edit in edits)))
            edit_cells.append(tuple(cell for cell, _ in edits))
        moved = dataclasses.replace(finding, range=where, related=tuple(related),
                                    fixes=tuple(fixes), preferred_fix=preferred)
        return CellFinding(key, moved, tuple(related_cells), tuple(edit_cells))


@functools.lru_cache(maxsize=4096)
def _as_python(source: str) -> Cell | None:
    """Cached: the language server rebuilds the program on each edit of one cell, and
    tokenizing every cell again would cost more than analysing the edit."""
    return as_python(_LINE_BREAK.split(source))


def _newline(source: str) -> str:
    match = _LINE_BREAK.search(source)
    return match.group(0) if match else "\n"
