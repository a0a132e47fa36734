"""Analysis proportional to the edit: a document is analysed in independent parts, cached.

A Python module is a sequence of top-level statements that talk to each other only through
names. The document is cut into *chunks* (top-level statements with their trailing comments),
and chunks that share a name are grouped into *components* (union-find over names). Imports
of Keras/TensorFlow/numpy modules and constant definitions (`IMG = 28`) bind values the
program cannot change, so they are copied into each component that uses them instead of
joining everything together. Each component is analysed by the engine on its own text and
its facts are cached by that text: a one-line edit re-analyses only the component it touches,
and lines inserted above a component only move its cached facts.

Whenever a cut is in doubt the analysis falls back to bigger parts, down to the whole file:
chunks that do not parse alone are merged with the next, a star import from a user module
(whose names cannot be followed) makes the file one component, and a file that does not
parse is analysed whole (the engine then reports the syntax error).
"""

from __future__ import annotations

import ast
import re
import symtable
import warnings
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field

from server.facts import (
    Assignment,
    Facts,
    LineMap,
    ScopeSpan,
    extract,
    move_findings,
    split_lines,
)
from shape_engine.analysis import Analysis, analyze_source
from shape_engine.evaluate import MODULE_ROOTS, ModuleResolver
from shape_engine.findings import Finding, Position, Range
from shape_engine.source import LineIndex

# A chunk that does not parse alone is merged with the next ones at most this often before
# the whole file is parsed to find the statements (e.g. a docstring with unindented lines).
MAX_MERGES = 16

_CONTINUATION = re.compile(r"(else|elif|except|finally)\b")
# Expressions a constant definition may not contain: they could create or change objects.
_NOT_CONSTANT = (ast.Call, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp,
                 ast.GeneratorExp, ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom)


class Session:
    """Resolves the imports of one analysis and records which module versions it read."""

    def resolve(self, module: str, level: int, from_path: str | None
                ) -> tuple[str, str] | None:
        raise NotImplementedError

    @property
    def dependencies(self) -> dict[str, object]:
        raise NotImplementedError


class Resolution:
    """Cross-file resolution for analyses (see `server.resolve`)."""

    epoch = 0  # changes when a module may appear or disappear

    def session(self, importer: str | None) -> Session:
        raise NotImplementedError

    def stamp(self, path: str) -> object:
        """The current version of a module: equal stamps, same text."""
        raise NotImplementedError


@dataclass(frozen=True)
class ChunkInfo:
    """What partitioning and fact extraction need from one chunk; lines relative to it."""

    empty: bool
    binds: frozenset[str]  # names bound at module level (or declared global)
    mentions: frozenset[str]  # names of the module scope it reads or writes
    kind: str | None  # "import" or "constant": may be copied into every component using it
    star: bool  # a star import from Keras/TensorFlow: every component needs it
    user_star: bool  # a star import from another module: names cannot be followed
    scopes: tuple[ScopeSpan, ...]
    assignments: tuple[Assignment, ...]


@dataclass(frozen=True)
class Chunk:
    start: int  # first line in the document
    line_count: int
    text: str  # its lines, each ended by "\n"
    info: ChunkInfo


@dataclass
class _ComponentResult:
    facts: Facts  # in the coordinates of the component's own text
    starts: tuple[int, ...]  # line of each chunk in that text
    dependencies: dict[str, object]
    epoch: int
    placed_at: tuple[int, ...] | None = None
    placed: Facts | None = None

    def line_map(self, doc_starts: tuple[int, ...]) -> LineMap | None:
        """Component text lines to document lines; None when they are the same."""
        if doc_starts == self.starts:
            return None
        starts = self.starts

        def line_map(line: int) -> int:
            k = max(bisect_right(starts, line) - 1, 0)
            return line - starts[k] + doc_starts[k]

        return line_map

    def findings_at(self, doc_starts: tuple[int, ...]) -> list[Finding]:
        line_map = self.line_map(doc_starts)
        if line_map is None:
            return self.facts.findings
        return move_findings(self.facts.findings, line_map)

    def at(self, doc_starts: tuple[int, ...]) -> Facts:
        """The facts with each chunk at its current line in the document."""
        if self.placed is None or self.placed_at != doc_starts:
            line_map = self.line_map(doc_starts)
            self.placed = self.facts if line_map is None else self.facts.moved(line_map)
            self.placed_at = doc_starts
        return self.placed


