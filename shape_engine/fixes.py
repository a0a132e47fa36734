"""Quick fixes: small text edits that keep the user's formatting and import style.

Checks build their fixes with the helpers here: `Imports` writes a name the way the file
already does (`np.expand_dims`, `layers.Flatten()`, `tf.keras.layers.Flatten()`) and adds an
import only when nothing usable is imported; `insert_layer`, `remove_layer`, `set_keyword`,
`remove_keyword` edit a model's list or its `model.add(...)` statements; `wrap` and
`replace_string` edit an argument.

`verify.keep_working_fixes` is the last step of the pipeline: it applies the offered fixes to
the text, analyses the result again, and keeps only fixes after which the file parses, the
finding is gone and no new problem appears. A fix that would not really fix is never offered.
"""

from __future__ import annotations

import ast
import bisect
import functools
import weakref
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple

from shape_engine.context import Document
from shape_engine.findings import Applicability, Edit, Finding, Fix, Position, Range
from shape_engine.ir import LayerCall, ModelIR
from shape_engine.layers import RULES
from shape_engine.source import LINE_BREAK
from shape_engine.values import canonical

DECLARED_INPUT_KEYWORDS = ("input_shape", "input_dim", "batch_input_shape")


# -- text ----------------------------------------------------------------------------------------


class TextMap:
    """Converts between positions (line, code point column) and offsets into the text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = _line_starts(text)

    def offset(self, position: Position) -> int:
        line = min(max(position.line, 0), len(self.starts) - 1)
        return min(self.starts[line] + position.character, len(self.text))

    def position(self, offset: int) -> Position:
        line = 0
        low, high = 0, len(self.starts) - 1
        while low <= high:
            middle = (low + high) // 2
            if self.starts[middle] <= offset:
                line, low = middle, middle + 1
            else:
                high = middle - 1
        return Position(line, offset - self.starts[line])

    def slice(self, where: Range) -> str:
        return self.text[self.offset(where.start):self.offset(where.end)]


@functools.lru_cache(maxsize=8)
def _line_starts(text: str) -> tuple[int, ...]:
    # Cached: checks map a few ranges of the same text for every finding, and a long file
    # has many findings.
    return (0, *(m.end() for m in LINE_BREAK.finditer(text)))


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """The text after all edits (positions refer to the original text, as in LSP)."""
    mapping = TextMap(text)
    spans = sorted(((mapping.offset(e.range.start), mapping.offset(e.range.end), i, e.content)
                    for i, e in enumerate(edits)), reverse=True)
    # Joined once, not the text copied per edit: a file's thousand fixes in linear time.
    pieces: list[str] = []
    rest = len(text)
    for start, end, _, content in spans:
        end = min(max(end, start), rest)
        pieces += [text[end:rest], content]
        rest = min(start, rest)
    pieces.append(text[:rest])
    return "".join(reversed(pieces))


def _edit(start: Position, end: Position, content: str) -> Edit:
    return Edit(Range(start, end), content)


def insert(at: Position, content: str) -> Edit:
    return _edit(at, at, content)


def wrap(where: Range, prefix: str, suffix: str) -> tuple[Edit, Edit]:
    return insert(where.start, prefix), insert(where.end, suffix)


def is_atom(document: Document, where: Range) -> bool:
    """Whether `text[...]` may be appended to the expression without parentheses."""
    node = node_at(document, where)
    return isinstance(node, ast.Name | ast.Attribute | ast.Subscript | ast.Call)


def replace_string(document: Document, where: Range, new: str) -> Edit | None:
    """Replace a plain string literal's content, keeping its quotes."""
    node = node_at(document, where)
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return None
    text = TextMap(document.text).slice(where)
    quote = text[:1]
    if quote not in ("'", '"') or text[-1:] != quote or text.startswith(quote * 3):
        return None
    return Edit(where, f"{quote}{new}{quote}")


def constant_definition(document: Document, name: str) -> Range | None:
    """The string of `NAME = "..."` in the module's own body, when that is the only binding
    of the name in the file and one place reads it: editing it then changes only that use."""
    bound, read = _name_counts(document.tree)
    if bound[name] != 1 or read[name] != 1:
        return None
    for stmt in document.tree.body:
        if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id == name
                and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)):
            return document.index.range_of(stmt.value)
    return None


