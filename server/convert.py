"""Engine results to LSP types, and LSP positions to engine positions.

The engine counts columns in code points; LSP counts them in the negotiated position
encoding (UTF-16 unless the client offers UTF-8 or UTF-32).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from lsprotocol import types

from shape_engine.docs import RULES_PAGE
from shape_engine.facts import split_lines
from shape_engine.findings import Finding, Fix, Position, Range, Related, Severity
from shape_engine.selection import is_enabled

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
    """One version of a document's lines, converting columns between encodings."""

    def __init__(self, text: str, encoding: str = types.PositionEncodingKind.Utf16) -> None:
        self.lines = split_lines(text)
        self.encoding = encoding
        self._ascii = [line.isascii() for line in self.lines]

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
        return types.Position(pos.line, _units(line[:character], self.encoding))

    def to_client_range(self, r: Range) -> types.Range:
        return types.Range(self.to_client(r.start), self.to_client(r.end))

    def from_client(self, pos: types.Position) -> Position:
        line = self.line(pos.line)
        if (pos.line < len(self._ascii) and self._ascii[pos.line]) or \
                self.encoding == types.PositionEncodingKind.Utf32:
            return Position(pos.line, min(pos.character, len(line)))
        units = 0
        for index, char in enumerate(line):
            if units >= pos.character:
                return Position(pos.line, index)
            units += _units(char, self.encoding)
        return Position(pos.line, len(line))

    def from_client_range(self, r: types.Range) -> Range:
        return Range(self.from_client(r.start), self.from_client(r.end))

    def end(self) -> Position:
        last = len(self.lines) - 1
        return Position(max(last, 0), len(self.line(last)))


def _units(text: str, encoding: str) -> int:
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8"))
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    return len(text.encode("utf-16-le")) // 2


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