class Outcome:
    """One analysis of a document: findings at once, the other facts when asked for
    (after the diagnostics are out)."""

    def __init__(self, findings: list[Finding], parsed: bool,
                 dependencies: frozenset[str], complete: Callable[[], Facts]) -> None:
        self.findings = findings
        self.parsed = parsed
        self.dependencies = dependencies
        self._complete: Callable[[], Facts] | None = complete
        self._facts: Facts | None = None

    def facts(self) -> Facts:
        if self._facts is None:
            assert self._complete is not None
            self._facts = self._complete()
            self._facts.dependencies = self.dependencies
            self._complete = None  # let go of the engine's analysis
        return self._facts


class _Generations:
    """A cache that keeps what the last two versions of the document used."""

    def __init__(self) -> None:
        self.current: dict[object, object] = {}
        self.previous: dict[object, object] = {}

    def get(self, key: object) -> object | None:
        if key in self.current:
            return self.current[key]
        if key in self.previous:
            value = self.current[key] = self.previous[key]
            return value
        return None

    def put(self, key: object, value: object) -> None:
        self.current[key] = value

    def next_version(self) -> None:
        self.previous, self.current = self.current, {}

    def __len__(self) -> int:
        return len(self.current) + len(self.previous)


_FAILED = object()
_EMPTY_INFO = ChunkInfo(True, frozenset(), frozenset(), None, False, False, (), ())