def shape_literal(dims: Sequence[int | None]) -> str:
    if len(dims) == 1:
        return f"({dims[0]},)"
    return "(" + ", ".join(str(d) for d in dims) + ")"


# -- the syntax tree ----------------------------------------------------------------------------


# Per syntax tree (an explicit cache, dropped with the tree): the ranges asked for -> nodes.
_EXPRESSIONS: weakref.WeakKeyDictionary[ast.Module, dict[Range, ast.expr | None]] = (
    weakref.WeakKeyDictionary())
_NOT_ASKED = ast.expr()  # a marker in it: no range was asked for this node


# Per syntax tree: how often each name is bound and read anywhere in it (any scope).
_NAME_COUNTS: weakref.WeakKeyDictionary[ast.Module, tuple[Counter[str], Counter[str]]] = (
    weakref.WeakKeyDictionary())


def _name_counts(tree: ast.Module) -> tuple[Counter[str], Counter[str]]:
    counts = _NAME_COUNTS.get(tree)
    if counts is not None:
        return counts
    bound: Counter[str] = Counter()
    read: Counter[str] = Counter()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound)[node.id] += 1
        elif isinstance(node, ast.arg):
            bound[node.arg] += 1
        elif isinstance(node, ast.alias):
            bound[(node.asname or node.name).split(".")[0]] += 1
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | (
                ast.ExceptHandler)) and node.name:
            bound[node.name] += 1
        elif isinstance(node, ast.Global | ast.Nonlocal):
            bound.update(node.names)
    _NAME_COUNTS[tree] = (bound, read)
    return bound, read


def node_at(document: Document, where: Range) -> ast.expr | None:
    """The expression whose source range is exactly `where` (the outermost one)."""
    # One look-up when asked again (checks ask each output's view for the same ranges).
    asked = _EXPRESSIONS.get(document.tree)
    if asked is None:
        asked = _EXPRESSIONS[document.tree] = {}
    found = asked.get(where, _NOT_ASKED)
    if found is _NOT_ASKED:
        found = asked[where] = _expression_at(document, where)
    return found


def sequence_at(document: Document, where: Range) -> ast.List | ast.Tuple | None:
    """The list or tuple literal written exactly at `where`, if one is. Where an argument,
    an element or a value is written, a tuple is in parentheses: the first character tells
    most other expressions apart without a walk of the tree."""
    lines = document.index.lines
    line = lines[where.start.line] if where.start.line < len(lines) else ""
    if line[where.start.character:where.start.character + 1] not in ("(", "["):
        return None
    node = node_at(document, where)
    return node if isinstance(node, ast.List | ast.Tuple) else None


def _expression_at(document: Document, where: Range) -> ast.expr | None:
    # Breadth first, as ast.walk, but only into the top-level statement and the nodes whose
    # lines hold `where`: checks ask for a few ranges of a large file, and walking all of it
    # was a third of an analysis.
    first, last = where.start.line + 1, where.end.line + 1
    body = document.tree.body
    # The first statement that ends on `last` or later (a bisection reads a few of them).
    index = bisect.bisect_left(body, last, key=_end_line)
    # The statements that hold those lines: several when written `a = f(x); b = g(a)`.
    holding = []
    while index < len(body) and body[index].lineno <= first:
        holding.append(body[index])
        index += 1
    # On ASCII lines ast's columns are `where`'s characters: the nodes beside it on its first
    # and last lines are left out too (the arguments before it in a call, the callee).
    lines = document.index.lines
    columns = last <= len(lines) and lines[first - 1].isascii() and lines[last - 1].isascii()
    start_column, end_column = where.start.character, where.end.character
    pending: deque[ast.AST] = deque(holding)
    while pending:
        for child in _child_nodes(pending.popleft()):
            start, end = getattr(child, "lineno", None), getattr(child, "end_lineno", None)
            if start is not None and end is not None:
                if start > first or end < last:
                    continue
                if columns and (
                        (start == first and getattr(child, "col_offset", 0) > start_column)
                        or (end == last and getattr(child, "end_col_offset", 0) < end_column)):
                    continue
            # Same lines first: a range is worked out only for a node that may match, as
            # most nodes here were never seen by the evaluator and have none kept yet.
            if isinstance(child, ast.expr) and start == first and end == last \
                    and document.index.range_of(child) == where:
                return child
            pending.append(child)
    return None


