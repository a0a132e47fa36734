"""What the presenters are given: each file's analysis with its findings placed in cells,
and where a finding is for formats that point into the file itself."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from shape_engine.analysis import Analysis, is_too_large
from shape_engine.cell_findings import CellFinding, placed_findings
from shape_engine.findings import Applicability, Finding

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass
class FileResult:
    """One checked file. `raw`: the file's text as read (a notebook's JSON), for formats
    that locate a notebook's findings in the file rather than in its cells."""

    filename: str
    analysis: Analysis
    raw: str = ""
    findings: list[CellFinding] = field(init=False)

    def __post_init__(self) -> None:
        self.findings = placed_findings(self.analysis)

    @property
    def is_notebook(self) -> bool:
        return self.analysis.cells is not None

    def source_lines(self, placed: CellFinding) -> list[str]:
        """The lines the finding's rows count in: its cell's, or the file's (none for a file
        too large to be read)."""
        if is_too_large(self.analysis):
            return []
        cells = self.analysis.cells
        if placed.cell is not None and cells is not None:
            return _LINE_BREAK.split(cells.sources.get(placed.cell, ""))
        if cells is not None:  # a notebook that could not be read: its rows are the file's
            return _LINE_BREAK.split(self.raw)
        return _LINE_BREAK.split(self.analysis.text)

    @cached_property
    def _cell_line_spans(self) -> list[list[tuple[int, int]]]:
        if not (self.is_notebook and self.raw):
            return []
        # Reading a notebook's JSON text is for notebooks only: imported for the first one.
        from shape_engine.notebook_json import source_line_spans

        return source_line_spans(self.raw)

    @cached_property
    def _line_starts(self) -> list[int]:
        return [0] + [i + 1 for i, char in enumerate(self.raw) if char == "\n"]

    def file_row(self, placed: CellFinding) -> int:
        """The 1-based row in the file itself where the finding starts: in a notebook, the
        line of the JSON that holds the cell's line (1 if it cannot be found)."""
        row = placed.finding.range.start.line + 1
        if placed.cell is None:
            return row
        spans = self._cell_line_spans
        lines = spans[placed.cell - 1] if placed.cell - 1 < len(spans) else []
        if not lines:
            return 1
        offset = lines[min(row - 1, len(lines) - 1)][0]
        return bisect.bisect_right(self._line_starts, offset)


def display_path(filename: str) -> str:
    """The path relative to the working folder when inside it, with forward slashes (as
    code-quality reports and SARIF consumers want paths from the repository root)."""
    path = Path(filename)
    if path.is_absolute():
        try:
            return path.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return path.as_posix()
    return path.as_posix()


def where(placed: CellFinding) -> str:
    """`cell N, line M` for a finding in a notebook's cell, else ``."""
    if placed.cell is None:
        return ""
    return f"cell {placed.cell}, line {placed.finding.range.start.line + 1}"


def is_fixable(finding: Finding) -> bool:
    """Fixed by `--fix` alone: its preferred fix is safe (ruff's `[*]`)."""
    fix = finding.fix
    return fix is not None and fix.applicability is Applicability.SAFE


def counts(results: list[FileResult] | tuple[FileResult, ...]) -> int:
    return sum(len(result.findings) for result in results)
