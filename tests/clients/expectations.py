"""What the editor end-to-end tests should see, computed from the engine for the fixture files.

The editors must show what the engine finds: the same diagnostics (text and range), each layer's
output shape in hovers and inlay hints, and the preferred quick fix producing the same text as
applying the engine's edits. `python -m tests.clients.expectations [FIXTURES_DIR]` prints the
expectations as JSON for the VS Code and Neovim drivers.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path
from typing import Any

from shape_engine.analysis import analyze_source
from shape_engine.findings import Edit, Finding, Position
from shape_engine.notebook import CellMap, read_notebook
from shape_engine.notebook_analysis import analyze_cells, analyze_notebook, placed_findings
from shape_engine.shapes import format_shape

FIXTURES = Path(__file__).parent / "fixtures"
BROKEN = "broken_model.py"
GOOD = "good_model.py"
NOTEBOOK = "training.ipynb"
# A functional model, in a folder of its own: the editors open it after the other checks, so
# the workspace-wide counts of those checks stay those of the files above.
FUNCTIONAL = "functional/functional_model.py"
# A subclassed model with a custom layer, in a folder of its own for the same reason; the
# editors open it after the functional one.
SUBCLASSED = "subclassed/subclassed_model.py"


def _position(pos: Position) -> dict[str, int]:
    return {"line": pos.line, "character": pos.character}


def _diagnostic(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "severity": finding.severity.value,
        "message": finding.message,
        "range": {"start": _position(finding.range.start), "end": _position(finding.range.end)},
    }


def apply_edits(text: str, edits: tuple[Edit, ...]) -> str:
    """The text after the edits; positions are 0-based lines and code-point columns."""
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))

    def offset(pos: Position) -> int:
        return starts[min(pos.line, len(starts) - 1)] + pos.character

    for edit in sorted(edits, key=lambda e: e.range.start, reverse=True):
        text = text[:offset(edit.range.start)] + edit.content + text[offset(edit.range.end):]
    return text


def _layers(text: str) -> list[dict[str, Any]]:
    lines = text.splitlines()
    result = []
    for report in analyze_source(text).models:
        for layer in report.layers:
            start = layer.range.start
            kind = layer.label.split("(", 1)[0]
            line_text = lines[start.line]
            name_at = line_text.find(kind, start.character)
            result.append({
                "label": layer.label,
                "kind": kind,
                "line": start.line,
                "character": start.character,
                # A position inside the layer's class name, where a hover is asked for.
                "hover_at": {"line": start.line,
                             "character": (name_at if name_at >= 0 else start.character) + 1},
                "output_shape": format_shape(layer.output_shape),
            })
    return result


def _broken(text: str) -> dict[str, Any]:
    analysis = analyze_source(text)
    fixable = next((f for f in analysis.findings if f.fixes), None)
    fix = None
    if fixable is not None:
        chosen = fixable.fix or fixable.fixes[0]
        fixed = apply_edits(text, chosen.edits)
        fix = {
            "diagnostic": _diagnostic(fixable),
            "title": chosen.title,
            "result": fixed,
            "diagnostics_after": [_diagnostic(f) for f in analyze_source(fixed).findings],
        }
    return {"diagnostics": [_diagnostic(f) for f in analysis.findings], "fix": fix}


def _notebook(path: Path) -> dict[str, Any]:
    """The notebook fixture: its findings with their cells (0-based `cell`, as the notebook
    editor's rows count them), each layer's shape with its cell, and the preferred fix of the
    first fixable finding with the cell's source after it."""
    data = path.read_bytes()
    notebook = read_notebook(data.decode())
    assert not isinstance(notebook, Finding)
    analysis = analyze_notebook(data)
    cells = analysis.cells
    assert cells is not None
    sources = {cell.number: cell.source for cell in notebook.cells}
    placed = placed_findings(analysis)
    fix = None
    fixable = next((p for p in placed if p.finding.fix is not None), None)
    if fixable is not None and fixable.finding.fix is not None and fixable.cell is not None:
        chosen = fixable.finding.fix
        fixed = apply_edits(sources[fixable.cell], chosen.edits)
        after = analyze_cells(CellMap([(number, fixed if number == fixable.cell else source)
                                       for number, source in notebook.code_cells()]))
        fix = {"cell": fixable.cell - 1, "title": chosen.title, "source": fixed,
               "diagnostics_after": [_diagnostic(f) for f in after.findings]}
    layers = []
    for report in analysis.models:
        for layer in report.layers:
            found = cells.to_cell(layer.range.start)
            if found is None or layer.output_shape is None:
                continue
            number, start = found
            kind = layer.label.split("(", 1)[0]
            layers.append({"cell": number - 1, "kind": kind, "line": start.line,
                           "output_shape": format_shape(layer.output_shape)})
    return {"file": path.name, "cells": len(notebook.cells),
            "diagnostics": [{**_diagnostic(p.finding), "cell": (p.cell or 1) - 1}
                            for p in placed],
            "layers": layers, "fix": fix}


def _functional(text: str) -> dict[str, Any]:
    """The functional fixture: its findings and preferred fix as for the broken file, and for
    each tensor assignment that has a shape (`x = layers.MaxPooling2D()(x)`), where its
    variable is, its shape (the inlay hint after the line and the hover show it) and the call
    that made it (the hover names it)."""
    return {"file": Path(FUNCTIONAL).name, "text": text, **_broken(text),
            "tensors": _tensors(text)}


def _tensors(text: str) -> list[dict[str, Any]]:
    """Each tensor assignment that has a shape: its variable, line, shape and maker."""
    lines = text.splitlines()
    tensors = []
    for node in analyze_source(text).graph_nodes:
        line = lines[node.range.start.line]
        name = line.split("=", 1)[0].strip()
        shape = node.outputs[0].shape if len(node.outputs) == 1 else None
        if node.is_input or not name.isidentifier() or shape is None:
            continue
        tensors.append({"name": name, "line": node.range.start.line,
                        "hover_at": {"line": node.range.start.line,
                                     "character": line.index(name)},
                        "shape": format_shape(shape), "made_by": node.label})
    return tensors


def _subclassed(text: str) -> dict[str, Any]:
    """The subclassed fixture: its findings (inside `call`), the tensors assigned inside
    `call` (inlay shapes), the model variable's hover (the static summary: the model's name
    and the custom layer's row) and the hover on the custom layer's call in `call` (its
    output shape and parameters)."""
    lines = text.splitlines()
    analysis = analyze_source(text)
    custom = next(node.name for node in ast.walk(ast.parse(text))
                  if isinstance(node, ast.ClassDef)
                  and any(ast.unparse(base).endswith("Layer") for base in node.bases))
    layer = next(node for node in analysis.graph_nodes if node.label == custom)
    assert layer.params is not None and layer.outputs[0].shape is not None
    attribute_at = lines[layer.range.start.line].index(".", layer.range.start.character) + 1
    report = analysis.models[0]
    row = next(row for row in report.layers if row.label == custom)
    made = report.model.range.start
    variable = lines[made.line].split("=", 1)[0].strip()
    return {
        "file": Path(SUBCLASSED).name, "text": text, **_broken(text),
        "tensors": _tensors(text),
        "model": {"name": report.model.name, "variable": variable,
                  "hover_at": {"line": made.line, "character": lines[made.line].index(variable)},
                  "wants": [f'Model "{report.model.name}"', custom,
                            format_shape(row.output_shape)]},
        "layer": {"kind": custom, "line": layer.range.start.line,
                  "hover_at": {"line": layer.range.start.line, "character": attribute_at},
                  "output_shape": format_shape(layer.outputs[0].shape),
                  "wants": [custom, f"{layer.params} parameters"]},
    }


def expectations(fixtures: Path = FIXTURES) -> dict[str, Any]:
    broken_text = (fixtures / BROKEN).read_text()
    good_text = (fixtures / GOOD).read_text()
    good_findings = analyze_source(good_text).findings
    return {
        "broken": {"file": BROKEN, "text": broken_text, **_broken(broken_text),
                   "layers": _layers(broken_text)},
        "good": {"file": GOOD, "text": good_text,
                 "diagnostics": [_diagnostic(f) for f in good_findings],
                 "layers": _layers(good_text)},
        "notebook": _notebook(fixtures / NOTEBOOK),
        "functional": {"path": str(fixtures / FUNCTIONAL),
                       **_functional((fixtures / FUNCTIONAL).read_text())},
        "subclassed": {"path": str(fixtures / SUBCLASSED),
                       **_subclassed((fixtures / SUBCLASSED).read_text())},
    }


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else FIXTURES
    json.dump(expectations(folder), sys.stdout, indent=2)
    sys.stdout.write("\n")