def _end_line(statement: ast.stmt) -> int:
    return statement.end_lineno or 0


def _child_nodes(node: ast.AST) -> list[ast.AST]:
    """`ast.iter_child_nodes` in its order, without its two generators (the walk above
    asks for many nodes' children) and without the expression contexts (Load, Store),
    which hold nothing."""
    children: list[ast.AST] = []
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, list):
            for item in value:
                if isinstance(item, ast.AST):
                    children.append(item)
        elif isinstance(value, ast.AST) and not isinstance(value, ast.expr_context):
            children.append(value)
    return children


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    for stmt in body:
        yield stmt
        for field_name in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, field_name, None)
            if isinstance(inner, list):
                yield from _statements(inner)
        for handler in getattr(stmt, "handlers", []):
            yield from _statements(handler.body)


def statement_of(document: Document, call_range: Range) -> ast.Expr | None:
    """The expression statement `model.add(...)` whose argument is at `call_range`."""
    for stmt in _statements(document.tree.body):
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            call = stmt.value
            if (isinstance(call.func, ast.Attribute) and call.func.attr == "add" and call.args
                    and document.index.range_of(call.args[0]) == call_range):
                return stmt
    return None


def units_edit(document: Document, dense: LayerCall, units: int) -> Edit | None:
    """`dense`'s units, written as an argument in this document, set to `units`."""
    if dense.file is not None or ("units" not in dense.kwargs and not dense.args):
        return None
    where = dense.argument_range("units", 0)
    if node_at(document, where) is None:
        return None
    return Edit(where, str(units))


def newline(document: Document) -> str:
    """The file's own line break, for inserted lines."""
    found = LINE_BREAK.search(document.text)
    return found.group(0) if found else "\n"


def _indent(document: Document, line: int) -> str:
    text = document.index.lines[line] if line < len(document.index.lines) else ""
    return text[:len(text) - len(text.lstrip())]


def owns_lines(document: Document, where: Range) -> bool:
    """Whether nothing but blanks shares the lines of `where` (before it and after it)."""
    lines = document.index.lines
    before = lines[where.start.line][:where.start.character]
    after = lines[where.end.line][where.end.character:]
    return not before.strip() and (not after.strip() or after.strip().startswith("#"))


# -- imports -----------------------------------------------------------------------------------

# Objects Keras exports under more than one name: a fix may write any of them (the first is
# preferred), e.g. `layers.Input` in a file that imports `layers` but not `keras`.
EQUIVALENT_NAMES: dict[str, tuple[str, ...]] = {
    "keras.Input": ("keras.layers.Input",),
}


class _Binding(NamedTuple):
    """A module-level binding of a name: an import (of `target`) or any other statement."""

    target: str | None  # the canonical dotted name an import binds; None: not an import
    stmt: ast.stmt
    # The lines (0-based, inclusive) of the block holding the statement (an if/try/loop
    # body, which may not run); None for the module's own body, which always runs.
    block: tuple[int, int] | None


class _FromImport(NamedTuple):
    """A `from module import ...` statement of the document."""

    node: ast.ImportFrom
    module: str  # canonical