class DocumentAnalyzer:
    """Analyses successive versions of one document, reusing what did not change.

    The first version is analysed whole (that is quickest when nothing is cached);
    `prepare` then fills the caches in the background so later edits cost little.
    Not thread-safe: one analysis at a time (the server runs them on one thread).
    """

    def __init__(self, path: str | None, resolution: Resolution | None = None,
                 analyze: Callable[[str, str | None, ModuleResolver | None], Analysis]
                 = analyze_source) -> None:
        self.path = path
        self.resolution = resolution
        self._analyze = analyze
        self._infos = _Generations()
        self._components = _Generations()
        self.components_analysed = 0  # for tests and benchmarks: how much work an edit cost

    @property
    def prepared(self) -> bool:
        return len(self._components) > 0

    def analyze(self, text: str) -> Outcome:
        if not self.prepared:
            return self._whole(text)
        try:
            chunks = self.chunks(text)
            if chunks is None:
                return self._whole(text)
            return self._by_components(chunks, text)
        finally:
            self._infos.next_version()
            self._components.next_version()

    def prepare(self, text: str) -> None:
        """Cut the text into components and analyse each, for the next edits."""
        if self.prepared:
            return
        chunks = self.chunks(text)
        if chunks is not None:
            self._by_components(chunks, text)
        if not self.prepared:
            self._components.put((), None)  # nothing to cut: do not try again

    # -- chunks ------------------------------------------------------------------------------

    def chunks(self, text: str) -> list[Chunk] | None:
        """The document's chunks, or None when it does not parse."""
        lines = split_lines(text)
        if lines and lines[-1] == "":
            lines.pop()
        spans = _spans(_heuristic_starts(lines), len(lines))
        chunks = self._parse_spans(lines, spans)
        if chunks is not None:
            return chunks
        starts = _statement_starts(text)
        if starts is None:
            return None
        return self._parse_spans(lines, _spans(starts, len(lines)))

    def _parse_spans(self, lines: list[str], spans: list[tuple[int, int]]
                     ) -> list[Chunk] | None:
        chunks = []
        i = 0
        while i < len(spans):
            start, end = spans[i]
            info = self._info(lines, start, end)
            merges = 0
            while info is None and i + 1 < len(spans) and merges < MAX_MERGES:
                i += 1
                merges += 1
                end = spans[i][1]
                info = self._info(lines, start, end)
            if info is None:
                return None
            chunks.append(Chunk(start, end - start, _text(lines, start, end), info))
            i += 1
        return chunks

    def _info(self, lines: list[str], start: int, end: int) -> ChunkInfo | None:
        text = _text(lines, start, end)
        cached = self._infos.get(text)
        if cached is None:
            cached = chunk_info(text) or _FAILED
            self._infos.put(text, cached)
        return cached if isinstance(cached, ChunkInfo) else None

    # -- components --------------------------------------------------------------------------

    def _by_components(self, chunks: list[Chunk], text: str) -> Outcome:
        placed: list[tuple[_ComponentResult, tuple[int, ...]]] = []
        for component in partition(chunks):
            members = [chunks[i] for i in component]
            result = self._component(members)
            if result is None:
                return self._whole(text)
            placed.append((result, tuple(c.start for c in members)))
        findings = [f for result, starts in placed for f in result.findings_at(starts)]
        findings = _distinct(sorted(findings, key=lambda f: (f.range.start, f.code)))
        dependencies = frozenset(p for result, _ in placed for p in result.dependencies)

        def complete() -> Facts:
            if not placed:
                return Facts()
            return Facts.merge([result.at(starts) for result, starts in placed])

        return Outcome(findings, True, dependencies, complete)

    def _component(self, members: list[Chunk]) -> _ComponentResult | None:
        key = tuple(c.text for c in members)
        cached = self._components.get(key)
        if isinstance(cached, _ComponentResult) and self._still_valid(cached):
            return cached
        result = self._run(members)
        if result is not None:
            self._components.put(key, result)
        return result

    def _still_valid(self, result: _ComponentResult) -> bool:
        if self.resolution is None:
            return True
        return result.epoch == self.resolution.epoch and all(
            self.resolution.stamp(path) == stamp for path, stamp in result.dependencies.items())

    def _run(self, members: list[Chunk]) -> _ComponentResult | None:
        starts = []
        scopes: list[ScopeSpan] = []
        assignments: list[Assignment] = []
        line = 0
        for chunk in members:
            starts.append(line)
            scopes.extend(_shift_scope(s, line) for s in chunk.info.scopes)
            assignments.extend(_shift_assignment(a, line) for a in chunk.info.assignments)
            line += chunk.line_count
        epoch = self.resolution.epoch if self.resolution else 0
        session = self.resolution.session(self.path) if self.resolution else None
        analysis = self._analyze("".join(c.text for c in members), self.path,
                                 session.resolve if session else None)
        self.components_analysed += 1
        if not analysis.parsed:
            return None
        facts = extract(analysis, scopes, assignments)
        dependencies = session.dependencies if session else {}
        facts.dependencies = frozenset(dependencies)
        return _ComponentResult(facts, tuple(starts), dependencies, epoch)

    def _whole(self, text: str) -> Outcome:
        """The whole document as one analysis."""
        session = self.resolution.session(self.path) if self.resolution else None
        analysis = self._analyze(text, self.path, session.resolve if session else None)
        self.components_analysed += 1
        dependencies = frozenset(session.dependencies if session else {})
        if not analysis.parsed:
            findings = list(analysis.findings)
            return Outcome(findings, False, dependencies,
                           lambda: Facts(findings=findings, parsed=False))

        def complete() -> Facts:
            info = chunk_info(text) or _EMPTY_INFO
            return extract(analysis, info.scopes, info.assignments)

        return Outcome(list(analysis.findings), True, dependencies, complete)


def _distinct(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, Range, str]] = set()
    result = []
    for finding in findings:
        key = (finding.code, finding.range, finding.message)
        if key not in seen:
            seen.add(key)
            result.append(finding)
    return result


