"""The output formats of `shapelens check`, one module each, as ruff names them.

Every presenter takes the run's results (`report.FileResult`) and writes to a stream; none
analyses anything. A format's module is imported when it is used (startup stays short).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import TextIO

from shape_engine.presenters.report import FileResult

Presenter = Callable[[Sequence[FileResult], TextIO], None]

# `--output-format` names and their modules.
FORMATS: dict[str, str] = {
    "full": "full",
    "concise": "concise",
    "json": "json_format",
    "json-lines": "json_lines",
    "github": "github",
    "gitlab": "gitlab",
    "sarif": "sarif",
    "junit": "junit",
}
# Formats for people: a summary line goes to stderr after them. The others are read by tools.
HUMAN_FORMATS = frozenset({"full", "concise"})
# Formats that show fixes: their fixes are verified first (a re-analysis per fix).
FIX_FORMATS = frozenset({"full", "json", "json-lines", "sarif"})


def presenter(name: str) -> Presenter:
    module = importlib.import_module(f"shape_engine.presenters.{FORMATS[name]}")
    present: Presenter = module.present
    return present


__all__ = ["FIX_FORMATS", "FORMATS", "HUMAN_FORMATS", "FileResult", "Presenter", "presenter"]
