"""Source text: decoding bytes the way Python would, and mapping ast offsets to positions."""

from __future__ import annotations

import array
import ast
import bisect
import codecs
import itertools
import re
from dataclasses import dataclass

from shape_engine.findings import Position, Range

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")


@dataclass(frozen=True)
class Decoded:
    text: str
    # Why the text is not plain UTF-8, when it is not; None for UTF-8 (with or without BOM).
    note: str | None = None


def decode(data: bytes) -> Decoded:
    """Decode like the interpreter: BOM, then a PEP 263 cookie, then UTF-8.

    Bytes that still do not decode are replaced (U+FFFD) so analysis can go on; the note says so.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    encoding = "utf-8"
    for line in data.splitlines()[:2]:
        match = _CODING.match(line)
        if match:
            encoding = match.group(1).decode("ascii")
            break
    try:
        return Decoded(data.decode(encoding))
    # UnicodeError, not only UnicodeDecodeError: codecs such as `undefined` and `punycode`
    # raise the base class.
    except (LookupError, UnicodeError) as exc:
        text = data.decode("utf-8", errors="replace")
        return Decoded(text, f"the file is not valid {encoding} ({_short(exc)}); undecodable bytes"
                             " were replaced")


def _short(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"byte 0x{exc.object[exc.start]:02x} at offset {exc.start}"
    return str(exc)


class LineIndex:
    """Converts ast's (1-based line, UTF-8 byte column) pairs to code point positions."""

    def __init__(self, text: str) -> None:
        # Python ends lines at \n, \r\n and \r only (str.splitlines also splits at \f and more).
        self.lines = _LINE_BREAK.split(text)
        self._ascii = [line.isascii() for line in self.lines]
        # Per non-ASCII line, the UTF-8 offset where each code point starts: built once, so a
        # long line with many nodes costs a bisection per position, not a re-encoding.
        self._byte_starts: dict[int, array.array[int]] = {}

    def position(self, lineno: int, col_offset: int) -> Position:
        line = lineno - 1
        if 0 <= line < len(self.lines) and not self._ascii[line]:
            starts = self._byte_starts.get(line)
            if starts is None:
                starts = self._byte_starts[line] = _utf8_starts(self.lines[line])
            # The code points that start at or before the byte offset (as decoding the
            # prefix with errors="ignore" counts them).
            col_offset = bisect.bisect_right(starts, col_offset) - 1
        return Position(line, col_offset)

    def range_of(self, node: ast.AST) -> Range:
        start = self.position(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end_line = getattr(node, "end_lineno", None) or node.lineno  # type: ignore[attr-defined]
        end_col = getattr(node, "end_col_offset", None)
        end = self.position(end_line, end_col) if end_col is not None else start
        return Range(start, end)

    def text_of(self, r: Range) -> str:
        if r.start.line == r.end.line:
            return self.lines[r.start.line][r.start.character : r.end.character]
        parts = [self.lines[r.start.line][r.start.character :]]
        parts += self.lines[r.start.line + 1 : r.end.line]
        parts.append(self.lines[r.end.line][: r.end.character])
        return "\n".join(parts)

    def line_end(self, line: int) -> Position:
        return Position(line, len(self.lines[line]) if line < len(self.lines) else 0)


def _utf8_starts(line: str) -> array.array[int]:
    """The UTF-8 byte offset of each code point of `line`, and of its end (compact: a long
    line holds a million of them)."""
    sizes = (1 if c < "\x80" else 2 if c < "\u0800" else 3 if c < "\U00010000" else 4
             for c in line)
    return array.array("q", itertools.accumulate(sizes, initial=0))
