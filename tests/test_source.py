"""Decoding source bytes and the file-level findings: SL001 (syntax error) and SL002
(undecodable source)."""

from __future__ import annotations

import ast
import codecs
import subprocess
import sys
from pathlib import Path

import pytest

from shape_engine.analysis import _syntax_error_range, analyze_bytes
from shape_engine.findings import Position, Range
from shape_engine.source import LineIndex, decode

MODEL = (b"import keras\n"
         b"model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,)),\n"
         b"                          keras.layers.Conv2D(1, 3)])\n")


def _span(finding_range: Range) -> tuple[tuple[int, int], tuple[int, int]]:
    """1-based (row, column) of the start and end, as the CLI shows them."""
    start, end = finding_range.start, finding_range.end
    return (start.line + 1, start.character + 1), (end.line + 1, end.character + 1)


# -- SL002: where the undecodable byte is --------------------------------------------------------


def test_a_latin1_byte_in_a_comment_is_reported_at_the_byte(tmp_path: Path) -> None:
    """Python refuses the file (SyntaxError: Non-UTF-8 code), but the rest is meaningful."""
    data = b"import keras\n\n# r\xe9sum\xe9 of the model\n" + MODEL
    (tmp_path / "latin.py").write_bytes(data)
    python = subprocess.run([sys.executable, str(tmp_path / "latin.py")], capture_output=True,
                            text=True, check=False)
    assert "SyntaxError: Non-UTF-8 code starting with '\\xe9'" in python.stderr
    findings = analyze_bytes(data).findings
    assert [f.code for f in findings] == ["SL002", "SL101"]  # still analysed
    sl002 = findings[0]
    assert sl002.severity.value == "warning"
    assert _span(sl002.range) == ((3, 4), (3, 5))
    assert "byte 0xe9" in sl002.message


def test_the_byte_is_found_after_a_bom_and_on_a_non_ascii_line() -> None:
    data = codecs.BOM_UTF8 + b"x = '\xc3\xa9\xc3\xa9'  # \xff\n" + MODEL
    (sl002, _) = analyze_bytes(data).findings
    assert _span(sl002.range) == ((1, 13), (1, 14))  # code points, after the BOM


def test_a_byte_the_declared_codec_refuses_is_covered() -> None:
    """Valid UTF-8 (é) under `coding: ascii`: the range covers the character it reads as."""
    data = b"# coding: ascii\nx = '\xc3\xa9'\n"
    (sl002,) = analyze_bytes(data).findings
    assert sl002.code == "SL002"
    assert _span(sl002.range) == ((2, 6), (2, 7))


def test_an_unknown_codec_is_refused_at_its_name() -> None:
    """Python refuses the file (SyntaxError: unknown encoding): SL001, nothing analysed."""
    (sl001,) = analyze_bytes(b"#!/usr/bin/env python\n# -*- coding: klingon -*-\n" + MODEL
                             ).findings
    assert sl001.code == "SL001"
    assert sl001.message == "Syntax error: unknown encoding: klingon"
    assert _span(sl001.range) == ((2, 15), (2, 22))


# -- what Python reads and what it refuses, as compile() says -----------------------------------

LATIN1 = b"# -*- coding: latin-1 -*-\n"
ENCODINGS = {
    "BOM and a latin-1 cookie": codecs.BOM_UTF8 + LATIN1 + b"x = '\xe9'\n",
    "BOM and a latin-1 cookie, ASCII": codecs.BOM_UTF8 + LATIN1 + b"x = 1\n",
    "BOM and a UTF-8 cookie": codecs.BOM_UTF8 + b"# coding: UTF8\nx = '\xc3\xa9'\n",
    "BOM and no cookie": codecs.BOM_UTF8 + b"x = '\xc3\xa9'\n",
    "unknown codec": b"# coding: klingon\nx = 1\n",
    "unknown codec after a comment": b"#!/usr/bin/python\n# coding: klingon\nx = 1\n",
    "unknown codec after a blank line": b"\n# coding: klingon\nx = 1\n",
    "unknown codec after code": b"x = 1\n# coding: klingon\ny = 2\n",
    "unknown codec on line 3": b"#\n#\n# coding: klingon\ny = 2\n",
    "latin-1 after a comment": b"#!/usr/bin/python\n" + LATIN1 + b"x = '\xe9'\n",
    "latin-1 cookie after code, ASCII": b"x = 1\n" + LATIN1 + b"y = 2\n",
}


