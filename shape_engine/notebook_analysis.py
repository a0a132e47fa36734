"""Analysing a notebook: its program through the pipeline, its fixes applied cell by cell."""

from __future__ import annotations

import bisect
import dataclasses
from dataclasses import dataclass

from shape_engine.analysis import Analysis, analyze_source
from shape_engine.cell_findings import placed_findings
from shape_engine.checks.source import UNREADABLE_NOTEBOOK
from shape_engine.evaluation.scope import ModuleResolver
from shape_engine.findings import Edit, Finding, Fix, Position, Range
from shape_engine.fix_passes import MAX_FIX_PASSES, disjoint
from shape_engine.fixes import applicable_fix, apply_edits
from shape_engine.notebook import CellMap, Notebook, read_notebook
from shape_engine.notebook_json import source_line_spans
from shape_engine.selection import Selection


def notebook_text(data: bytes) -> str | Finding:
    """The notebook file's text (JSON is UTF-8), or why it has none."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return UNREADABLE_NOTEBOOK.finding(
            f"The notebook is not valid UTF-8 (byte 0x{error.object[error.start]:02x} at "
            f"offset {error.start})", Range.of(0, 0, 0, 0))


def analyze_notebook(data: bytes, path: str | None = None,
                     resolver: ModuleResolver | None = None, *,
                     verify_fixes: bool = True,
                     extend_select: Selection | None = frozenset()) -> Analysis:
    """The analysis of the notebook's program; its `cells` place the findings in cells. A
    notebook that cannot be read gets one finding (SL003) at a place in the file."""
    text = notebook_text(data)
    notebook = read_notebook(text) if isinstance(text, str) else text
    if isinstance(notebook, Finding):
        return Analysis(text if isinstance(text, str) else "", path, [notebook],
                        parsed=False)
    return analyze_cells(CellMap(notebook.code_cells()), path, resolver,
                         verify_fixes=verify_fixes, extend_select=extend_select)


def analyze_cells(cells: CellMap, path: str | None = None,
                  resolver: ModuleResolver | None = None, *,
                  verify_fixes: bool = True,
                  extend_select: Selection | None = frozenset()) -> Analysis:
    """`extend_select` as for `analyze_source`."""
    analysis = analyze_source(cells.text, path, resolver, verify_fixes=verify_fixes,
                              extend_select=extend_select)
    analysis.cells = cells
    return analysis


@dataclass
class FixedNotebook:
    """The cells' sources after the fixes, with what was applied and what remains."""

    sources: dict[int, str]  # by cell number, the changed cells only
    applied: list[tuple[Finding, Fix]]
    remaining: Analysis


def fix_notebook(notebook: Notebook, path: str | None = None,
                 resolver: ModuleResolver | None = None, unsafe: bool = False,
                 extend_select: Selection = frozenset()) -> FixedNotebook:
    """Apply the fixes in passes, as `fix_passes.fix_all` does for a file: each pass applies
    every fix whose edits meet no other's, each edit in the cell it falls in, and analyses the
    program once. Fixes that no cell can take (an edit on a line of IPython syntax) are left."""
    sources = dict(notebook.code_cells())
    original = dict(sources)
    cells = CellMap(list(sources.items()))
    analysis = analyze_cells(cells, path, resolver, extend_select=extend_select)
    applied: list[tuple[Finding, Fix]] = []
    for _ in range(MAX_FIX_PASSES):
        choices = [(finding, fix_) for finding in analysis.findings
                   if (fix_ := applicable_fix(finding, unsafe, cells.places)) is not None]
        chosen = disjoint(cells.text, choices)
        if not chosen:
            break
        fixed = _in_cells(sources, cells, chosen)
        after = analyze_cells(CellMap(list(fixed.items())), path, resolver,
                              extend_select=extend_select)
        if not after.parsed and len(chosen) > 1:
            chosen = chosen[:1]  # together they break the program: one at a time
            fixed = _in_cells(sources, cells, chosen)
            after = analyze_cells(CellMap(list(fixed.items())), path, resolver,
                                  extend_select=extend_select)
        if not after.parsed:
            break  # never leave a notebook whose program does not parse
        applied += chosen
        sources, analysis = fixed, after
        assert after.cells is not None
        cells = after.cells
    changed = {key: text for key, text in sources.items() if text != original[key]}
    return FixedNotebook(changed, applied, analysis)


def _in_cells(sources: dict[int, str], cells: CellMap, chosen: list[tuple[Finding, Fix]]
              ) -> dict[int, str]:
    """The cells' sources with the chosen fixes' edits, each applied in its cell."""
    by_cell: dict[int, list[Edit]] = {}
    for _, fix_ in chosen:
        for key, edit in cells.cell_fix(fix_) or ():
            by_cell.setdefault(key, []).append(edit)
    return {key: apply_edits(text, by_cell[key]) if key in by_cell else text
            for key, text in sources.items()}


def in_notebook_file(analysis: Analysis, text: str) -> list[Finding]:
    """A notebook's findings placed in its file's JSON text: each on the string of its
    cell's line (the column within a line is not kept: escapes shift it), its message
    naming the cell and line. Findings with no place in the file are left out."""
    spans = source_line_spans(text)
    starts = [0] + [index + 1 for index, char in enumerate(text) if char == "\n"]

    def position(offset: int) -> Position:
        line = bisect.bisect_right(starts, offset) - 1
        return Position(line, offset - starts[line])

    result = []
    for placed in placed_findings(analysis):
        finding, cell = placed.finding, placed.cell
        if cell is None:
            result.append(finding)  # the one finding of a notebook that cannot be read
            continue
        lines = spans[cell - 1] if cell - 1 < len(spans) else []
        if not lines:
            continue
        start, end = lines[min(finding.range.start.line, len(lines) - 1)]
        where = f"cell {cell}, line {finding.range.start.line + 1}"
        result.append(dataclasses.replace(
            finding, message=f"{where}: {finding.message}",
            range=Range(position(start), position(end)), related=(), fixes=(),
            preferred_fix=None))
    return result
