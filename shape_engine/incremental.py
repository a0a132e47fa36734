"""Analysis proportional to the edit: a document is analysed in independent parts, cached.

A Python module is a sequence of top-level statements that talk to each other only through
names. The document is cut into *chunks* (top-level statements with their trailing comments),
and chunks that share a name are grouped into *components* (union-find over names). Imports
of Keras/TensorFlow/numpy modules and constant definitions (`IMG = 28`) bind values the
program cannot change, so they are copied into each component that uses them instead of
joining everything together. Each component is analysed by the engine on its own text and
its facts are cached by that text: a one-line edit re-analyses only the component it touches,
and lines inserted above a component only move its cached facts.

Each part gets the engine's step budget for its own size (a program so heavy that the whole
file would run out of steps may be followed further in parts).

A document of more than `MAX_CHUNKS` top-level statements is analysed whole: cutting it
would cost more than it saves.

Whenever a cut is in doubt the analysis falls back to bigger parts, down to the whole file:
chunks that do not parse alone are merged with the next, a star import from a user module
(whose names cannot be followed) makes the file one component, and a file that does not
parse is analysed whole (the engine then reports the syntax error).
"""

from __future__ import annotations

import ast
import builtins
import functools
import re
import symtable
import warnings
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from shape_engine import budget
from shape_engine.analysis import Analysis, analyze_source, distinct_findings, partly_analysed
from shape_engine.evaluation.data import LIST_METHODS
from shape_engine.evaluation.python import MODULE_ROOTS
from shape_engine.evaluation.syntax import STATEMENT_LISTS
from shape_engine.facts import (
    Assignment,
    Facts,
    LineMap,
    ScopeSpan,
    extract,
    move_findings,
)
from shape_engine.findings import Finding, Position, Range
from shape_engine.source import LineIndex, split_lines

# A chunk that does not parse alone is merged with the next ones at most this often before
# the whole file is parsed to find the statements (e.g. a docstring with unindented lines).
MAX_MERGES = 16
# A document of more top-level statements than this is analysed whole at every version:
# cutting it costs a parse and a symbol table per statement, more than the analysis saves
# (a file of 300,000 assignments took 20 s to cut).
MAX_CHUNKS = 5_000

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


