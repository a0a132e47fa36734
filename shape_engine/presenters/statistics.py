"""`--statistics`: how many findings of each rule, most frequent first (ruff's layout):
the count, the code, `[*]` when every one of them is fixable by `--fix`, and the rule's name.
JSON when the output format is `json`."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import TextIO

from shape_engine.presenters.report import FileResult, is_fixable
from shape_engine.rule_registry import rule_for


def present(results: Sequence[FileResult], out: TextIO, *, as_json: bool = False) -> None:
    counts: Counter[str] = Counter()
    fixable: Counter[str] = Counter()
    for result in results:
        for placed in result.findings:
            counts[placed.finding.code] += 1
            fixable[placed.finding.code] += is_fixable(placed.finding)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    rows = [{"code": code, "name": _name(code), "count": count,
             "fixable": fixable[code] == count} for code, count in ranked]
    if as_json:
        out.write(json.dumps(rows, indent=2) + "\n")
        return
    width = max((len(str(count)) for _, count in ranked), default=1)
    for row in rows:
        marker = "[*] " if row["fixable"] else "    "
        out.write(f"{row['count']:>{width}}\t{row['code']}\t{marker}{row['name']}\n")


def _name(code: str) -> str:
    rule = rule_for(code)
    return rule.name if rule is not None else ""
