"""The output formats of `shapelens check`, one module each, as ruff names them.

Every presenter takes the run's results (`report.FileResult`) and writes to a stream; none
analyses anything. `FORMATS` maps `--output-format` names to them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TextIO

from shape_engine.presenters import (
    concise,
    full,
    github,
    gitlab,
    json_format,
    json_lines,
    junit,
    sarif,
)
from shape_engine.presenters.report import FileResult

Presenter = Callable[[Sequence[FileResult], TextIO], None]

FORMATS: dict[str, Presenter] = {
    "full": full.present,
    "concise": concise.present,
    "json": json_format.present,
    "json-lines": json_lines.present,
    "github": github.present,
    "gitlab": gitlab.present,
    "sarif": sarif.present,
    "junit": junit.present,
}
# Formats for people: a summary line goes to stderr after them. The others are read by tools.
HUMAN_FORMATS = frozenset({"full", "concise"})
# Formats that show fixes: their fixes are verified first (a re-analysis per fix).
FIX_FORMATS = frozenset({"full", "json", "json-lines", "sarif"})

__all__ = ["FIX_FORMATS", "FORMATS", "HUMAN_FORMATS", "FileResult", "Presenter"]
