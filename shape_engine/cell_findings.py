"""A finding placed in its notebook cell (none for a Python file), and which files are
notebooks: what the command line and the presenters need of notebooks for every file, without
the notebook machinery (`notebook`, `notebook_analysis`), which a notebook brings in."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from shape_engine.findings import Finding

if TYPE_CHECKING:
    from shape_engine.analysis import Analysis

NOTEBOOK_SUFFIX = ".ipynb"


def is_notebook(path: str | None) -> bool:
    return path is not None and path.endswith(NOTEBOOK_SUFFIX)


class CellFinding(NamedTuple):
    """A finding with its ranges in its cell; each related location's cell alongside. The
    cells are None for a finding in a file that is not a notebook's program."""

    cell: int | None
    finding: Finding
    related_cells: tuple[int | None, ...]
    # Per fix of `finding`, the cell of each of its edits (a fix may add an import to the
    # first cell for a finding in the fifth).
    edit_cells: tuple[tuple[int | None, ...], ...] = ()


def placed_findings(analysis: Analysis) -> list[CellFinding]:
    """The findings, each in its cell for a notebook; else in no cell, as they are (so is the
    one finding of a notebook that could not be read: it is at a place in the file)."""
    cells = analysis.cells
    if cells is None:
        return [CellFinding(None, f, tuple(None for _ in f.related),
                            tuple(tuple(None for _ in fix.edits) for fix in f.fixes))
                for f in analysis.findings]
    return [p for f in analysis.findings if (p := cells.cell_finding(f)) is not None]
