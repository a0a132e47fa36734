"""Suppression comments, as flake8 and ruff users write them.

- `# noqa: SL201` (codes separated by commas or spaces) or `# noqa` alone, on the line a
  finding starts, hides it;
- `# shapelens: noqa` anywhere in the file hides every finding, `# shapelens: noqa: SL201`
  those of the codes named.

Comments are found with the tokenizer, so a `# noqa` inside a string is text, not a comment.
Unused suppressions of SL codes become SL901 findings when that rule is selected; `add_noqa`
writes the comments for existing findings (`--add-noqa`).
"""

from __future__ import annotations

import functools
import io
import re
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from shape_engine.checks.noqa import UNUSED_NOQA
from shape_engine.findings import Edit, Finding, Fix, Position, Range

_CODES = r"[A-Z]+[0-9]+(?:(?:\s*,\s*|\s+)[A-Z]+[0-9]+)*"
_LINE = rf"#\s*noqa(?::\s*(?P<codes>{_CODES}))?(?=$|[\s:#,])"
_FILE = rf"#\s*shapelens\s*:\s*noqa(?::\s*(?P<codes>{_CODES}))?(?=$|[\s:#,])"
_SPLIT = re.compile(r"[\s,]+")
OUR_PREFIX = "SL"


@dataclass
class Directive:
    """One suppression comment: its line (0-based), its codes (None: all), where its text
    is (`start`, `end` columns of the directive, `codes_at` of its codes) and what it hid."""

    line: int
    codes: tuple[str, ...] | None
    start: int
    end: int
    codes_at: tuple[int, int] | None
    file_level: bool
    comment_start: int  # where the whole comment starts (the directive may follow other text)
    used: set[str] = field(default_factory=set)
    used_bare: bool = False

    def covers(self, code: str) -> bool:
        return self.codes is None or code in self.codes


@dataclass
class Directives:
    """The suppression comments of a text."""

    by_line: dict[int, Directive] = field(default_factory=dict)
    file_level: list[Directive] = field(default_factory=list)
    commentable: dict[int, int] = field(default_factory=dict)  # line -> end of its content

    def suppressing(self, finding: Finding) -> Directive | None:
        for directive in self.file_level:
            if directive.covers(finding.code):
                return directive
        on_line = self.by_line.get(finding.range.start.line)
        return on_line if on_line is not None and on_line.covers(finding.code) else None

    def suppress(self, findings: Iterable[Finding]) -> list[Finding]:
        """The findings no comment hides; the comments note what they hid."""
        kept = []
        for finding in findings:
            directive = self.suppressing(finding)
            if directive is None:
                kept.append(finding)
            elif directive.codes is None:
                directive.used_bare = True
            else:
                directive.used.add(finding.code)
        return kept


def read_directives(text: str, lines: bool = False) -> Directives:
    """The text's suppression comments (up to where the tokenizer stops, for a text that
    does not tokenize); with `lines`, also the lines a comment can end."""
    found = Directives()
    if lines:
        for token in _tokens(text):
            if token.type in (tokenize.NEWLINE, tokenize.NL):
                found.commentable[token.start[0] - 1] = token.start[1]
    for line, col, comment in _noqa_comments(text):
        file_match = _pattern(_FILE).search(comment)
        if file_match is not None:
            found.file_level.append(_directive(file_match, line, col, True))
            continue
        match = _pattern(_LINE).search(comment)
        if match is not None:
            found.by_line[line] = _directive(match, line, col, False)
    return found


@functools.cache
def _pattern(source: str) -> re.Pattern[str]:
    """Compiled for the first noqa comment (these take a millisecond, and most files have
    none)."""
    return re.compile(source, re.IGNORECASE)


@functools.lru_cache(maxsize=4)
def _noqa_comments(text: str) -> tuple[tuple[int, int, str], ...]:
    """(line, column, text) of the comments that mention noqa. Cached: the language server
    asks again for the same text at each publish, hover and code action (tokenizing 10,000
    lines takes about 0.3 s); a text without `noqa` is not tokenized at all."""
    if "noqa" not in text.lower():
        return ()
    return tuple((token.start[0] - 1, token.start[1], token.string) for token in _tokens(text)
                 if token.type == tokenize.COMMENT and "noqa" in token.string.lower())


def _tokens(text: str) -> Iterator[tokenize.TokenInfo]:
    try:
        yield from tokenize.generate_tokens(io.StringIO(text).readline)
    except (tokenize.TokenError, SyntaxError):  # IndentationError is a SyntaxError
        return


