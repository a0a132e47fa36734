"""Rewriting cells' sources in a notebook's JSON text, and nothing else.

`--fix` must leave outputs, metadata, execution counts, key order and indentation byte for
byte: the file is not dumped again. The text is scanned for each cell's `"source"` value and
only the values of changed cells are replaced, each encoded in the file's own style (a list
of lines or one string, its indentation, its line breaks, escaped or raw non-ASCII).
"""

from __future__ import annotations

import json
import json.decoder
import re
from collections.abc import Callable

# The decoder's own string scanner (not in typeshed): (text, offset after the quote) ->
# (the string, the offset after its closing quote).
scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]

_SPACE = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"-?(?:\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null|NaN|-?Infinity")


class NotebookTextError(ValueError):
    """The text is not the JSON object `json` read (it cannot be scanned)."""


def source_spans(text: str) -> list[tuple[int, int] | None]:
    """Per cell, the [start, end) offsets of its `"source"` value (None: no source)."""
    scanner = _Scanner(text)
    spans: list[tuple[int, int] | None] = []
    for key, start, _ in scanner.members(scanner.start()):
        if key == "cells" and text[start] == "[":
            for cell_start, _ in scanner.items(start):
                found: tuple[int, int] | None = None
                if text[cell_start] == "{":
                    for name, value_start, value_end in scanner.members(cell_start):
                        if name == "source":
                            found = (value_start, value_end)
                spans.append(found)
    return spans


def replace_sources(text: str, sources: dict[int, str]) -> str:
    """The text with the sources of the cells numbered in `sources` (1-based, as
    `NotebookCell.number`) replaced."""
    spans = source_spans(text)
    style = _Style.of(text)
    parts = []
    done = 0
    for number in sorted(sources):
        span = spans[number - 1] if 0 < number <= len(spans) else None
        if span is None:
            raise NotebookTextError(f"cell {number} has no source in the text")
        start, end = span
        parts += [text[done:start], style.encode(sources[number], text, start, end)]
        done = end
    parts.append(text[done:])
    return "".join(parts)


class _Style:
    def __init__(self, ensure_ascii: bool, newline: str, unit: str) -> None:
        self.ensure_ascii = ensure_ascii
        self.newline = newline
        self.unit = unit

    @staticmethod
    def of(text: str) -> _Style:
        ensure_ascii = text.isascii() and "\\u" in text
        newline = "\r\n" if "\r\n" in text else "\n"
        second = text.split("\n", 2)[1] if text.count("\n") >= 1 else ""
        unit = second[:len(second) - len(second.lstrip(" \t"))] or " "
        return _Style(ensure_ascii, newline, unit)

    def string(self, value: str) -> str:
        return json.dumps(value, ensure_ascii=self.ensure_ascii)

    def encode(self, source: str, text: str, start: int, end: int) -> str:
        old = text[start:end]
        if old.startswith('"'):
            return self.string(source)
        lines = source.splitlines(keepends=True)  # as nbformat splits a source
        if not lines:
            return "[]"
        items = [self.string(line) for line in lines]
        if "\n" not in old and old != "[]":
            return "[" + ", ".join(items) + "]"
        key_indent = _indent_at(text, start)
        if old == "[]":
            item_indent, closing = key_indent + self.unit, key_indent
        else:
            first = _SPACE.match(text, start + 1)
            item_indent = _indent_at(text, first.end() if first else start + 1)
            closing = _indent_at(text, end - 1)
        separator = "," + self.newline + item_indent
        return ("[" + self.newline + item_indent + separator.join(items) + self.newline
                + closing + "]")


def _indent_at(text: str, offset: int) -> str:
    """The indentation of the line `offset` is on."""
    line_start = text.rfind("\n", 0, offset) + 1
    line = text[line_start:offset]
    return line[:len(line) - len(line.lstrip(" \t"))]


class _Scanner:
    """Finds the spans of values in JSON text (that `json` has already read)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def start(self) -> int:
        position = self._space(0)
        if self.text.startswith("\ufeff", position):
            position = self._space(position + 1)
        return position

    def _space(self, position: int) -> int:
        match = _SPACE.match(self.text, position)
        return match.end() if match else position

    def _expect(self, position: int, char: str) -> int:
        if self.text[position:position + 1] != char:
            raise NotebookTextError(f"expected {char!r} at offset {position}")
        return position + 1

    def value_end(self, position: int) -> int:
        char = self.text[position:position + 1]
        if char == '"':
            return scanstring(self.text, position + 1)[1]
        if char == "{":
            members = self.members(position)
            end = members[-1][2] if members else position + 1
            return self._expect(self._space(end), "}")
        if char == "[":
            items = self.items(position)
            end = items[-1][1] if items else position + 1
            return self._expect(self._space(end), "]")
        match = _SCALAR.match(self.text, position)
        if match is None:
            raise NotebookTextError(f"no JSON value at offset {position}")
        return match.end()

    def members(self, position: int) -> list[tuple[str, int, int]]:
        """(key, value start, value end) of the object starting at `position`."""
        position = self._space(self._expect(position, "{"))
        found: list[tuple[str, int, int]] = []
        if self.text.startswith("}", position):
            return found
        while True:
            key, position = scanstring(self.text, self._expect(position, '"'))
            position = self._space(self._expect(self._space(position), ":"))
            end = self.value_end(position)
            found.append((key, position, end))
            position = self._space(end)
            if not self.text.startswith(",", position):
                return found
            position = self._space(position + 1)

    def items(self, position: int) -> list[tuple[int, int]]:
        """(start, end) of each item of the array starting at `position`."""
        position = self._space(self._expect(position, "["))
        found: list[tuple[int, int]] = []
        if self.text.startswith("]", position):
            return found
        while True:
            end = self.value_end(position)
            found.append((position, end))
            position = self._space(end)
            if not self.text.startswith(",", position):
                return found
            position = self._space(position + 1)


def source_line_spans(text: str) -> list[list[tuple[int, int]]]:
    """Per cell, the [start, end) offsets in the text of each line of its source: the
    string of each item of a list source; a string source is one span, whatever its lines.
    Where a finding in a cell is in the file itself (for an editor showing the JSON)."""
    scanner = _Scanner(text)
    result: list[list[tuple[int, int]]] = []
    for span in source_spans(text):
        if span is None:
            result.append([])
        elif text[span[0]] == "[":
            result.append(scanner.items(span[0]))
        else:
            result.append([span])
    return result