class _ImportScan:
    """A syntax tree's module-level bindings, read once per tree (a check asks for every
    finding: rescanning a big file each time would be quadratic)."""

    def __init__(self, tree: ast.Module) -> None:
        self.bindings: dict[str, list[_Binding]] = {}
        self.imported: set[str] = set()  # names some import binds
        # Imports in the module's own body (they always run), in order: where imports are
        # added, and which `from` imports may be extended.
        self.imports: list[ast.Import | ast.ImportFrom] = []
        self.from_imports: list[_FromImport] = []
        self.uses_tensorflow_keras = False
        self._scan(tree.body, None)

    def _scan(self, body: list[ast.stmt], block: tuple[int, int] | None) -> None:
        for stmt in body:
            if isinstance(stmt, ast.Import):
                self._import(stmt, block)
            elif isinstance(stmt, ast.ImportFrom) and stmt.level == 0 and stmt.module:
                self._import_from(stmt, stmt.module, block)
            else:
                for name in _bound_names(stmt):
                    self._bind(name, None, stmt, block)
            for inner, runs in _blocks(stmt):
                lines = (inner[0].lineno - 1, (inner[-1].end_lineno or inner[-1].lineno) - 1)
                self._scan(inner, block if runs else lines)

    def _bind(self, name: str, target: str | None, stmt: ast.stmt,
              block: tuple[int, int] | None) -> None:
        self.bindings.setdefault(name, []).append(_Binding(target, stmt, block))
        if target is not None:
            self.imported.add(name)

    def _import(self, stmt: ast.Import, block: tuple[int, int] | None) -> None:
        for alias in stmt.names:
            if alias.asname:
                self._bind(alias.asname, canonical(alias.name), stmt, block)
            else:
                top = alias.name.split(".")[0]
                self._bind(top, top, stmt, block)
            self.uses_tensorflow_keras |= alias.name.startswith("tensorflow.keras")
        if block is None:
            self.imports.append(stmt)

    def _import_from(self, stmt: ast.ImportFrom, module_name: str,
                     block: tuple[int, int] | None) -> None:
        module = canonical(module_name)
        self.uses_tensorflow_keras |= module_name.startswith("tensorflow") and (
            module_name.startswith("tensorflow.keras")
            or any(a.name == "keras" for a in stmt.names))
        for alias in stmt.names:
            if alias.name != "*":
                self._bind(alias.asname or alias.name,
                           canonical(f"{module_name}.{alias.name}"), stmt, block)
        if block is None:
            self.imports.append(stmt)
            self.from_imports.append(_FromImport(stmt, module))


def _bound_names(stmt: ast.stmt) -> Iterator[str]:
    """The names a statement other than an import binds itself (not in its blocks)."""
    targets: list[ast.expr] = []
    if isinstance(stmt, ast.Assign):
        targets = stmt.targets
    elif isinstance(stmt, ast.AnnAssign | ast.AugAssign | ast.For | ast.AsyncFor):
        targets = [stmt.target]
    elif isinstance(stmt, ast.With | ast.AsyncWith):
        targets = [item.optional_vars for item in stmt.items if item.optional_vars]
    elif isinstance(stmt, ast.Delete):
        targets = stmt.targets
    elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        yield stmt.name
    elif isinstance(stmt, ast.ImportFrom):  # relative: a user module's objects
        yield from (a.asname or a.name for a in stmt.names if a.name != "*")
    for handler in getattr(stmt, "handlers", []):
        if handler.name:
            yield handler.name
    for target in targets:
        yield from _target_names(target)


def _target_names(target: ast.expr) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, ast.Tuple | ast.List):
        for item in target.elts:
            yield from _target_names(item)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)


def _blocks(stmt: ast.stmt) -> Iterator[tuple[list[ast.stmt], bool]]:
    """The statement blocks a module-level statement holds (not function or class bodies),
    each with whether it surely runs when the statement does (a `with` body does)."""
    if isinstance(stmt, ast.With | ast.AsyncWith):
        yield stmt.body, True
        return
    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return
    for field_name in ("body", "orelse", "finalbody"):
        inner = getattr(stmt, field_name, None)
        if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
            yield inner, False
    for handler in getattr(stmt, "handlers", []):
        yield handler.body, False
    for case in getattr(stmt, "cases", []):
        yield case.body, False


# Per syntax tree, dropped with it (the scan holds statements, never the tree itself).
_IMPORT_SCANS: weakref.WeakKeyDictionary[ast.Module, _ImportScan] = (
    weakref.WeakKeyDictionary())


