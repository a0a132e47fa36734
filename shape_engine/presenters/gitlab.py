"""`--output-format gitlab`: GitLab's Code Quality report (a JSON list of issues, shown in
merge requests). Paths are relative to the working folder, the repository's root in CI.

A fingerprint identifies an issue across runs: it hashes the path, code, message and, for a
finding repeated in a file, its rank, not its line, so moving code does not make it new.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from typing import TextIO

from shape_engine.findings import Severity
from shape_engine.presenters.report import FileResult, display_path, where

_SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def present(results: Sequence[FileResult], out: TextIO) -> None:
    issues: list[dict[str, object]] = []
    for result in results:
        path = display_path(result.filename)
        seen: Counter[str] = Counter()
        for placed in result.findings:
            finding = placed.finding
            prefix = f"{where(placed)}: " if placed.cell is not None else ""
            description = f"{prefix}{finding.message}"
            identity = f"{path}\0{finding.code}\0{description}"
            seen[identity] += 1
            fingerprint = hashlib.sha256(f"{identity}\0{seen[identity]}".encode()).hexdigest()
            if placed.cell is None:
                lines = {"begin": finding.range.start.line + 1,
                         "end": finding.range.end.line + 1}
            else:
                row = result.file_row(placed)
                lines = {"begin": row, "end": row}
            issues.append({
                "type": "issue",
                "check_name": finding.code,
                "description": f"{finding.code} {description}",
                "categories": ["Bug Risk"],
                "severity": _SEVERITY[finding.severity],
                "fingerprint": fingerprint,
                "location": {"path": path, "lines": lines},
            })
    out.write(json.dumps(issues, indent=2) + "\n")
