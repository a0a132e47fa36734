"""Source text: decoding bytes the way Python would, and mapping ast offsets to positions."""

from __future__ import annotations

import ast
import bisect
import codecs
import itertools
import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from shape_engine.findings import Position, Range

if TYPE_CHECKING:
    import array

# Python and LSP end lines at \n, \r\n and \r only; str.splitlines also breaks at \f, \v,
# \x1c-\x1e, \x85, U+2028 and U+2029, which would put every position after one on a wrong line.
LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
# A line after which Python still looks for a cookie on the next one (tokenize's blank_re).
_BLANK_OR_COMMENT = re.compile(rb"^[ \t\f]*(?:[#\r\n]|$)")


def split_lines(text: str) -> list[str]:
    """The lines of `text` without their breaks (one more than there are breaks)."""
    return LINE_BREAK.split(text)


def line_starts(text: str) -> list[int]:
    """The offset in `text` where each line (as `split_lines` cuts them) starts."""
    return [0, *(match.end() for match in LINE_BREAK.finditer(text))]


@dataclass(frozen=True)
class Decoded:
    """A file's bytes as text, and what decoding them had to replace."""

    text: str
    # Why the text is not plain UTF-8, when it is not; None for UTF-8 (with or without BOM).
    note: str | None = None
    # Where in `text` the problem is: the first byte that does not decode (what replaced it),
    # or the coding cookie's name when the codec itself fails; None without a note.
    at: Range | None = None
    # Each U+FFFD of `text` that replaces undecodable bytes, and the bytes it replaces (a
    # U+FFFD written in the file is not among them).
    replaced: dict[Position, bytes] = field(default_factory=dict)
    encoding: str = "utf-8"  # the encoding the file declares (UTF-8 without a cookie)
    # Why Python refuses to read the file at all (a byte order mark with a cookie that is not
    # UTF-8, a codec it does not know), at `at`; None when it reads it.
    refused: str | None = None


def decode(data: bytes) -> Decoded:
    """Decode like the interpreter: BOM, then a PEP 263 cookie, then UTF-8.

    Bytes that still do not decode are replaced (U+FFFD) so analysis can go on; the note says so.
    """
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[len(codecs.BOM_UTF8) :]
    encoding = "utf-8"
    cookie = _cookie(data)  # the byte span of the cookie's codec name
    if cookie is not None:
        encoding = data[cookie[0]:cookie[1]].decode("ascii")
        refused = _refused(encoding, bom)
        if refused is not None:
            text = _decode_replacing(data)[0]
            return Decoded(text, refused, _span_range(data, text, cookie), encoding=encoding,
                           refused=refused)
    try:
        return Decoded(data.decode(encoding), encoding=encoding)
    # UnicodeError, not only UnicodeDecodeError: codecs such as `undefined` and `punycode`
    # raise the base class.
    except (LookupError, UnicodeError) as exc:
        text, spans = _decode_replacing(data)
        if isinstance(exc, UnicodeDecodeError):
            bad: tuple[int, int] | None = (exc.start, max(exc.end, exc.start + 1))
        else:
            bad = cookie
        at = _span_range(data, text, bad) if bad is not None else Range.of(0, 0, 0, 0)
        return Decoded(text, f"the file is not valid {encoding} ({_short(exc)}); undecodable bytes"
                             " were replaced", at, _replaced_positions(data, text, spans), encoding)


def _cookie(data: bytes) -> tuple[int, int] | None:
    """The byte span of the codec name of a PEP 263 cookie where Python looks for one: on
    the first line, or on the second when the first is blank or only a comment."""
    lines = data.splitlines(keepends=True)[:2]
    for number, line in enumerate(lines):
        match = _CODING.match(line)
        if match:
            start = len(lines[0]) if number else 0
            return start + match.start(1), start + match.end(1)
        if not _BLANK_OR_COMMENT.match(line):
            return None  # a cookie after a line of code is a comment to Python
    return None


def _refused(encoding: str, bom: bool) -> str | None:
    """Why Python refuses a file whose cookie names `encoding` (with a UTF-8 byte order mark
    before it when `bom`), in its own words; None when it reads it."""
    try:
        codecs.lookup(encoding)
    except LookupError:
        return f"unknown encoding: {encoding}"
    # After a BOM only a name Python's tokenizer takes for UTF-8 itself: not `utf8`.
    normal = encoding[:12].lower().replace("_", "-")
    if bom and normal != "utf-8" and not normal.startswith("utf-8-"):
        return f"encoding problem: {encoding} with BOM"
    return None