class Imports:
    """How the file names numpy and Keras at a place `at` (where the fix writes the names;
    None: anywhere after the module's imports), from its module-level imports.

    A name is used only when an import that surely ran before `at` binds it and nothing
    else at module level rebinds it. An import is added among the imports of the module's
    own body (never in an `if`/`try` block), before `at`.
    """

    def __init__(self, document: Document, at: Position | None = None) -> None:
        self.document = document
        self.at = at
        scan = _IMPORT_SCANS.get(document.tree)
        if scan is None:
            scan = _IMPORT_SCANS[document.tree] = _ImportScan(document.tree)
        self._scan = scan
        self.uses_tensorflow_keras = scan.uses_tensorflow_keras
        self.names: dict[str, str] = {}  # usable local name -> canonical dotted name
        for name in scan.imported:
            target = self._usable(scan.bindings[name])
            if target is not None:
                self.names[name] = target

    def reference(self, target: str) -> tuple[str, tuple[Edit, ...]]:
        """How to write the canonical `target` (e.g. "keras.layers.Flatten") in this file,
        with the import edits that makes it available when nothing imported reaches it."""
        wanted = (target, *EQUIVALENT_NAMES.get(target, ()))
        for candidate in wanted:
            best: tuple[int, str] | None = None
            for name, full in self.names.items():
                reached = _reach(full, candidate)
                if reached is not None and (best is None or len(full) > best[0]):
                    best = (len(full), name + reached)
            if best is not None:
                return best[1], ()
        return self._import(wanted)

    def _usable(self, bindings: list[_Binding]) -> str | None:
        """The target of the name's imports when one surely ran before `at` and nothing
        rebinds the name (`np = None` after `import numpy as np`)."""
        targets = {b.target for b in bindings}
        if len(targets) != 1 or None in targets:
            return None
        for binding in bindings:
            if self._before_at(binding.stmt) and (binding.block is None or (
                    self.at is not None and binding.block[0] <= self.at.line
                    <= binding.block[1])):
                return bindings[0].target
        return None

    def _before_at(self, stmt: ast.stmt) -> bool:
        if self.at is None:
            return True
        end = self.document.index.position(stmt.end_lineno or stmt.lineno,
                                           stmt.end_col_offset or 0)
        return end <= self.at

    def _free(self, options: Sequence[str], target: str) -> str:
        """The first name that nothing binds to anything but `target`."""
        def free(name: str) -> bool:
            return all(b.target == target for b in self._scan.bindings.get(name, ()))

        for name in options:
            if free(name):
                return name
        suffix = 2
        while not free(f"{options[0]}_{suffix}"):
            suffix += 1
        return f"{options[0]}_{suffix}"

    def _import(self, wanted: Sequence[str]) -> tuple[str, tuple[Edit, ...]]:
        target = wanted[0]
        if target.startswith("numpy"):
            local = self._free(("np", "numpy"), "numpy")
            line = "import numpy" if local == "numpy" else f"import numpy as {local}"
            return local + target[len("numpy"):], (self._add_line(line),)
        for candidate in wanted:
            module, _, name = candidate.rpartition(".")
            for entry in self._scan.from_imports:
                if (entry.module == module and self._before_at(entry.node)
                        and not any(a.name == "*" for a in entry.node.names)):
                    local = self._free((name,), candidate)
                    edit = self._extend(entry.node, _clause(name, local))
                    if edit is not None:
                        return local, (edit,)
        module, _, name = target.rpartition(".")
        written = ("tensorflow." + module) if self.uses_tensorflow_keras else module
        local = self._free((name,), target)
        return local, (self._add_line(f"from {written} import {_clause(name, local)}"),)

    def _extend(self, node: ast.ImportFrom, clause: str) -> Edit | None:
        """`from keras.layers import Dense` -> `from keras.layers import Dense, Flatten`."""
        last = node.names[-1]
        end = getattr(last, "end_col_offset", None)
        end_line = getattr(last, "end_lineno", None)
        if end is None or end_line is None:
            return None
        return insert(self.document.index.position(end_line, end), f", {clause}")

    def _add_line(self, line: str) -> Edit:
        """After the last import of the module's own body that precedes `at`, else at the
        top (after a module docstring and leading comments such as `#!` or a coding line)."""
        document = self.document
        lines = document.index.lines
        before = [s for s in self._scan.imports if self._before_at(s)]
        if before:
            last = before[-1]
            end = document.index.position(last.end_lineno or last.lineno,
                                          last.end_col_offset or 0)
            rest = lines[end.line][end.character:].strip()
            if (not rest or rest.startswith("#")) and end.line + 1 < len(lines):
                return insert(Position(end.line + 1, 0), line + newline(document))
            return insert(end, newline(document) + line)
        body = document.tree.body
        first = 0
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            first = body[0].end_lineno or 0  # after the module docstring
        else:
            while first < len(lines) - 1 and lines[first].startswith("#"):
                first += 1
        return insert(Position(first, 0), line + newline(document))


def _clause(name: str, local: str) -> str:
    return name if local == name else f"{name} as {local}"