@dataclass(frozen=True, slots=True)
class ChunkInfo:
    """What partitioning and fact extraction need from one chunk; lines relative to it."""

    empty: bool
    binds: frozenset[str]  # module-level names it may bind
    kills: frozenset[str]  # module-level names it surely binds (earlier values are gone)
    reads: frozenset[str]  # module-level names it may read before binding them itself
    deferred: frozenset[str]  # module-level names its functions read when called
    declared_global: frozenset[str]  # names its functions declare `global`
    kind: str | None  # "import", "constant" or "function": may be shared
    star: bool  # a star import from Keras/TensorFlow: every component needs it
    user_star: bool  # a star import from another module: names cannot be followed
    scopes: tuple[ScopeSpan, ...]
    assignments: tuple[Assignment, ...]
    calls: frozenset[str] = frozenset()  # names its functions call ("." for any attribute)
    needs: frozenset[str] = field(init=False)  # reads | deferred
    # Everything partitioning looks at: equal signatures, equal partitions.
    signature: tuple[object, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("binds", "kills", "reads", "deferred", "declared_global", "calls"):
            object.__setattr__(self, name, _interned(getattr(self, name)))
        object.__setattr__(self, "needs", _interned(self.reads | self.deferred))
        object.__setattr__(self, "signature", (
            self.empty, self.binds, self.kills, self.reads, self.deferred,
            self.declared_global, self.kind, self.star, self.user_star, self.calls))


# Chunks of one document, and of different documents, bind and read the same few names:
# one copy of each set of names is kept.
_INTERNED: dict[frozenset[str], frozenset[str]] = {}
MAX_INTERNED = 100_000


def _interned(names: frozenset[str]) -> frozenset[str]:
    if len(_INTERNED) > MAX_INTERNED:
        _INTERNED.clear()
    return _INTERNED.setdefault(names, names)


@dataclass(frozen=True, slots=True)
class Chunk:
    """A run of top-level statements analysed as one piece."""

    start: int  # first line in the document
    line_count: int
    text: str  # its lines, each ended by "\n"
    info: ChunkInfo


@dataclass
class _ComponentResult:
    """The facts of a group of chunks that depend on each other, as last analysed."""

    facts: Facts  # where each chunk was: `starts`
    starts: tuple[int, ...]  # the line of each chunk, first in the component's own text
    dependencies: dict[str, object]
    epoch: int
    # The deadline passed during its analysis (never cached): the line of its text where
    # evaluation stopped.
    stopped_at: int | None = None

    def line_map(self, doc_starts: tuple[int, ...]) -> LineMap | None:
        """Lines of the facts to document lines; None when they are the same."""
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
        """The facts with each chunk at its line in the document. They are moved there for
        good (one copy in memory), so the next version usually finds them in place."""
        line_map = self.line_map(doc_starts)
        if line_map is not None:
            self.facts = self.facts.moved(line_map)
            self.starts = doc_starts
        return self.facts


class Outcome:
    """One analysis of a document: findings at once, the other facts when asked for
    (after the diagnostics are out)."""

    def __init__(self, findings: list[Finding], parsed: bool,
                 dependencies: frozenset[str], complete: Callable[[], Facts]) -> None:
        self.findings = findings
        self.parsed = parsed
        self.dependencies = dependencies
        self.verified = True  # the fixes of the findings were checked to work
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

class DocumentAnalyzer:
    """Analyses successive versions of one document, reusing what did not change.

    `quick` gives first findings soonest; `analyze` cuts the document into components the
    first time, then re-analyses only the components an edit changed.
    Not thread-safe: one analysis at a time (the server runs them on one thread).
    """

    def __init__(self, path: str | None, resolution: Resolution | None = None,
                 analyze: Callable[..., Analysis] | None = None) -> None:
        self.path = path
        self.resolution = resolution
        # Every rule, those off by default too: the editor shows what its settings turn on.
        self._analyze = analyze or functools.partial(analyze_source, extend_select=None)
        self._infos = _Generations()
        self._components = _Generations()
        self.components_analysed = 0  # for tests and benchmarks: how much work an edit cost
        self._last_partition: tuple[list[tuple[object, ...]], list[list[int]]] | None = None

    def quick(self, text: str) -> Outcome:
        """The whole document in one analysis, without verifying fixes: the fastest way to
        first findings when nothing is cached. Its fixes are not verified (`verified`)."""
        return self._whole(text, verify_fixes=False)

    def analyze(self, text: str) -> Outcome:
        """Findings (with verified fixes) and facts, analysing only what changed."""
        try:
            chunks = self.chunks(text)
            if chunks is None:
                return self._whole(text)
            return self._by_components(chunks, text)
        finally:
            self._infos.next_version()
            self._components.next_version()

    # -- chunks ------------------------------------------------------------------------------

    def chunks(self, text: str) -> list[Chunk] | None:
        """The document's chunks, or None when it does not parse (or has too many)."""
        lines = split_lines(text)
        if lines and lines[-1] == "":
            lines.pop()
        spans = _spans(_heuristic_starts(lines), len(lines))
        if len(spans) > MAX_CHUNKS:
            return None
        chunks = self._parse_spans(lines, spans)
        if chunks is not None:
            return chunks
        starts = _statement_starts(text)
        if starts is None or len(starts) > MAX_CHUNKS:
            return None
        return self._parse_spans(lines, _spans(starts, len(lines)))

    def _parse_spans(self, lines: list[str], spans: list[tuple[int, int]]
                     ) -> list[Chunk] | None:
        chunks = []
        i = 0
        while i < len(spans):
            budget.check_interrupt()
            start, end = spans[i]
            text = _text(lines, start, end)
            info = self._info(text)
            merges = 0
            while info is None and i + 1 < len(spans) and merges < MAX_MERGES:
                i += 1
                merges += 1
                end = spans[i][1]
                text = _text(lines, start, end)
                info = self._info(text)
            if info is None:
                return None
            chunks.append(Chunk(start, end - start, text, info))
            i += 1
        return chunks

    def _info(self, text: str) -> ChunkInfo | None:
        cached = self._infos.get(text)
        if cached is None:
            cached = chunk_info(text) or _FAILED
            self._infos.put(text, cached)
        return cached if isinstance(cached, ChunkInfo) else None

    # -- components --------------------------------------------------------------------------

    def _by_components(self, chunks: list[Chunk], text: str) -> Outcome:
        placed: list[tuple[_ComponentResult, tuple[int, ...]]] = []
        components = self._partition(chunks)
        stopped: list[int] = []  # document lines where analysis stopped (the deadline)
        for number, component in enumerate(components):
            members = [chunks[i] for i in component]
            if budget.out_of_time():
                # The first line of a chunk no component analysed (shared imports were).
                seen = {i for done in components[:number] for i in done}
                stopped.extend(min([chunks[i].start for i in other if i not in seen]
                                   or [chunks[other[0]].start])
                               for other in components[number:])
                break
            result = self._component(members)
            if result is None:
                return self._whole(text)
            starts = tuple(c.start for c in members)
            placed.append((result, starts))
            if result.stopped_at is not None:
                line_map = result.line_map(starts)
                line = line_map(result.stopped_at) if line_map else result.stopped_at
                stopped.append(line if line is not None else starts[0])
        findings = [f for result, starts in placed for f in result.findings_at(starts)]
        if stopped:
            findings.append(_timed_out(min(stopped), text))
        findings = distinct_findings(findings)
        dependencies = frozenset(p for result, _ in placed for p in result.dependencies)

        def complete() -> Facts:
            merged = Facts.merge([result.at(starts) for result, starts in placed]
                                 ) if placed else Facts()
            # Every function of the document, also those no component needed.
            scopes = [_shift_scope(scope, chunk.start) for chunk in chunks
                      for scope in chunk.info.scopes]
            return replace(merged, scopes=scopes, lookup=None)

        return Outcome(findings, True, dependencies, complete)

    def _partition(self, chunks: list[Chunk]) -> list[list[int]]:
        """`partition`, reused while the chunks bind and read the same names (most edits)."""
        signature = [chunk.info.signature for chunk in chunks]
        if self._last_partition is not None and self._last_partition[0] == signature:
            return self._last_partition[1]
        components = partition(chunks)
        self._last_partition = (signature, components)
        return components

    def _component(self, members: list[Chunk]) -> _ComponentResult | None:
        key = tuple(c.text for c in members)
        cached = self._components.get(key)
        if isinstance(cached, _ComponentResult) and self._still_valid(cached):
            return cached
        result = self._run(members)
        if result is not None and result.stopped_at is None:
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
        facts.scopes = []  # the document's scopes are taken from all its chunks
        dependencies = session.dependencies if session else {}
        facts.dependencies = frozenset(dependencies)
        stopped_at = (analysis.stopped_at or 0) if analysis.timed_out else None
        return _ComponentResult(facts, tuple(starts), dependencies, epoch, stopped_at)

    def _whole(self, text: str, verify_fixes: bool = True) -> Outcome:
        """The whole document as one analysis (also for a file that does not parse)."""
        session = self.resolution.session(self.path) if self.resolution else None
        analysis = self._analyze(text, self.path, session.resolve if session else None,
                                 verify_fixes=verify_fixes)
        self.components_analysed += 1
        dependencies = frozenset(session.dependencies if session else {})
        if not analysis.parsed:
            findings = list(analysis.findings)
            return Outcome(findings, False, dependencies,
                           lambda: Facts(findings=findings, parsed=False))

        def complete() -> Facts:
            scopes, assignments = statement_facts(text)
            return extract(analysis, scopes, assignments)

        findings = list(analysis.findings)
        if analysis.timed_out:
            findings = distinct_findings([*findings, _timed_out(analysis.stopped_at, text)])
            analysis.findings = findings  # the facts' findings too
        outcome = Outcome(findings, True, dependencies, complete)
        outcome.verified = verify_fixes
        return outcome


def _timed_out(line: int | None, text: str) -> Finding:
    limits = budget.current()
    return partly_analysed(line, LineIndex(text), "time",
                           limits.seconds if limits is not None else None)


def partition(chunks: list[Chunk]) -> list[list[int]]:
    """Groups of chunk indices (document order) that must be analysed together.

    A chunk joins the chunks whose bindings of a name it may read (the latest sure binding
    and any maybe-bindings since); a function's body joins every binding of the names it
    reads, since it may be called anywhere. Names declared `global` join everything that
    touches them.
    """
    if any(chunk.info.user_star for chunk in chunks):
        return [[i for i, c in enumerate(chunks) if not c.info.empty]]
    binders: dict[str, list[int]] = {}
    declared: set[str] = set()
    for i, chunk in enumerate(chunks):
        for name in chunk.info.binds:
            binders.setdefault(name, []).append(i)
        declared |= chunk.info.declared_global
    shared, shared_names = _shared_chunks(chunks, binders, declared)
    parent: dict[object, object] = {}

    def find(x: object) -> object:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: object, b: object) -> None:
        parent[find(a)] = find(b)

    # Once a chunk has joined every binding of a name that reaches it, they are one group:
    # one of them stands for all (else a name bound and read in many chunks, `if c: x += 1`
    # repeated, would join each chunk to every one before it, quadratic).
    reaching: dict[str, list[int]] = {}
    all_binders: dict[str, int] = {}  # one regular binder of each name, once all are joined

    def join_all(i: int, group: list[int]) -> list[int]:
        for j in group:
            union(i, j)
        return group[:1]

    regular = [i for i, c in enumerate(chunks) if i not in shared and not c.info.empty]
    for i in regular:
        info = chunks[i].info
        find(i)
        for name in info.reads:
            if name in declared:
                union(i, ("global", name))
            elif name not in shared_names and name in reaching:
                reaching[name] = join_all(i, reaching[name])
        for name in info.deferred:
            if name in declared:
                union(i, ("global", name))
            elif name not in shared_names:
                if name not in all_binders:
                    group = [j for j in binders.get(name, ()) if j not in shared]
                    if not group:
                        continue
                    all_binders[name] = group[0]
                    for j in group[1:]:
                        union(group[0], j)
                union(i, all_binders[name])
        for name in info.binds:
            if name in declared:
                union(i, ("global", name))
            if name in info.kills:
                reaching[name] = [i]
            else:
                reaching.setdefault(name, []).append(i)
    groups: dict[object, list[int]] = {}
    for i in regular:
        groups.setdefault(find(i), []).append(i)
    stars = [i for i in shared if chunks[i].info.star]
    components = []
    for members in groups.values():
        needed = set(members) | set(stars)
        pending = [n for i in members for n in chunks[i].info.needs if n in shared_names]
        while pending:
            binder = binders[pending.pop()][0]
            if binder not in needed:
                needed.add(binder)
                pending.extend(n for n in chunks[binder].info.needs if n in shared_names)
        components.append(sorted(needed))
    return components