@pytest.mark.parametrize("name", list(ENCODINGS))
def test_files_python_refuses_get_sl001_and_no_other(name: str) -> None:
    data = ENCODINGS[name]
    try:
        compile(data, "f.py", "exec", dont_inherit=True)
        python_error = None
    except SyntaxError as error:
        python_error = error.msg
    findings = analyze_bytes(data).findings
    if python_error is None:
        assert findings == [], name
    else:
        (sl001,) = findings
        assert sl001.code == "SL001"
        # Python names latin-1 by its canonical name, iso-8859-1; the message is otherwise its.
        assert sl001.message.replace("latin-1", "iso-8859-1") == f"Syntax error: {python_error}"


def test_a_cookie_after_a_line_of_code_is_a_comment() -> None:
    """Python reads the file as UTF-8 and refuses its latin-1 byte: so is it read here, the
    byte replaced (SL002), not decoded as latin-1 and analysed as if all were well."""
    data = b"import keras\n" + LATIN1 + b"name = 'caf\xe9'\n" + MODEL
    with pytest.raises(SyntaxError):
        compile(data, "f.py", "exec", dont_inherit=True)
    decoded = decode(data)
    assert decoded.encoding == "utf-8" and "caf\ufffd" in decoded.text
    assert [f.code for f in analyze_bytes(data).findings] == ["SL002", "SL101"]


def test_decode_marks_each_replacement_and_not_a_written_u_fffd() -> None:
    data = b"a = '\xef\xbf\xbd'\r\nb = '\xe9'\rc = '\xe2\x82' + '\xff\xfe'\n"
    decoded = decode(data)
    lines = LineIndex(decoded.text).lines
    assert decoded.replaced == {Position(1, 5): b"\xe9", Position(2, 5): b"\xe2\x82",
                                Position(2, 11): b"\xff", Position(2, 12): b"\xfe"}
    assert all(lines[p.line][p.character] == "\ufffd" for p in decoded.replaced)
    assert lines[0][5] == "\ufffd"  # written in the file: not a replacement
    assert decoded.at == Range.of(1, 5, 1, 6)


def test_valid_utf8_has_no_note() -> None:
    decoded = decode("x = 'é'\n".encode())
    assert (decoded.note, decoded.at, decoded.replaced) == (None, None, {})


# -- a file that does not parse: exactly one finding ------------------------------------------


def test_an_undecodable_file_that_does_not_parse_gets_only_the_syntax_error() -> None:
    data = b"# caf\xe9\nimport keras\nmodel = keras.Sequential([\n"
    (finding,) = analyze_bytes(data).findings
    assert finding.code == "SL001"
    assert finding.message == "Syntax error: '[' was never closed"
    assert _span(finding.range) == ((3, 26), (3, 27))


def test_a_syntax_error_on_a_replaced_byte_says_so() -> None:
    (finding,) = analyze_bytes(b"import keras\nx = \xe9\n").findings
    assert finding.code == "SL001"
    assert _span(finding.range) == ((2, 5), (2, 6))
    assert finding.message == (
        "Syntax error: invalid character '\ufffd' (U+FFFD): byte 0xe9 here does not decode "
        "(the file is not valid utf-8) and was replaced by U+FFFD")


def test_a_syntax_error_on_a_written_u_fffd_does_not_blame_a_byte() -> None:
    (finding,) = analyze_bytes("x = \ufffd\n# caf".encode() + b"\xe9\n").findings
    assert finding.message == "Syntax error: invalid character '\ufffd' (U+FFFD)"


