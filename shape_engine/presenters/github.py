"""`--output-format github`: GitHub Actions workflow commands, so each finding shows as an
annotation on the pull request's diff.

A notebook's finding is put on the line of the notebook's JSON that holds its cell's line,
the message naming the cell and the line in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from shape_engine.findings import Severity
from shape_engine.presenters.report import FileResult, where

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def present(results: Sequence[FileResult], out: TextIO) -> None:
    for result in results:
        for placed in result.findings:
            finding = placed.finding
            start, end = finding.range.start, finding.range.end
            properties = {"title": f"Shapelens ({finding.code})", "file": result.filename}
            message = f"{finding.code} {finding.message}"
            if placed.cell is None:
                properties |= {"line": str(start.line + 1), "col": str(start.character + 1),
                               "endLine": str(end.line + 1),
                               "endColumn": str(end.character + 1)}
            else:
                properties["line"] = str(result.file_row(placed))
                message = f"{where(placed)}: {message}"
            fields = ",".join(f"{key}={_escape_property(value)}"
                              for key, value in properties.items())
            out.write(f"::{_COMMAND[finding.severity]} {fields}::{_escape_data(message)}\n")


def _escape_data(text: str) -> str:
    """As the Actions runner unescapes a command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
