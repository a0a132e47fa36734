"""What the engine reports: findings with ranges, related locations and fixes.

Positions are 0-based lines and 0-based *code point* columns. Presenters convert: the CLI to
1-based rows and columns, the language server to UTF-16 offsets.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple

# Positions, ranges, edits, fixes and related places are immutable records compared by value,
# made by the thousand and made at import by every rule table: NamedTuples, which cost a
# fifth of a frozen dataclass to declare and compare and hash in C. (Findings stay
# dataclasses: checks `replace` their fields.)


class Position(NamedTuple):
    """A place in a document: 0-based line, 0-based code point column."""

    line: int
    character: int


class Range(NamedTuple):
    """The text from `start` to `end`."""

    start: Position
    end: Position

    @staticmethod
    def of(line: int, col: int, end_line: int, end_col: int) -> Range:
        return Range(Position(line, col), Position(end_line, end_col))

    def contains(self, pos: Position) -> bool:
        return self.start <= pos <= self.end


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Applicability(str, Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"


class Edit(NamedTuple):
    """Replace the text in `range` with `content` (an empty range inserts)."""

    range: Range
    content: str


class Fix(NamedTuple):
    """Edits that together resolve a finding."""

    title: str
    edits: tuple[Edit, ...]
    applicability: Applicability = Applicability.SAFE


class Related(NamedTuple):
    """A place that explains a finding, e.g. the layer or data that produced a shape."""

    range: Range
    message: str
    file: str | None = None  # None: the document being analysed


@dataclass(frozen=True)
class Finding:
    """One problem, where it is, what explains it, and how to fix it."""

    code: str
    severity: Severity
    message: str
    range: Range
    related: tuple[Related, ...] = ()
    fixes: tuple[Fix, ...] = ()
    # The fix a user most likely wants; an index into `fixes`.
    preferred_fix: int | None = None
    # The module the range is in, when it is not the document being analysed (a model built
    # in an imported module): such findings belong to that module's own analysis.
    file: str | None = None

    @property
    def fix(self) -> Fix | None:
        if self.preferred_fix is None or not self.fixes:
            return None
        return self.fixes[self.preferred_fix]


# How `analysis` names a finding of its own analysis, to say which models produced it
# (verify.py judges each fix with those models).
FindingId = tuple[str, Range, str]


def finding_id(finding: Finding) -> FindingId:
    return finding.code, finding.range, finding.message
