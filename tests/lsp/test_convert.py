"""Findings to LSP in-process: related locations in other files get their columns converted.

Findings about a model built in an imported module point into it (SL2xx: where its input is
declared; see test_workspace.py), but with ASCII text there; the column conversion with that
module's own text is checked here on the server's conversion itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

from server.app import ShapelensServer
from server.convert import Lines
from server.resolve import WorkspaceResolution
from shape_engine.findings import Finding, Range, Related, Severity

pytestmark = pytest.mark.lsp


def finding_pointing_into(path: Path, line: int, start: int, end: int) -> Finding:
    return Finding("SL101", Severity.ERROR, "a message", Range.of(0, 0, 0, 1),
                   related=(Related(Range.of(line, start, line, end), "added here",
                                    str(path)),))


@pytest.mark.parametrize("data", [
    "tag = '\U0001F600\u00e9'; layer = Conv2D(2, 3)\n".encode(),
    b"\xef\xbb\xbf" + "tag = '\U0001F600\u00e9'; layer = Conv2D(2, 3)\n".encode(),
    b"# coding: latin-1\n" + "tag = '\u00e9\u00e9'; layer = Conv2D(2, 3)\n".encode("latin-1"),
], ids=["utf-8", "bom", "latin-1"])
def test_related_columns_in_another_file_count_utf16_units(tmp_path: Path, data: bytes) -> None:
    module = tmp_path / "layers_module.py"
    module.write_bytes(data)
    text = data.decode("utf-8-sig") if not data.startswith(b"#") else data.decode("latin-1")
    line = len(text.split("\n")) - 2
    start = text.split("\n")[line].index("Conv2D")
    server = ShapelensServer()
    server.resolution = WorkspaceResolution([tmp_path], server.documents.open_text)
    try:
        (diagnostic,) = server.to_diagnostics(
            [finding_pointing_into(module, line, start, start + 6)], Lines("x = 1\n"),
            (tmp_path / "main.py").as_uri(), server.policy(str(tmp_path / "main.py")))
    finally:
        server.resolution.close()
    assert diagnostic.related_information is not None
    (related,) = diagnostic.related_information
    assert related.location.uri == module.resolve().as_uri()
    prefix = text.split("\n")[line][:start]
    units = len(prefix.encode("utf-16-le")) // 2
    assert related.location.range == types.Range(types.Position(line, units),
                                                 types.Position(line, units + 6))