def _short(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"byte 0x{exc.object[exc.start]:02x} at offset {exc.start}"
    return str(exc)


_REPLACING = threading.local()  # the spans the running `_decode_replacing` replaced


def _record_replacement(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    _REPLACING.spans.append((exc.start, exc.end))
    return "\ufffd", exc.end


codecs.register_error("shapelens-replace", _record_replacement)


def _decode_replacing(data: bytes) -> tuple[str, list[tuple[int, int]]]:
    """`data` decoded as UTF-8 with errors="replace", and the byte spans each U+FFFD replaced."""
    spans: list[tuple[int, int]] = []
    _REPLACING.spans = spans
    try:
        return data.decode("utf-8", errors="shapelens-replace"), spans
    finally:
        del _REPLACING.spans


def _replaced_positions(data: bytes, text: str, spans: list[tuple[int, int]]
                        ) -> dict[Position, bytes]:
    """Where in `text` each replaced span's U+FFFD is."""
    if not spans:
        return {}
    starts = line_starts(text)
    result: dict[Position, bytes] = {}
    view = memoryview(data)
    offset = 0  # the code point offset in `text` of the byte `done`
    done = 0
    for start, end in spans:
        # Between two replaced spans the bytes are valid UTF-8: one code point per lead byte.
        offset += len(str(view[done:start], "utf-8"))
        line = bisect.bisect_right(starts, offset) - 1
        result[Position(line, offset - starts[line])] = data[start:end]
        offset += 1
        done = end
    return result


def _span_range(data: bytes, text: str, span: tuple[int, int]) -> Range:
    """The range of `text` that bytes `span` of `data` decoded to, at least one character
    (unless at the very end)."""
    start = _text_position(data[: span[0]].decode("utf-8", errors="replace"))
    end = _text_position(data[: span[1]].decode("utf-8", errors="replace"))
    if end <= start:
        lines = split_lines(text)
        length = len(lines[start.line]) if start.line < len(lines) else 0
        end = Position(start.line, min(start.character + 1, length))
        end = max(end, start)
    return Range(start, end)


def _text_position(prefix: str) -> Position:
    """The position just after `prefix`."""
    breaks = list(LINE_BREAK.finditer(prefix))
    if not breaks:
        return Position(0, len(prefix))
    return Position(len(breaks), len(prefix) - breaks[-1].end())


_new_tuple = tuple.__new__


class LineIndex:
    """Converts ast's (1-based line, UTF-8 byte column) pairs to code point positions."""

    def __init__(self, text: str) -> None:
        # Without \r the lines are str.split's (much cheaper than the regular expression).
        self.lines = text.split("\n") if "\r" not in text else split_lines(text)
        self._line_count = len(self.lines)
        # The lines whose byte columns are not code point columns (most files have none).
        self._non_ascii = frozenset() if text.isascii() else frozenset(
            number for number, line in enumerate(self.lines) if not line.isascii())
        # Per non-ASCII line, the UTF-8 offset where each code point starts: built once, so a
        # long line with many nodes costs a bisection per position, not a re-encoding.
        self._byte_starts: dict[int, array.array[int]] = {}
        # Each node's range, by node, while an analysis runs (see `forget_ranges`): a helper
        # function's body is evaluated at every call, and checks ask for the same nodes.
        self._ranges: dict[ast.AST, Range] = {}

    def position(self, lineno: int, col_offset: int) -> Position:
        line = lineno - 1
        if line in self._non_ascii:
            starts = self._byte_starts.get(line)
            if starts is None:
                starts = self._byte_starts[line] = _utf8_starts(self.lines[line])
            # The code points that start at or before the byte offset (as decoding the
            # prefix with errors="ignore" counts them).
            col_offset = bisect.bisect_right(starts, col_offset) - 1
        return Position(line, col_offset)

    def range_of(self, node: ast.AST) -> Range:
        found = self._ranges.get(node)
        if found is not None:
            return found
        # Every node with a position has these; the end ones are None on a node made without.
        lineno: int = node.lineno  # type: ignore[attr-defined]
        end_lineno: int | None = node.end_lineno  # type: ignore[attr-defined]
        end_col: int | None = node.end_col_offset  # type: ignore[attr-defined]
        line = lineno - 1
        if end_lineno == lineno and end_col is not None and 0 <= line < self._line_count \
                and line not in self._non_ascii:
            # The common case, on the hot path of evaluation: one ASCII line. Made here, and
            # without the NamedTuples' __new__ (a Python function each): a range is made for
            # every node evaluated.
            found = _new_tuple(Range, (
                _new_tuple(Position, (line, node.col_offset)),  # type: ignore[attr-defined]
                _new_tuple(Position, (line, end_col))))
        else:
            found = self._range_converted(node)
        self._ranges[node] = found
        return found

    def forget_ranges(self) -> None:
        """Let go of the ranges kept (and of the nodes they are kept by): once the analysis
        is made, they would only hold its syntax tree."""
        self._ranges.clear()

    def _range_converted(self, node: ast.AST) -> Range:
        """A range over several lines or on a non-ASCII one: columns converted by `position`."""
        lineno: int = node.lineno  # type: ignore[attr-defined]
        start = self.position(lineno, node.col_offset)  # type: ignore[attr-defined]
        end_lineno: int | None = node.end_lineno  # type: ignore[attr-defined]
        end_col: int | None = node.end_col_offset  # type: ignore[attr-defined]
        end = self.position(end_lineno or lineno, end_col) if end_col is not None else start
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
    import array  # an extension module: only files with non-ASCII lines need it

    sizes = (1 if c < "\x80" else 2 if c < "\u0800" else 3 if c < "\U00010000" else 4
             for c in line)
    return array.array("q", itertools.accumulate(sizes, initial=0))