def partition(chunks: list[Chunk]) -> list[list[int]]:
    """Groups of chunk indices (document order) that must be analysed together."""
    binders: dict[str, list[int]] = {}
    for i, chunk in enumerate(chunks):
        for name in chunk.info.binds:
            binders.setdefault(name, []).append(i)
    if any(chunk.info.user_star for chunk in chunks):
        return [[i for i, c in enumerate(chunks) if not c.info.empty]]
    shared, shared_names = _shared_chunks(chunks, binders)
    stars = [i for i in shared if chunks[i].info.star]
    parent: dict[object, object] = {}

    def find(x: object) -> object:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    regular = [i for i, c in enumerate(chunks) if i not in shared and not c.info.empty]
    for i in regular:
        find(i)
        for name in chunks[i].info.mentions:
            if name in binders and name not in shared_names:
                parent[find(i)] = find(("name", name))
    groups: dict[object, list[int]] = {}
    for i in regular:
        groups.setdefault(find(i), []).append(i)
    components = []
    for members in groups.values():
        needed = set(members) | set(stars)
        pending = [n for i in members for n in chunks[i].info.mentions if n in shared_names]
        while pending:
            binder = binders[pending.pop()][0]
            if binder not in needed:
                needed.add(binder)
                pending.extend(n for n in chunks[binder].info.mentions if n in shared_names)
        components.append(sorted(needed))
    return components


def _shared_chunks(chunks: list[Chunk], binders: dict[str, list[int]]
                   ) -> tuple[set[int], set[str]]:
    """Chunks that may be copied into several components: imports of modules the engine
    names itself, and constants bound once from other constants."""
    shared: set[int] = set()
    names: set[str] = set()
    for i, chunk in enumerate(chunks):
        info = chunk.info
        if info.kind is None or any(len(binders[n]) != 1 for n in info.binds):
            continue
        if info.kind == "constant" and any(
                n in binders and n not in names for n in info.mentions - info.binds):
            continue
        shared.add(i)
        names |= info.binds
    return shared, names


# -- cutting the text ------------------------------------------------------------------------


def _heuristic_starts(lines: list[str]) -> list[int]:
    """Lines that look like the start of a top-level statement; parsing confirms."""
    starts = [0]
    after_decorator = bool(lines) and lines[0].startswith("@")
    for i in range(1, len(lines)):
        line = lines[i]
        if not line or line[0] in " \t\f#)]}" or _CONTINUATION.match(line):
            continue
        if not after_decorator:
            starts.append(i)
        after_decorator = line[0] == "@"
    return starts


def _statement_starts(text: str) -> list[int] | None:
    tree = _parse(text)
    if tree is None:
        return None
    starts = [0]
    for stmt in tree.body[1:]:
        decorators = getattr(stmt, "decorator_list", [])
        starts.append(min([stmt.lineno, *(d.lineno for d in decorators)]) - 1)
    return starts


def _spans(starts: list[int], line_count: int) -> list[tuple[int, int]]:
    ends = [*starts[1:], line_count]
    return [(s, e) for s, e in zip(starts, ends, strict=True) if e > s]


def _text(lines: list[str], start: int, end: int) -> str:
    return "\n".join(lines[start:end]) + "\n"


