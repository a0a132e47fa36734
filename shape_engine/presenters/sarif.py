"""`--output-format sarif`: SARIF 2.1.0, as GitHub code scanning and other viewers read it.

One run; the tool's rules are those with findings, each with its summary and explanation.
Columns count code points (`columnKind`), as Shapelens does. A notebook's finding is put on
the line of the notebook's JSON that holds its cell's line, its message naming the cell;
`properties` keep the cell, row and column within the cell.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TextIO

from shape_engine.cell_findings import CellFinding
from shape_engine.findings import Fix, Severity
from shape_engine.presenters.report import FileResult, display_path, where
from shape_engine.rule import Rule
from shape_engine.rule_registry import rule_for

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def present(results: Sequence[FileResult], out: TextIO) -> None:
    out.write(json.dumps(sarif_log(results), indent=2) + "\n")


def sarif_log(results: Sequence[FileResult]) -> dict[str, object]:
    from shape_engine.version import version  # importlib.metadata: only when asked

    codes = sorted({placed.finding.code for result in results for placed in result.findings})
    index = {code: i for i, code in enumerate(codes)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "shapelens",
                "version": version(),
                "rules": [_rule(code) for code in codes],
            }},
            "columnKind": "unicodeCodePoints",
            "results": [_result(result, placed, index[placed.finding.code])
                        for result in results for placed in result.findings],
        }],
    }


def _rule(code: str) -> dict[str, object]:
    rule: Rule | None = rule_for(code)
    if rule is None:
        return {"id": code}
    return {
        "id": code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.explanation},
        "help": {"text": rule.explanation},
        "defaultConfiguration": {"level": _LEVEL[rule.severity],
                                 "enabled": rule.default_enabled},
    }


def _result(result: FileResult, placed: CellFinding, rule_index: int) -> dict[str, object]:
    finding = placed.finding
    start, end = finding.range.start, finding.range.end
    uri = display_path(result.filename)
    message = finding.message
    properties: dict[str, object] = {}
    if placed.cell is None:
        region = {"startLine": start.line + 1, "startColumn": start.character + 1,
                  "endLine": end.line + 1, "endColumn": end.character + 1}
    else:
        region = {"startLine": result.file_row(placed)}
        message = f"{where(placed)}: {message}"
        properties = {"cell": placed.cell, "row": start.line + 1, "column": start.character + 1}
    entry: dict[str, object] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": _LEVEL[finding.severity],
        "message": {"text": message},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri},
                                            "region": region}}],
    }
    if finding.fix is not None and placed.cell is None:
        entry["fixes"] = [_fix(finding.fix, uri)]
    if properties:
        entry["properties"] = properties
    return entry


def _fix(fix: Fix, uri: str) -> dict[str, object]:
    return {
        "description": {"text": fix.title},
        "artifactChanges": [{
            "artifactLocation": {"uri": uri},
            "replacements": [{
                "deletedRegion": {"startLine": e.range.start.line + 1,
                                  "startColumn": e.range.start.character + 1,
                                  "endLine": e.range.end.line + 1,
                                  "endColumn": e.range.end.character + 1},
                "insertedContent": {"text": e.content},
            } for e in fix.edits],
        }],
    }