def _shared_chunks(chunks: list[Chunk], binders: dict[str, list[int]], declared: set[str]
                   ) -> tuple[set[int], set[str]]:
    """Chunks that may be copied into several components: what they bind cannot change and
    evaluating them again has no effect the analysis could see. Imports of modules the engine
    names itself; constants; functions that build nothing (they call builtins only). A class
    is not shared: its body and its methods may build models (see `classes`)."""
    shared: set[int] = set()
    names: set[str] = set()
    for i, chunk in enumerate(chunks):
        info = chunk.info
        if info.kind is None or any(len(binders[n]) != 1 or n in declared for n in info.binds):
            continue
        if info.kind in ("constant", "function") and any(
                n in binders and n not in names for n in info.needs - info.binds):
            continue
        if info.kind == "function" and any(
                n == "." or n in binders or not hasattr(builtins, n) for n in info.calls):
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
    names = _names(text, tree)
    kind, star, user_star = _kind(tree.body)
    statements = _Statements(LineIndex(text))
    try:
        statements.visit(tree.body, "")
    except RecursionError:
        return None
    mutated = _mutated_lists(tree.body)
    names.binds |= mutated
    kills = _kills(tree.body, names.binds)
    reads = names.reads | _augmented_targets(tree.body) | mutated
    if len(tree.body) == 1 and isinstance(tree.body[0], ast.For | ast.AsyncFor):
        reads -= _loop_local(tree.body[0])
    return ChunkInfo(
        empty=not tree.body, binds=frozenset(names.binds), kills=frozenset(kills),
        reads=frozenset(reads), deferred=frozenset(names.deferred),
        declared_global=frozenset(names.declared), kind=kind, star=star,
        user_star=user_star, scopes=tuple(statements.scopes),
        assignments=tuple(statements.assignments),
        calls=frozenset(_called_names(tree)) if kind == "function" else frozenset())


