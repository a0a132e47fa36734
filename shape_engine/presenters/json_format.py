"""`--output-format json`: a list of findings, each with its fixes (ruff's fields)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TextIO

from shape_engine.cell_findings import CellFinding
from shape_engine.findings import Finding, Fix, Position
from shape_engine.presenters.report import FileResult


def present(results: Sequence[FileResult], out: TextIO) -> None:
    rows = [finding_json(result.filename, placed.finding, placed)
            for result in results for placed in result.findings]
    out.write(json.dumps(rows, indent=2) + "\n")


def position_json(pos: Position) -> dict[str, int]:
    return {"row": pos.line + 1, "column": pos.character + 1}


def fix_json(fix: Fix, cells: tuple[int | None, ...] = ()) -> dict[str, object]:
    """`cells`: in a notebook, the cell of each edit (each edit then names it)."""
    edits: list[dict[str, object]] = []
    for index, e in enumerate(fix.edits):
        edit: dict[str, object] = {"content": e.content,
                                   "location": position_json(e.range.start),
                                   "end_location": position_json(e.range.end)}
        if index < len(cells) and cells[index] is not None:
            edit["cell"] = cells[index]
        edits.append(edit)
    return {"message": fix.title, "applicability": fix.applicability.value, "edits": edits}


def finding_json(filename: str, finding: Finding, placed: CellFinding | None = None
                 ) -> dict[str, object]:
    """`placed`: the finding placed in a notebook's cell (`finding` is its `finding`); the
    row then has a `cell` (1-based among all the notebook's cells, as ruff counts) and the
    locations are within that cell."""
    edit_cells = placed.edit_cells if placed is not None else ()
    row: dict[str, object] = {
        "filename": filename,
        "code": finding.code,
        "severity": finding.severity.value,
        "message": finding.message,
        "location": position_json(finding.range.start),
        "end_location": position_json(finding.range.end),
        "fix": (fix_json(finding.fix, _cells_of(edit_cells, finding.preferred_fix))
                if finding.fix else None),
        "fixes": [fix_json(f, _cells_of(edit_cells, i)) for i, f in enumerate(finding.fixes)],
    }
    if placed is not None and placed.cell is not None:
        row["cell"] = placed.cell
    return row


def _cells_of(edit_cells: tuple[tuple[int | None, ...], ...], fix: int | None
              ) -> tuple[int | None, ...]:
    return edit_cells[fix] if fix is not None and fix < len(edit_cells) else ()