def _reach(full: str, target: str) -> str | None:
    """The attribute path from the module `full` to `target` (".layers.Flatten"), or None."""
    if full == target:
        return ""
    if target.startswith(full + "."):
        return target[len(full):]
    if full == "tensorflow" and (target == "keras" or target.startswith("keras.")):
        return "." + target
    return None


# -- model edits -------------------------------------------------------------------------------


def _list_style(model: ModelIR, index: int) -> bool:
    """Whether entry `index` is an element written in the Sequential([...]) list."""
    if model.list_range is None or not 0 <= index < len(model.entries):
        return False
    entry = model.entries[index]
    ranges = [e.range for e in model.entries]
    return (ranges.count(entry.range) == 1 and entry.range != model.range
            and model.list_range.start < entry.range.start
            and entry.range.end < model.list_range.end)


def _editable(model: ModelIR, index: int) -> bool:
    return model.file is None and not model.opaque and 0 <= index < len(model.entries)


def _declaring_keywords(layer: LayerCall | ModelIR | None) -> list[str]:
    """The keywords by which a first layer declares the model's input (Embedding's own
    `input_dim` is its vocabulary size, not one of them)."""
    if not isinstance(layer, LayerCall):
        return []
    own = RULES[layer.kind or ""].params if layer.kind in RULES else ()
    return [k for k in DECLARED_INPUT_KEYWORDS if k in layer.kwarg_ranges and k not in own]


def insert_layer(document: Document, model: ModelIR, index: int, layer_text: str,
                 ) -> tuple[Edit, ...] | None:
    """Insert `layer_text` (e.g. "layers.Flatten()") before entry `index`.

    Before the first layer, the input it declares (`input_shape=`) moves to the new layer.
    """
    if not _editable(model, index):
        return None
    entry = model.entries[index]
    moved: list[Edit] = []
    if index == 0:
        first = entry.layer
        if isinstance(first, LayerCall) and first.kind in ("Input", "InputLayer"):
            return None
        declared = _declaring_keywords(first)
        if declared:
            assert isinstance(first, LayerCall)
            keyword_text = TextMap(document.text).slice(first.kwarg_ranges[declared[0]])
            removal = remove_keyword(document, first, declared[0])
            if removal is None or not layer_text.endswith(")"):
                return None
            opener = "" if layer_text.endswith("()") else ", "
            layer_text = f"{layer_text[:-1]}{opener}{keyword_text})"
            moved.append(removal)
    if _list_style(model, index):
        start = entry.range.start
        before = document.index.lines[start.line][:start.character]
        if not before.strip():
            return (insert(start, f"{layer_text},{newline(document)}{before}"), *moved)
        return (insert(start, f"{layer_text}, "), *moved)
    stmt = statement_of(document, entry.range)
    if stmt is None or not isinstance(stmt.value, ast.Call):
        return None
    where = document.index.range_of(stmt)
    if not owns_lines(document, where):
        return None
    func = stmt.value.func
    assert isinstance(func, ast.Attribute)
    receiver = TextMap(document.text).slice(document.index.range_of(func.value))
    indent = _indent(document, where.start.line)
    return (insert(Position(where.start.line, 0),
                   f"{indent}{receiver}.add({layer_text}){newline(document)}"), *moved)


def remove_layer(document: Document, model: ModelIR, index: int) -> tuple[Edit, ...] | None:
    if not _editable(model, index):
        return None
    entry = model.entries[index]
    layer = entry.layer
    if index == 0 and _declaring_keywords(layer):
        return None  # the model's input is declared there
    if _list_style(model, index):
        if index + 1 < len(model.entries) and _list_style(model, index + 1):
            return (_edit(entry.range.start, model.entries[index + 1].range.start, ""),)
        if index > 0 and _list_style(model, index - 1):
            return (_edit(model.entries[index - 1].range.end, entry.range.end, ""),)
        return (Edit(entry.range, ""),)
    stmt = statement_of(document, entry.range)
    if stmt is None:
        return None
    where = document.index.range_of(stmt)
    if not owns_lines(document, where):
        return None
    return (_edit(Position(where.start.line, 0), Position(where.end.line + 1, 0), ""),)


