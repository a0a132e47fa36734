"""`shapelens check --add-noqa`: write a suppression comment for every finding reported.

Each file is analysed with its selection; the comments go on the line each finding starts
(`suppression.noqa_edits`). A file is written only if it still parses afterwards, in its
encoding; a notebook's changed cells only (a line that is IPython syntax gets no comment).
"""

from __future__ import annotations

import ast
import codecs
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

from shape_engine.analysis import analyze_source
from shape_engine.findings import Edit, Finding
from shape_engine.fix_files import encode_like
from shape_engine.fixes import apply_edits
from shape_engine.imports import filesystem_resolver
from shape_engine.notebook import CellMap, is_notebook, read_notebook
from shape_engine.notebook_analysis import analyze_cells, notebook_text
from shape_engine.notebook_json import replace_sources
from shape_engine.selection import Selection
from shape_engine.source import decode
from shape_engine.suppression import noqa_edits


def add_noqa(paths: list[Path], selection_for: Callable[[Path], Selection]) -> int:
    """Add the comments to every file; the exit status (0: usage errors are raised)."""
    added = skipped = 0
    for path in paths:
        data = path.read_bytes()
        if is_notebook(str(path)):
            counts = _notebook(path, data, selection_for(path))
        else:
            counts = _file(path, data, selection_for(path))
        added += counts[0]
        skipped += counts[1]
    plural = "s" if added != 1 else ""
    note = (f"; {skipped} finding{'s' if skipped != 1 else ''} could not get one (the line "
            "ends inside a string or continues with a backslash)" if skipped else "")
    print(f"Added {added} noqa directive{plural}{note}.", file=sys.stderr)
    return 0


def _file(path: Path, data: bytes, selection: Selection) -> tuple[int, int]:
    decoded = decode(data)
    if decoded.note is not None:  # Python refuses it, or bytes were replaced: left alone
        return 0, 0
    analysis = analyze_source(decoded.text, str(path), filesystem_resolver(path),
                              verify_fixes=False, extend_select=selection)
    if not analysis.parsed:
        return 0, 0
    edits, skipped = noqa_edits(decoded.text, analysis.findings)
    if not edits:
        return 0, skipped
    new_text = apply_edits(decoded.text, edits)
    if not _parses(new_text):
        return 0, skipped + len(edits)
    path.write_bytes(encode_like(new_text, data, decoded.encoding))
    return len(edits), skipped


def _notebook(path: Path, data: bytes, selection: Selection) -> tuple[int, int]:
    text = notebook_text(data)
    notebook = read_notebook(text) if isinstance(text, str) else text
    if not isinstance(text, str) or isinstance(notebook, Finding):
        return 0, 0
    cells = CellMap(notebook.code_cells())
    analysis = analyze_cells(cells, str(path), filesystem_resolver(path), verify_fixes=False,
                             extend_select=selection)
    if not analysis.parsed:
        return 0, 0
    edits, skipped = noqa_edits(cells.text, analysis.findings)
    by_cell: dict[int, list[Edit]] = {}
    for edit in edits:
        placed = cells.cell_edit(edit)
        if placed is None:  # on a line of IPython syntax
            skipped += 1
            continue
        by_cell.setdefault(placed[0], []).append(placed[1])
    sources = {key: apply_edits(cells.sources[key], cell_edits)
               for key, cell_edits in by_cell.items()}
    if not sources:
        return 0, skipped
    bom = codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b""
    path.write_bytes(bom + replace_sources(text, sources).encode("utf-8"))
    return sum(len(e) for e in by_cell.values()), skipped


def _parses(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True
