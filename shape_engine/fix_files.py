"""`shapelens check --fix / --diff`: apply the engine's fixes to files, or show them as a diff.

Fixes are applied in passes of fixes that do not overlap, each pass verified by one analysis
(`fix_passes.fix_all`). Files keep their encoding, byte order mark and line breaks. A notebook
is fixed as one program; only its changed cells' sources are rewritten (`notebook_json`), and
its diff is shown cell by cell.
"""

from __future__ import annotations

import codecs
import difflib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from shape_engine.analysis import analyze_bytes
from shape_engine.findings import Finding, Fix, Severity
from shape_engine.fix_passes import fix_all
from shape_engine.imports import filesystem_resolver
from shape_engine.notebook import CellFinding, is_notebook, read_notebook
from shape_engine.notebook_analysis import fix_notebook, notebook_text, placed_findings
from shape_engine.notebook_json import replace_sources
from shape_engine.presenters.concise import finding_line
from shape_engine.presenters.json_format import finding_json
from shape_engine.selection import Selection
from shape_engine.source import decode
from shape_engine.walk import UsageError


def fix_files(paths: list[Path], write: bool, unsafe: bool, json_format: bool,
              selection_for: Callable[[Path], Selection] = lambda path: frozenset()) -> int:
    """Fix (or, without `write`, diff) every file; the exit status of `shapelens check`.
    `selection_for`: the rules reported (and fixed) in each file."""
    fixed_count = 0
    changed_files = 0
    remaining_rows: list[tuple[Path, CellFinding]] = []
    diffs: list[str] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise UsageError(f"{path}: {error.strerror or error}") from None
        if is_notebook(str(path)):
            outcome = _fix_notebook(path, data, write, unsafe, selection_for(path))
        else:
            outcome = _fix_file(path, data, write, unsafe, selection_for(path))
        remaining_rows += [(path, placed) for placed in outcome.remaining]
        if not outcome.applied:
            continue
        changed_files += 1
        fixed_count += len(outcome.applied)
        diffs += outcome.diffs
        if not json_format:
            verb = "Fixed" if write else "Would fix"
            for finding, fix_ in outcome.applied:
                print(f"{path}: {verb} {finding.code}: {fix_.title}", file=sys.stderr)
    return _report(remaining_rows, diffs, fixed_count, changed_files, write, json_format)


@dataclass
class _Outcome:
    """What fixing one file did: the fixes applied, the findings left, its diffs."""

    applied: list[tuple[Finding, Fix]]
    remaining: list[CellFinding]
    diffs: list[str]


def _fix_file(path: Path, data: bytes, write: bool, unsafe: bool,
              extend_select: Selection) -> _Outcome:
    decoded = decode(data)
    if decoded.note is not None:
        # Python refuses the file, or bytes of it were replaced: it is not rewritten.
        refused = analyze_bytes(data, str(path), filesystem_resolver(path),
                                extend_select=extend_select).findings
        return _Outcome([], [CellFinding(None, f, ()) for f in refused], [])
    result = fix_all(decoded.text, str(path), filesystem_resolver(path), unsafe, extend_select)
    applied = result.applied
    remaining = [CellFinding(None, f, ()) for f in result.remaining]
    diffs = []
    if applied:
        if write:
            path.write_bytes(encode_like(result.text, data, decoded.encoding))
        else:
            diffs.append(_diff(decoded.text, result.text, diff_name(path)))
    return _Outcome(applied, remaining, diffs)


def _fix_notebook(path: Path, data: bytes, write: bool, unsafe: bool,
                  extend_select: Selection) -> _Outcome:
    """Fix the notebook's program cell by cell; write back only the changed cells' sources
    (or diff them, cell by cell)."""
    text = notebook_text(data)
    notebook = read_notebook(text) if isinstance(text, str) else text
    if isinstance(notebook, Finding) or not isinstance(text, str):
        unreadable = notebook if isinstance(notebook, Finding) else None
        return _Outcome([], [CellFinding(None, unreadable, ())] if unreadable else [], [])
    result = fix_notebook(notebook, str(path), filesystem_resolver(path), unsafe, extend_select)
    remaining = placed_findings(result.remaining)
    if not result.applied:
        return _Outcome([], remaining, [])
    diffs = []
    if write:
        new_text = replace_sources(text, result.sources)
        bom = codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b""
        path.write_bytes(bom + new_text.encode("utf-8"))
    else:
        old = {cell.number: cell.source for cell in notebook.cells}
        name = diff_name(path)
        diffs += [_diff(old[number], new, f"{name}:cell {number}")
                  for number, new in sorted(result.sources.items())]
    return _Outcome(result.applied, remaining, diffs)


def _diff(old: str, new: str, name: str) -> str:
    old_lines, new_lines = _lines(old), _lines(new)
    return "".join(difflib.unified_diff(old_lines, new_lines, fromfile=f"a/{name}",
                                        tofile=f"b/{name}"))


def _lines(text: str) -> list[str]:
    """The text's lines for a diff; a last line without a line break gets one (a cell
    usually ends without one), so the diff stays readable."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n"
    return lines


def diff_name(path: Path) -> str:
    """The path as git writes it after `a/` and `b/`: relative to the working folder when
    inside it, else without its root (`/tmp/x.py` -> `tmp/x.py`, as `git diff --no-index`)."""
    if not path.is_absolute():
        return path.as_posix()
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.relative_to(path.anchor).as_posix()


def _report(findings: list[tuple[Path, CellFinding]], diffs: list[str], fixed: int, files: int,
            write: bool, json_format: bool) -> int:
    if not write:
        sys.stdout.write("".join(diffs))
    elif json_format:
        print(json.dumps([finding_json(str(path), placed.finding, placed)
                          for path, placed in findings], indent=2))
    else:
        for path, placed in findings:
            print(finding_line(str(path), placed.finding, placed.cell))
    verb = "Fixed" if write else "Would fix"
    plural = "s" if fixed != 1 else ""
    print(f"{verb} {fixed} finding{plural} in {files} file{'s' if files != 1 else ''}; "
          f"{len(findings)} remaining.", file=sys.stderr)
    if not write:
        return 1 if diffs else 0
    problems = any(placed.finding.severity in (Severity.ERROR, Severity.WARNING)
                   for _, placed in findings)
    return 1 if problems else 0


def encode_like(text: str, original: bytes, encoding: str) -> bytes:
    """Encode as the file was: its byte order mark and the encoding it was read in."""
    bom = codecs.BOM_UTF8 if original.startswith(codecs.BOM_UTF8) else b""
    try:
        return bom + text.encode(encoding)
    except (LookupError, UnicodeEncodeError):
        return bom + text.encode("utf-8")