def set_keyword(document: Document, call: LayerCall, name: str, value_text: str
                ) -> tuple[Edit, ...] | None:
    """Give the call `name=value_text`, replacing the value it has."""
    if call.file is not None or call.has_unpacking:
        return None
    if name in call.kwarg_value_ranges:
        return (Edit(call.kwarg_value_ranges[name], value_text),)
    mapping = TextMap(document.text)
    end = mapping.offset(call.range.end)
    if document.text[end - 1:end] != ")":
        return None
    inside = document.text[mapping.offset(call.range.start):end - 1].rstrip()
    before = len(inside)
    at = mapping.position(mapping.offset(call.range.start) + before)
    if inside.endswith("("):
        return (insert(at, f"{name}={value_text}"),)
    if inside.endswith(","):
        return (insert(at, f" {name}={value_text}"),)
    return (insert(at, f", {name}={value_text}"),)


def remove_keyword(document: Document, call: LayerCall, name: str) -> Edit | None:
    """Remove `name=value` with the comma that separates it from its neighbours."""
    if call.file is not None or name not in call.kwarg_ranges:
        return None
    mapping = TextMap(document.text)
    text = document.text
    start = mapping.offset(call.kwarg_ranges[name].start)
    end = mapping.offset(call.kwarg_ranges[name].end)
    back = start
    while back > 0 and text[back - 1] in " \t\r\n":
        back -= 1
    if back > 0 and text[back - 1] == ",":
        return _edit(mapping.position(back - 1), mapping.position(end), "")
    forward = end
    while forward < len(text) and text[forward] in " \t\r\n":
        forward += 1
    if forward < len(text) and text[forward] == ",":
        forward += 1
        while forward < len(text) and text[forward] in " \t":
            forward += 1
        return _edit(mapping.position(start), mapping.position(forward), "")
    return _edit(mapping.position(start), mapping.position(end), "")


def extend_tuple(document: Document, where: Range, item: str) -> Edit | None:
    """`(28, 28)` -> `(28, 28, 1)`, in place, for a tuple or list literal."""
    node = node_at(document, where)
    if not isinstance(node, ast.Tuple | ast.List) or not node.elts:
        return None
    mapping = TextMap(document.text)
    text = mapping.slice(where)
    closer = text.rstrip()[-1:]
    if closer not in (")", "]"):
        return None
    inner = text.rstrip()[:-1].rstrip()
    at = mapping.position(mapping.offset(where.start) + len(inner))
    return insert(at, f" {item}" if inner.endswith(",") else f", {item}")


def layer_call_text(imports: Imports, class_name: str, arguments: str = ""
                    ) -> tuple[str, tuple[Edit, ...]]:
    name, edits = imports.reference(f"keras.layers.{class_name}")
    return f"{name}({arguments})", edits


def fix(title: str, edits: Sequence[Edit] | None, safe: bool = True) -> Fix | None:
    """A Fix, or None when the edits could not be made."""
    if not edits:
        return None
    return Fix(title, tuple(edits),
               Applicability.SAFE if safe else Applicability.UNSAFE)


def fixes(*candidates: Fix | None) -> tuple[Fix, ...]:
    seen: set[tuple[Edit, ...]] = set()
    result = []
    for candidate in candidates:
        if candidate is not None and candidate.edits not in seen:
            seen.add(candidate.edits)
            result.append(candidate)
    return tuple(result)


# -- choosing fixes to apply ---------------------------------------------------------------------

def applicable_fix(finding: Finding, unsafe: bool,
                   usable: Callable[[Fix], bool] = lambda fix: True) -> Fix | None:
    """The finding's fix to apply: its preferred one, else the first alternative that the
    applicability allows and `usable` accepts; None for a finding in another file."""
    if finding.file is not None:
        return None
    ordered = ([finding.fix] if finding.fix else []) + [
        f for f in finding.fixes if f is not finding.fix]
    for candidate in ordered:
        if (unsafe or candidate.applicability is Applicability.SAFE) and usable(candidate):
            return candidate
    return None


__all__ = [
    "Imports",
    "TextMap",
    "applicable_fix",
    "apply_edits",
    "constant_definition",
    "extend_tuple",
    "fix",
    "fixes",
    "insert",
    "insert_layer",
    "is_atom",
    "layer_call_text",
    "node_at",
    "owns_lines",
    "remove_keyword",
    "remove_layer",
    "replace_string",
    "sequence_at",
    "set_keyword",
    "shape_literal",
    "wrap",
]
