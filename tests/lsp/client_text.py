"""What an editor holds of a document, written apart from the server's code to check it.

Lines end at \\n, \\r\\n and \\r only (LSP); columns count UTF-16 code units; a position past
the end of its line is the end of the line, past the last line the end of the document.
"""

from __future__ import annotations

from lsprotocol import types

# Every character str.splitlines breaks at besides \n and \r: none of them ends a line in
# LSP or Python.
NOT_LINE_BREAKS = ("\x0c", "\x0b", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line's content, its break left out."""
    spans = []
    start = index = 0
    while index < len(text):
        if text[index] in "\r\n":
            spans.append((start, index))
            index += 2 if text.startswith("\r\n", index) else 1
            start = index
        else:
            index += 1
    spans.append((start, len(text)))
    return spans


def offset(text: str, position: types.Position) -> int:
    spans = line_spans(text)
    if position.line >= len(spans):
        return len(text)
    index, end = spans[position.line]
    units = 0
    while index < end and units < position.character:
        units += 2 if ord(text[index]) > 0xFFFF else 1
        index += 1
    return index


def apply(text: str, at: types.Range, new: str) -> str:
    start, end = sorted((offset(text, at.start), offset(text, at.end)))
    return text[:start] + new + text[end:]


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """LSP text edits (all on the same text, not overlapping) applied at once."""
    for edit in sorted(edits, key=lambda e: offset(text, e.range.start), reverse=True):
        text = apply(text, edit.range, edit.new_text)
    return text


def position_of(text: str, needle: str) -> types.Position:
    """Where `needle` first starts, in UTF-16 columns."""
    at = text.index(needle)
    for line, (start, end) in enumerate(line_spans(text)):
        if start <= at <= end:
            return types.Position(line, len(text[start:at].encode("utf-16-le")) // 2)
    raise AssertionError(needle)
