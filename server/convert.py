"""Engine results to LSP types, and LSP positions to engine positions.

The engine counts columns in code points; LSP counts them in the negotiated position
encoding (UTF-16 unless the client offers UTF-8 or UTF-32).
"""

from __future__ import annotations

import array
import bisect
import itertools
from collections.abc import Callable, Sequence
from pathlib import Path

from lsprotocol import types

from shape_engine.docs import RULES_PAGE
from shape_engine.findings import Finding, Fix, Position, Range, Related, Severity
from shape_engine.selection import is_enabled
from shape_engine.source import LINE_BREAK, split_lines

SOURCE = "shapelens"

_SEVERITIES = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
    "information": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}


def rule_href(code: str) -> str:
    """Where a code is documented: its section of the rules page installed with the
    package (there is no website)."""
    return f"{RULES_PAGE.as_uri()}#{code.lower()}"


class Lines:
    """One version of a document's lines, converting columns between encodings.

    Lines end at \n, \r\n and \r only, as LSP and Python say (`split_lines`): every
    position the server reads from the client or sends to it goes through here, and every
    edit of the text the server keeps (`server.text`, through `offset_of`).
    """

    def __init__(self, text: str, encoding: str = types.PositionEncodingKind.Utf16) -> None:
        self.lines = split_lines(text)
        self.encoding = encoding
        self._ascii = [line.isascii() for line in self.lines]
        # Per non-ASCII line, the client column where each code point starts: built once,
        # so many positions on one long line cost a bisection each, not a walk of the line.
        self._unit_starts: dict[int, array.array[int]] = {}

    def __len__(self) -> int:
        return len(self.lines)

    def line(self, index: int) -> str:
        return self.lines[index] if 0 <= index < len(self.lines) else ""

    def to_client(self, pos: Position) -> types.Position:
        line = self.line(pos.line)
        character = min(pos.character, len(line))
        if (pos.line < len(self._ascii) and self._ascii[pos.line]) or \
                self.encoding == types.PositionEncodingKind.Utf32:
            return types.Position(pos.line, character)
        return types.Position(pos.line, self._columns(pos.line)[character])

    def to_client_range(self, r: Range) -> types.Range:
        return types.Range(self.to_client(r.start), self.to_client(r.end))

    def from_client(self, pos: types.Position) -> Position:
        """A client position in code points. Past the end of its line, the end of the line;
        past the last line, the end of the document (as editors read such positions)."""
        if pos.line >= len(self.lines):
            return self.end()
        line = self.line(pos.line)
        if (pos.line < len(self._ascii) and self._ascii[pos.line]) or \
                self.encoding == types.PositionEncodingKind.Utf32:
            return Position(pos.line, min(pos.character, len(line)))
        # The first code point that starts at or after the client's column.
        index = bisect.bisect_left(self._columns(pos.line), pos.character)
        return Position(pos.line, min(index, len(line)))

    def from_client_range(self, r: types.Range) -> Range:
        return Range(self.from_client(r.start), self.from_client(r.end))

    def _columns(self, index: int) -> array.array[int]:
        columns = self._unit_starts.get(index)
        if columns is None:
            columns = array.array("q", [0])
            total = 0
            units = _utf8_units if self.encoding == types.PositionEncodingKind.Utf8 else (
                _utf16_units)
            for char in self.lines[index]:
                total += units(ord(char))
                columns.append(total)
            self._unit_starts[index] = columns
        return columns

    def end(self) -> Position:
        last = len(self.lines) - 1
        return Position(max(last, 0), len(self.line(last)))


def offset_of(text: str, pos: types.Position,
              encoding: str = types.PositionEncodingKind.Utf16) -> int:
    """The offset in `text` of a client position, read as `Lines.from_client` reads it,
    without cutting the whole text into lines (an edit of a long document costs the way to
    its line, not a copy of every line)."""
    if pos.line == 0:
        start = 0
    else:
        found = next(itertools.islice(LINE_BREAK.finditer(text), pos.line - 1, None), None)
        if found is None:
            return len(text)  # past the last line: the end of the document
        start = found.end()
    after = LINE_BREAK.search(text, start)
    line = Lines(text[start:after.start() if after else len(text)], encoding)
    return start + line.from_client(types.Position(0, pos.character)).character


def _utf8_units(code: int) -> int:
    return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4


def _utf16_units(code: int) -> int:
    return 2 if code > 0xFFFF else 1


def severity(finding: Finding, overrides: dict[str, str]) -> types.DiagnosticSeverity | None:
    """The severity to show, None when the user turned the code off, or did not turn on a
    code that is off by default (a design smell) by giving it a level."""
    chosen = overrides.get(finding.code)
    if chosen == "off" or (chosen is None and not is_enabled(finding.code)):
        return None
    if chosen is not None:
        return _SEVERITIES[chosen]
    return {Severity.ERROR: types.DiagnosticSeverity.Error,
            Severity.WARNING: types.DiagnosticSeverity.Warning,
            Severity.INFO: types.DiagnosticSeverity.Information}[finding.severity]


# The lines of another file (a module a finding's related information points into), or None
# when it cannot be read.
OtherLines = Callable[[str], "Lines | None"]


def diagnostic(finding: Finding, lines: Lines, uri: str, level: types.DiagnosticSeverity,
               other_lines: OtherLines | None = None) -> types.Diagnostic:
    return types.Diagnostic(
        range=lines.to_client_range(finding.range),
        message=finding.message,
        severity=level,
        code=finding.code,
        code_description=types.CodeDescription(href=rule_href(finding.code)),
        source=SOURCE,
        related_information=[_related(r, lines, uri, other_lines)
                             for r in finding.related] or None,
    )


def _related(related: Related, lines: Lines, uri: str, other_lines: OtherLines | None
             ) -> types.DiagnosticRelatedInformation:
    if related.file is None:
        return types.DiagnosticRelatedInformation(
            types.Location(uri, lines.to_client_range(related.range)), related.message)
    # Another module: its columns converted with its own text.
    theirs = other_lines(related.file) if other_lines is not None else None
    r = related.range
    where = theirs.to_client_range(r) if theirs is not None else types.Range(
        types.Position(r.start.line, r.start.character),
        types.Position(r.end.line, r.end.character))
    return types.DiagnosticRelatedInformation(
        types.Location(Path(related.file).resolve().as_uri(), where), related.message)


def diagnostics(findings: Sequence[Finding], lines: Lines, uri: str,
                overrides: dict[str, str], other_lines: OtherLines | None = None
                ) -> list[types.Diagnostic]:
    """`other_lines`: the lines of another file, by path (asked once per file)."""
    memo: dict[str, Lines | None] = {}

    def once(path: str) -> Lines | None:
        if path not in memo:
            memo[path] = other_lines(path) if other_lines is not None else None
        return memo[path]

    result = []
    for finding in findings:
        level = severity(finding, overrides)
        if level is not None:
            result.append(diagnostic(finding, lines, uri, level, once))
    return result


def text_edits(fix: Fix, lines: Lines) -> list[types.TextEdit]:
    return [types.TextEdit(lines.to_client_range(edit.range), edit.content)
            for edit in fix.edits]


def workspace_edit(uri: str, version: int | None, edits: list[types.TextEdit],
                   document_changes: bool) -> types.WorkspaceEdit:
    if document_changes:
        identifier = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
        return types.WorkspaceEdit(document_changes=[
            types.TextDocumentEdit(text_document=identifier, edits=list(edits))])
    return types.WorkspaceEdit(changes={uri: edits})