def statement_facts(text: str) -> tuple[tuple[ScopeSpan, ...], tuple[Assignment, ...]]:
    """The function spans and plain assignments of a whole document: what `chunk_info`
    finds for hover and inlay hints, without the symbol table (a document analysed whole
    needs no names; on a large one the symbol table took longer than the analysis)."""
    tree = _parse(text)
    if tree is None:
        return (), ()
    statements = _Statements(LineIndex(text))
    try:
        statements.visit(tree.body, "")
    except RecursionError:
        return (), ()
    return tuple(statements.scopes), tuple(statements.assignments)


@dataclass
class _ModuleNames:
    """The module-level names one chunk binds and reads."""

    binds: set[str] = field(default_factory=set)
    reads: set[str] = field(default_factory=set)  # when the chunk runs
    deferred: set[str] = field(default_factory=set)  # when its functions run
    declared: set[str] = field(default_factory=set)


def _names(text: str, tree: ast.Module) -> _ModuleNames:
    """The module-level names a chunk binds and reads, from Python's own symbol tables
    (they know which names are local to functions and comprehensions). When those cannot be
    built, every name counts as bound and read: too many names only make components bigger.
    """
    names = _ModuleNames()
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
        names.binds = names.reads = names.deferred = names.declared = every
        return names
    for symbol in table.get_symbols():
        if symbol.is_referenced():
            names.reads.add(symbol.get_name())
        if symbol.is_assigned() or symbol.is_imported() or symbol.is_namespace():
            names.binds.add(symbol.get_name())
    pending = [(child, False) for child in table.get_children()]
    while pending:
        child, inside_function = pending.pop()
        # Comprehensions and class bodies run with the chunk; function bodies when called.
        deferred = inside_function or (child.get_type() == "function"
                                       and child.get_name() not in _COMPREHENSIONS)
        pending.extend((grandchild, deferred) for grandchild in child.get_children())
        for symbol in child.get_symbols():
            if symbol.is_global():
                (names.deferred if deferred else names.reads).add(symbol.get_name())
                if symbol.is_declared_global():
                    names.declared.add(symbol.get_name())
                    if symbol.is_assigned():
                        names.binds.add(symbol.get_name())
    return names