def _parse(text: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


# -- what a chunk binds and mentions ---------------------------------------------------------


def chunk_info(text: str) -> ChunkInfo | None:
    """None when the text does not parse on its own."""
    tree = _parse(text)
    if tree is None:
        return None
    binds, mentions = _names(text, tree)
    kind, star, user_star = _kind(tree.body)
    statements = _Statements(LineIndex(text))
    try:
        statements.visit(tree.body, "")
    except RecursionError:
        return None
    return ChunkInfo(
        empty=not tree.body, binds=frozenset(binds), mentions=frozenset(mentions | binds),
        kind=kind, star=star, user_star=user_star,
        scopes=tuple(statements.scopes), assignments=tuple(statements.assignments))


def _names(text: str, tree: ast.Module) -> tuple[set[str], set[str]]:
    """(names bound in the module scope, names of the module scope used anywhere).

    Python's own symbol tables say which names are global where (functions' locals and
    comprehension variables are not). When they cannot be built, every name counts as both:
    too many names only make components bigger.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = symtable.symtable(text, "<chunk>", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        every = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        every |= {n.name for n in ast.walk(tree)
                  if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)}
        every |= {(a.asname or a.name).split(".")[0] for n in ast.walk(tree)
                  if isinstance(n, ast.Import | ast.ImportFrom) for a in n.names}
        return every, every
    binds: set[str] = set()
    mentions: set[str] = set()
    for symbol in table.get_symbols():
        mentions.add(symbol.get_name())
        if symbol.is_assigned() or symbol.is_imported() or symbol.is_namespace():
            binds.add(symbol.get_name())
    pending = list(table.get_children())
    while pending:
        child = pending.pop()
        pending.extend(child.get_children())
        for symbol in child.get_symbols():
            if symbol.is_global():
                mentions.add(symbol.get_name())
                if symbol.is_declared_global() and symbol.is_assigned():
                    binds.add(symbol.get_name())
    return binds, mentions


def _kind(body: list[ast.stmt]) -> tuple[str | None, bool, bool]:
    star = user_star = False
    imports = bool(body)
    for stmt in body:
        if isinstance(stmt, ast.ImportFrom):
            root = (stmt.module or "").split(".")[0]
            engine_named = stmt.level == 0 and (root in MODULE_ROOTS or root == "__future__")
            has_star = any(alias.name == "*" for alias in stmt.names)
            star |= has_star and engine_named
            user_star |= has_star and not engine_named
            imports &= engine_named
        elif not isinstance(stmt, ast.Import):
            imports = False
    if imports:
        return "import", star, user_star
    if body and all(_is_constant(stmt) for stmt in body):
        return "constant", star, user_star
    return None, star, user_star


def _is_constant(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Assign):
        targets, value = stmt.targets, stmt.value
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        targets, value = [stmt.target], stmt.value
    else:
        return False
    return all(isinstance(t, ast.Name) for t in targets) and not any(
        isinstance(node, _NOT_CONSTANT) for node in ast.walk(value))


@dataclass
class _Statements:
    """Function spans and plain-name assignments, from statements only (not expressions)."""

    index: LineIndex
    scopes: list[ScopeSpan] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)

    def visit(self, body: list[ast.stmt], prefix: str) -> None:
        for stmt in body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                name = prefix + stmt.name
                end = (stmt.end_lineno or stmt.lineno) - 1
                self.scopes.append(ScopeSpan(name, stmt.lineno - 1, end))
                self.visit(stmt.body, name + ".")
            elif isinstance(stmt, ast.ClassDef):
                self.visit(stmt.body, prefix + stmt.name + ".")
            elif isinstance(stmt, ast.Assign | ast.AnnAssign):
                self._assignment(stmt)
            else:
                for field_name in ("body", "orelse", "finalbody", "handlers", "cases"):
                    inner = getattr(stmt, field_name, None)
                    if isinstance(inner, list):
                        self.visit([_as_statements(s) for s in inner], prefix)

    def _assignment(self, node: ast.Assign | ast.AnnAssign) -> None:
        if node.value is None:
            return
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        end = self.index.position(node.end_lineno or node.lineno, node.end_col_offset or 0)
        value = self.index.range_of(node.value)
        for target in targets:
            if isinstance(target, ast.Name):
                self.assignments.append(Assignment(target.id, self.index.range_of(target),
                                                   value, end))


def _as_statements(node: ast.AST) -> ast.stmt:
    """Handlers and match cases hold statements: present them as a block to visit."""
    if isinstance(node, ast.ExceptHandler | ast.match_case):
        return ast.If(test=ast.Constant(True), body=node.body, orelse=[])
    return node  # type: ignore[return-value]


def _shift_scope(scope: ScopeSpan, by: int) -> ScopeSpan:
    return ScopeSpan(scope.name, scope.start + by, scope.end + by)


def _shift_position(pos: Position, by: int) -> Position:
    return Position(pos.line + by, pos.character)


def _shift_range(r: Range, by: int) -> Range:
    return Range(_shift_position(r.start, by), _shift_position(r.end, by))


def _shift_assignment(a: Assignment, by: int) -> Assignment:
    return Assignment(a.name, _shift_range(a.target, by), _shift_range(a.value, by),
                      _shift_position(a.end, by))