# -- SL001's range ------------------------------------------------------------------------------


@pytest.mark.parametrize(("source", "expected"), [
    # SyntaxError's own end, when it is past the start (Python >= 3.10).
    ("def f(:\n    pass\n", ((1, 7), (1, 8))),
    ("x = (1 2)\n", ((1, 6), (1, 9))),
    ("if x:\npass\n", ((2, 1), (2, 5))),
    # No usable end ('(' was never closed reports end_offset 0): one character.
    ("x = (1,\ny = 2\n", ((1, 5), (1, 6))),
    ("x = 'abc\n", ((1, 5), (1, 6))),
    # At the end of a line: its line break, as ruff does.
    ("x = 1 +\ny = 2\n", ((1, 8), (2, 1))),
    # At the end of the file: zero-width, at the end.
    ("x = 1 +", ((1, 8), (1, 8))),
])
def test_the_syntax_error_range_covers_the_offending_token(
        source: str, expected: tuple[tuple[int, int], tuple[int, int]]) -> None:
    (finding,) = analyze_bytes(source.encode()).findings
    assert finding.code == "SL001"
    assert _span(finding.range) == expected
    assert finding.range.end >= finding.range.start


def test_columns_count_code_points() -> None:
    (finding,) = analyze_bytes("é = (1 2)\n".encode()).findings
    assert _span(finding.range) == ((1, 6), (1, 9))


def test_without_end_information_the_range_is_one_character() -> None:
    """What Python before 3.10 gives (no end_lineno/end_offset), and odd positions."""
    index = LineIndex("a b\nxy\n")
    assert _syntax_error_range(SyntaxError("bad", ("f.py", 1, 3, "a b\n")), index) == (
        Range.of(0, 2, 0, 3))
    # Past the end of its line: clamped, then the line break.
    assert _syntax_error_range(SyntaxError("bad", ("f.py", 2, 9, "xy\n")), index) == (
        Range.of(1, 2, 2, 0))
    # Past the last line: the end of the file.
    assert _syntax_error_range(SyntaxError("bad", ("f.py", 7, 1, "")), index) == (
        Range.of(2, 0, 2, 0))
    # An end before the start is not used.
    error = SyntaxError("bad", ("f.py", 1, 3, "a b\n", 1, 0))
    assert _syntax_error_range(error, index) == Range.of(0, 2, 0, 3)


@pytest.mark.skipif(sys.version_info < (3, 10), reason="end_lineno/end_offset are 3.10+")
def test_a_multi_line_end_is_kept() -> None:
    error = SyntaxError("bad", ("f.py", 1, 1, "a b\n", 2, 3))
    assert _syntax_error_range(error, LineIndex("a b\nxy\n")) == Range.of(0, 0, 1, 2)


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_node_ranges_are_code_points_on_one_line_or_several_whatever_the_line_breaks(
        newline: str) -> None:
    """A one-line range on an ASCII line is made on a fast path (no column conversion);
    a non-ASCII line converts its byte columns, and a node over two lines takes both ends."""
    text = newline.join(["x = f(1)", "y = 'é' + g(2)", "z = h(", "  3)"]) + newline
    index = LineIndex(text)
    calls = {index.text_of(index.range_of(node)): index.range_of(node)
             for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Call)}
    assert calls == {"f(1)": Range.of(0, 4, 0, 8), "g(2)": Range.of(1, 10, 1, 14),
                     "h(\n  3)": Range.of(2, 4, 3, 4)}
    assert index.lines == ["x = f(1)", "y = 'é' + g(2)", "z = h(", "  3)", ""]


def test_a_node_made_without_end_positions_has_an_empty_range_at_its_start() -> None:
    node = ast.Name(id="x", lineno=1, col_offset=2)
    assert LineIndex("a x\n").range_of(node) == Range.of(0, 2, 0, 2)