_COMPREHENSIONS = frozenset({"listcomp", "setcomp", "dictcomp", "genexpr"})


def _kills(body: list[ast.stmt], binds: set[str]) -> set[str]:
    """Names the chunk surely binds: one unconditional binding statement."""
    if len(body) != 1:
        return set()
    stmt = body[0]
    if isinstance(stmt, ast.Assign):
        return {t.id for t in stmt.targets if isinstance(t, ast.Name)}
    if isinstance(stmt, ast.AnnAssign | ast.AugAssign) and isinstance(stmt.target, ast.Name):
        return {stmt.target.id} if not isinstance(stmt, ast.AnnAssign) or stmt.value else set()
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {stmt.name}
    if isinstance(stmt, ast.Import | ast.ImportFrom):
        return set(binds)
    return set()


def _augmented_targets(body: list[ast.stmt]) -> set[str]:
    """`x += 1` reads x (the symbol table only says it assigns it)."""
    return {node.target.id for stmt in body for node in ast.walk(stmt)
            if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name)}


def _mutated_lists(body: list[ast.stmt]) -> set[str]:
    """`items.append(x)` run by the chunk itself (not in a function): the engine gives
    `items` the new list, so the call reads and rebinds the name."""
    names: set[str] = set()
    pending: list[ast.AST] = list(body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            pending.extend([*node.args.defaults, *(d for d in node.args.kw_defaults if d)])
            pending.extend(getattr(node, "decorator_list", []))
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(
                node.func.value, ast.Name) and node.func.attr in LIST_METHODS:
            names.add(node.func.value.id)
        pending.extend(ast.iter_child_nodes(node))
    return names


def _loop_local(loop: ast.For | ast.AsyncFor) -> set[str]:
    """A top-level loop's variables, when nothing reads them before the loop binds them."""
    targets = {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)}
    early = {n.id for part in [loop.iter, *loop.orelse] for n in ast.walk(part)
             if isinstance(n, ast.Name)}
    return targets - early


def _called_names(tree: ast.Module) -> set[str]:
    called = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            called.add(node.func.id if isinstance(node.func, ast.Name) else ".")
        elif isinstance(node, ast.Await | ast.Yield | ast.YieldFrom):
            called.add(".")  # generators and coroutines: not worth telling apart
    return called


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
    if len(body) == 1 and isinstance(body[0], ast.FunctionDef | ast.AsyncFunctionDef) and not (
            body[0].decorator_list):
        return "function", star, user_star
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
                for field_name in STATEMENT_LISTS:
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
