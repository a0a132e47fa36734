"""`--output-format concise`: one line per finding, `path:row:col: CODE message`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from shape_engine.findings import Finding
from shape_engine.presenters.report import FileResult


def present(results: Sequence[FileResult], out: TextIO) -> None:
    for result in results:
        for placed in result.findings:
            out.write(finding_line(result.filename, placed.finding, placed.cell) + "\n")


def finding_line(filename: str, finding: Finding, cell: int | None = None) -> str:
    """`path:row:col: CODE message`; in a notebook `path:cell N:row:col: ...` (as ruff)."""
    start = finding.range.start
    return (f"{filename}:{cell_prefix(cell)}{start.line + 1}:{start.character + 1}: "
            f"{finding.code} {finding.message}")


def cell_prefix(cell: int | None) -> str:
    return "" if cell is None else f"cell {cell}:"
