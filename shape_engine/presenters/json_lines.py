"""`--output-format json-lines`: one JSON object per finding per line (the `json` fields),
for tools that read a stream."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TextIO

from shape_engine.presenters.json_format import finding_json
from shape_engine.presenters.report import FileResult


def present(results: Sequence[FileResult], out: TextIO) -> None:
    for result in results:
        for placed in result.findings:
            out.write(json.dumps(finding_json(result.filename, placed.finding, placed)) + "\n")
