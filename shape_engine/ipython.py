"""IPython syntax in a notebook cell, read as Python that binds nothing known.

A kernel runs a cell through IPython's input transformers before Python sees it. Only the
forms that are not Python are replaced, each by a statement on the same line at the same
indentation, so every other line and column of the cell stays where it was and findings map
back exactly:

- a line magic, a shell escape, a help request or an autocall escape at the start of a
  statement (`%matplotlib inline`, `!pip install x`, `obj?`, `?obj`, `/f x`) -> `pass`;
- an assignment from a shell or a magic (`x = !ls`, `t = %timeit -o f()`) -> `x = get_ipython()`:
  the name is bound, to a value the engine does not know (`get_ipython` is not defined);
- a continuation line of either (a trailing backslash) -> an empty line.

A cell magic on the first line decides for the whole cell: `%%time`, `%%capture`, `%%prun`
and `%%debug` run their body as Python in the kernel's namespace (IPython's `run_cell_magic`
executes it with the user's globals), so the body is kept and the magic line becomes `pass`;
every other cell magic (`%%bash`, `%%writefile`, `%%html`, `%%timeit`, whose body runs in a
function of its own, and unknown ones) makes the cell something else than module code: the
cell is left out.

Whether a line starts a statement is decided with the tokenizer, so a `%` or `!` that starts a
line inside a string or a bracket is left alone.
"""

from __future__ import annotations

import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass

# Cell magics whose body the kernel runs as module code.
PYTHON_CELL_MAGICS = frozenset({"time", "capture", "prun", "debug"})

_ESCAPES = ("%", "!", "?", "/", ",", ";")
# `x = !ls`, `a, b = %sx ls`, `self.out = !cmd`: a target, `=`, then a shell or magic escape.
_ASSIGNED = re.compile(r"^(\s*)([\w.\[\]'\", ]+?)\s*=\s*[!%]")
# `obj?`, `obj.attr??`, `%magic?`, `np.*load*?`: a help request by a trailing question mark.
_HELP_END = re.compile(r"^\s*%{0,2}[\w.*\[\]]+\s*\?{1,2}\s*$")
_REPLACEMENT = "pass"
ASSIGNED_VALUE = "get_ipython()"


@dataclass(frozen=True)
class Cell:
    """A cell's lines as Python: as many as it has, the IPython ones replaced."""

    lines: tuple[str, ...]
    replaced: frozenset[int]  # the lines whose text is not the cell's own


def cell_magic(lines: list[str]) -> str | None:
    """The name of the cell magic on the cell's first non-blank line, if any."""
    for line in lines:
        if line.strip():
            if line.startswith("%%"):
                parts = line[2:].split(maxsplit=1)
                return parts[0] if parts else ""
            return None
    return None


def as_python(lines: list[str]) -> Cell | None:
    """The cell (its lines without line breaks) as Python; None when a cell magic makes it
    something else."""
    out = list(lines)
    replaced: set[int] = set()
    magic = cell_magic(lines)
    if magic is not None:
        if magic not in PYTHON_CELL_MAGICS:
            return None
        first = next(i for i, line in enumerate(lines) if line.strip())
        out[first] = _REPLACEMENT
        replaced.add(first)
    scanner = _StatementStarts(out, replaced)
    scanner.run()
    return Cell(tuple(out), frozenset(replaced))


class _StatementStarts:
    """Feeds the lines to the tokenizer one at a time; a line the tokenizer asks for at the
    start of a statement (the previous line ended one, outside brackets and strings) is
    translated before the tokenizer reads it."""

    def __init__(self, lines: list[str], replaced: set[int]) -> None:
        self.lines = lines
        self.replaced = replaced
        self.next = 0
        self.depth = 0
        self.last: int | None = None  # the type of the last token read
        self.read_since = True  # tokens were read since the previous line was handed over

    def run(self) -> None:
        try:
            for token in tokenize.generate_tokens(self._readline):
                self.read_since = True
                self.last = token.type
                if token.type == tokenize.OP:
                    if token.string in "([{":
                        self.depth += 1
                    elif token.string in ")]}":
                        self.depth = max(self.depth - 1, 0)
        except (tokenize.TokenError, SyntaxError):
            # The cell does not tokenize (Python will say where): the rest of its lines are
            # read one by one, each as if it started a statement.
            while self.next < len(self.lines):
                self._translate(self.next)
                self.next += 1

    def _readline(self) -> str:
        index = self.next
        if index >= len(self.lines):
            return ""
        starts = self.depth == 0 and self.read_since and self.last in (
            None, tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT)
        if starts:
            self._translate(index)
        self.read_since = False
        self.next = index + 1
        return self.lines[index] + "\n"

    def _translate(self, index: int) -> None:
        line = self.lines[index]
        stripped = line.lstrip()
        indent = line[:len(line) - len(stripped)]
        assigned = _ASSIGNED.match(line)
        if assigned is not None and not stripped.startswith(_ESCAPES):
            text = f"{assigned.group(1)}{assigned.group(2).strip()} = {ASSIGNED_VALUE}"
        elif stripped.startswith(_ESCAPES) or _HELP_END.match(line):
            text = indent + _REPLACEMENT
        else:
            return
        continued = list(_continuation(self.lines, index))
        self.lines[index] = text
        self.replaced.add(index)
        for joined in continued:
            self.lines[joined] = ""
            self.replaced.add(joined)


def _continuation(lines: list[str], index: int) -> Iterator[int]:
    """The lines a trailing backslash joins to line `index` (IPython joins them before it
    reads the magic)."""
    while lines[index].endswith("\\") and index + 1 < len(lines):
        index += 1
        yield index
