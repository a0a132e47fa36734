"""`--output-format full` (the default): each finding with its severity, the source lines it
covers with the range marked, and the fix it offers, `[*]` when `--fix` applies it.

Colour only on a terminal, never when `NO_COLOR` is set (no-color.org); `FORCE_COLOR` turns
it on elsewhere (CI logs that render ANSI).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TextIO

from shape_engine.cell_findings import CellFinding
from shape_engine.findings import Applicability, Severity
from shape_engine.presenters.concise import cell_prefix
from shape_engine.presenters.report import FileResult, is_fixable

# Lines of the range shown at most; a longer range is cut, with an ellipsis line.
MAX_RANGE_LINES = 6
_CONTEXT = 1  # lines shown before and after the range

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_CYAN = "\x1b[36m"
_SEVERITY_COLOUR = {Severity.ERROR: "\x1b[1;31m", Severity.WARNING: "\x1b[1;33m",
                    Severity.INFO: "\x1b[1;34m"}


def use_colour(out: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(out, "isatty", None)
    return bool(isatty and isatty())


def present(results: Sequence[FileResult], out: TextIO) -> None:
    colour = use_colour(out)
    for result in results:
        for placed in result.findings:
            out.write(render(result, placed, colour) + "\n\n")


def render(result: FileResult, placed: CellFinding, colour: bool = False) -> str:
    def paint(text: str, style: str) -> str:
        return f"{style}{text}{_RESET}" if colour else text

    finding = placed.finding
    start = finding.range.start
    marker = " [*]" if is_fixable(finding) else ""
    header = (paint(f"{result.filename}:{cell_prefix(placed.cell)}{start.line + 1}:"
                    f"{start.character + 1}:", _BOLD)
              + f" {paint(finding.code, _SEVERITY_COLOUR[finding.severity])}{marker} "
              + f"{paint(finding.severity.value, _SEVERITY_COLOUR[finding.severity])}: "
              + finding.message)
    snippet, width = _snippet(result, placed, paint)
    lines = [header, *snippet]
    fix = finding.fix
    if fix is not None:
        gutter = " " * (width + 1)
        note = ("" if fix.applicability is Applicability.SAFE
                else " (unsafe: applied with --fix --unsafe-fixes)")
        lines.append(f"{gutter}{paint('= help', _CYAN)}: {fix.title}{note}")
    return "\n".join(lines)


def _snippet(result: FileResult, placed: CellFinding, paint: Callable[[str, str], str]
             ) -> tuple[list[str], int]:
    """The range's lines with one line of context either side, each line of the range
    underlined with `^` under the part of it in the range; and the width of the line
    numbers."""
    source = result.source_lines(placed)
    rng = placed.finding.range
    first, last = rng.start.line, rng.end.line
    if not 0 <= first < len(source):
        return [], 1
    last = min(max(last, first), len(source) - 1)
    if rng.end.line > rng.start.line and rng.end.character == 0 and last > first:
        last -= 1  # a range ending at the start of a line does not cover that line
    shown_last = min(last, first + MAX_RANGE_LINES - 1)
    top = max(first - _CONTEXT, 0)
    # A range cut short ends with `...`: no context after it, it would be inside the range.
    bottom = min(shown_last + _CONTEXT, len(source) - 1) if shown_last == last else shown_last
    width = len(str(bottom + 1))
    blank = " " * width + " " + paint("|", _CYAN)
    out = [blank]
    for row in range(top, bottom + 1):
        text = source[row].expandtabs(1)  # tabs as one column, so the carets line up
        out.append(paint(f"{row + 1:>{width}} |", _CYAN) + (f" {text}" if text else ""))
        if first <= row <= shown_last:
            begin = rng.start.character if row == first else _indent(text)
            end = rng.end.character if row == last else len(text)
            begin = min(begin, len(text))
            end = max(min(end, len(text)), begin + 1)
            carets = paint("^" * (end - begin), _SEVERITY_COLOUR[placed.finding.severity])
            label = f" {placed.finding.code}" if row == shown_last else ""
            out.append(f"{blank} {' ' * begin}{carets}{label}")
        if row == shown_last and shown_last < last:
            out.append(" " * width + " " + paint(":", _CYAN) + " ...")
    out.append(blank)
    return out, width


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip())