def _directive(match: re.Match[str], line: int, col: int, file_level: bool) -> Directive:
    raw = match.group("codes")
    codes = tuple(c.upper() for c in _SPLIT.split(raw.strip())) if raw else None
    codes_at = (col + match.start("codes"), col + match.end("codes")) if raw else None
    return Directive(line, codes, col + match.start(), col + match.end(), codes_at, file_level,
                     col)


def suppress(findings: Iterable[Finding], text: str, report_unused: bool = False
             ) -> list[Finding]:
    """The findings no comment suppresses; with `report_unused`, an SL901 finding for each
    comment naming SL codes that hid nothing."""
    directives = read_directives(text)
    kept = directives.suppress(findings)
    if report_unused:
        kept += unused_findings(directives, text)
    return kept


def unused_findings(directives: Directives, text: str) -> list[Finding]:
    lines = text.splitlines()
    found = []
    for directive in (*directives.file_level, *directives.by_line.values()):
        if directive.codes is None:
            # A bare line directive may serve other tools; a bare file-level one is ours.
            if directive.file_level and not directive.used_bare:
                found.append(_unused(directive, [], lines, "`# shapelens: noqa` hides nothing"))
            continue
        unused = [c for c in directive.codes
                  if c.startswith(OUR_PREFIX) and c not in directive.used]
        if unused:
            found.append(_unused(directive, unused, lines,
                                 f"Unused suppression of {', '.join(unused)}: "
                                 f"{'nothing is' if len(unused) == 1 else 'none of them is'} "
                                 "reported here"))
    return sorted(found, key=lambda f: f.range.start)


def _unused(directive: Directive, unused: list[str], lines: list[str], message: str
            ) -> Finding:
    at = Range.of(directive.line, directive.start, directive.line, directive.end)
    line = lines[directive.line] if directive.line < len(lines) else ""
    left = [c for c in directive.codes or () if c not in unused]
    if left and directive.codes_at is not None:
        edit = Edit(Range.of(directive.line, directive.codes_at[0], directive.line,
                             directive.codes_at[1]), ", ".join(left))
        return UNUSED_NOQA.finding(message, at, fixes=(Fix(
            f"Remove {', '.join(unused)} from the suppression", (edit,)),))
    start, end = directive.start, directive.end
    rest = line[end:].lstrip()
    if directive.comment_start != start or not rest:
        # The directive ends the line (after code or another comment): it goes with the
        # spaces before it.
        start = len(line[:start].rstrip())
        replacement = ""
    else:  # words follow the directive: they stay, as a comment
        end = len(line) - len(rest)
        replacement = "" if rest.startswith("#") else "# "
    edit = Edit(Range.of(directive.line, start, directive.line, end), replacement)
    return UNUSED_NOQA.finding(message, at, fixes=(Fix("Remove the unused suppression",
                                                       (edit,)),))


# -- adding ----------------------------------------------------------------------------------


def noqa_edits(text: str, findings: Iterable[Finding]) -> tuple[list[Edit], int]:
    """Edits adding a noqa comment with the codes for each finding on the line it starts
    (merged into an existing one naming other codes: `E501` becomes `E501, SL201`), and how
    many findings could not get one (a line ending inside a string or continued by a
    backslash: a comment there would change the code)."""
    directives = read_directives(text, lines=True)
    lines = text.splitlines()
    wanted: dict[int, list[str]] = {}
    for finding in findings:
        codes = wanted.setdefault(finding.range.start.line, [])
        if finding.code not in codes:
            codes.append(finding.code)
    edits = []
    skipped = 0
    for line, codes in sorted(wanted.items()):
        existing = directives.by_line.get(line)
        if existing is not None and existing.codes is not None and existing.codes_at:
            merged = [*existing.codes, *(c for c in codes if c not in existing.codes)]
            edits.append(Edit(Range.of(line, existing.codes_at[0], line, existing.codes_at[1]),
                              ", ".join(merged)))
            continue
        if existing is not None or line not in directives.commentable or line >= len(lines):
            skipped += len(codes)  # a bare directive already hides them, or no comment fits
            continue
        end = len(lines[line].rstrip())
        edits.append(Edit(Range(Position(line, end), Position(line, end)),
                          f"  # noqa: {', '.join(codes)}"))
    return edits, skipped
