"""Where a name got its value, from the syntax alone: the assignment that surely made it.

The evaluator follows values, not the statements that bound them; the training checks point
at a data definition only where the source makes it certain (`defining_target`).
"""

from __future__ import annotations

import ast
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shape_engine.context import Document


def defining_target(document: Document, use: ast.Name) -> ast.Name | None:
    """The assignment target that gave `use` its value, when the source alone makes that
    certain: the last binding of the name before the use in the same scope, an assignment
    (`=`, `: T =`, `+=`) in the same block as the use or in a block the use is in, with no
    other binding of the name that a loop around the use could run after it. Else None
    (bound in a branch, by a loop, a parameter, an import, `global`, ...)."""
    tree = document.scopes
    scope = tree.scope(use)
    if scope is None:
        return None
    found = tree.bindings(scope, use.id)
    if found is None:
        return None
    sites, positions = found
    use_statement = tree.statement(use)
    at = _position(use)
    # The last site before the use, not in the use's own statement (`x = f(x)`).
    index = bisect_left(positions, at) - 1
    while index >= 0 and tree.inside(use, tree.statement(sites[index])):
        index -= 1
    if index < 0:
        return None
    last = sites[index]
    if not isinstance(last, ast.Name) or not tree.assigns(last):
        return None
    # A loop around the use may run a later binding before the use comes again.
    after = bisect_right(positions, at)
    for loop in tree.loops_around(use_statement, scope):
        if after < len(sites) and positions[after] <= _end(loop):
            return None
    statement = tree.statement(last)
    while isinstance(around := tree.parent(statement), ast.With | ast.AsyncWith):
        statement = around  # a with body runs (or the use is not reached)
    block = tree.block_of(statement)
    if block is None:
        return None
    step: ast.AST | None = use_statement
    while step is not None and step is not scope:
        if tree.block_of(step) is block:
            return last if tree.index(step) > tree.index(statement) else None
        step = tree.parent(step)
    return None


def _position(node: ast.AST) -> tuple[int, int]:
    return node.lineno, node.col_offset  # type: ignore[attr-defined]


def _end(node: ast.AST) -> tuple[int, int]:
    return node.end_lineno, node.end_col_offset  # type: ignore[attr-defined]


# Binding sites of a name in source order, and their positions (for bisection).
Sites = tuple[list[ast.AST], list[tuple[int, int]]]
ScopeNode = ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda
SCOPE_TYPES = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda,
               ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
LOOP_TYPES = (ast.For, ast.AsyncFor, ast.While)


class Scopes:
    """Parents, blocks and the binding sites of names in one module (`Document.scopes` makes
    it once per document)."""

    def __init__(self, tree: ast.Module) -> None:
        self._parents: dict[ast.AST, ast.AST] = {}
        self._blocks: dict[ast.AST, list[ast.stmt]] = {}
        self._indices: dict[ast.AST, int] = {}  # a statement's place in its block
        for node in ast.walk(tree):
            for name, value in ast.iter_fields(node):
                if isinstance(value, list):
                    if value and all(isinstance(v, ast.stmt) for v in value) and name in (
                            "body", "orelse", "finalbody"):
                        for place, child in enumerate(value):
                            self._blocks[child] = value
                            self._indices[child] = place
                    for child in value:
                        if isinstance(child, ast.AST):
                            self._parents[child] = node
                elif isinstance(value, ast.AST):
                    self._parents[value] = node
        # scope -> name -> binding sites in source order and their positions; None: not
        # followed (global, ...)
        self._sites: dict[ast.AST, dict[str, Sites | None]] = {}

    def parent(self, node: ast.AST) -> ast.AST | None:
        return self._parents.get(node)

    def block_of(self, statement: ast.AST) -> list[ast.stmt] | None:
        return self._blocks.get(statement)

    def index(self, statement: ast.AST) -> int:
        return self._indices[statement]

    def statement(self, node: ast.AST) -> ast.AST:
        step: ast.AST | None = node
        while step is not None and not isinstance(step, ast.stmt | ast.excepthandler):
            step = self.parent(step)
        return step if step is not None else node

    def inside(self, node: ast.AST, container: ast.AST) -> bool:
        step: ast.AST | None = node
        while step is not None:
            if step is container:
                return True
            step = self.parent(step)
        return False

    def scope(self, node: ast.AST) -> ScopeNode | None:
        """The function, class or module whose name `node` reads; None in a comprehension
        (its own scope) or a default argument (evaluated outside its function)."""
        child, step = node, self.parent(node)
        while step is not None:
            if isinstance(step, SCOPE_TYPES):
                if isinstance(step, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) and (
                        child is step.args or child in getattr(step, "decorator_list", ())):
                    return None
                if isinstance(step, ast.ListComp | ast.SetComp | ast.DictComp
                              | ast.GeneratorExp):
                    return None
                return step
            child, step = step, self.parent(step)
        return None

    def loops_around(self, statement: ast.AST, scope: ast.AST) -> Iterator[ast.AST]:
        step = self.parent(statement)
        while step is not None and step is not scope:
            if isinstance(step, LOOP_TYPES):
                yield step
            step = self.parent(step)

    def assigns(self, target: ast.Name) -> bool:
        """`target` is a target of an assignment statement (not a walrus, for or with)."""
        statement = self.statement(target)
        if isinstance(statement, ast.AnnAssign):
            return statement.value is not None and statement.target is target
        if isinstance(statement, ast.AugAssign):
            return statement.target is target
        if isinstance(statement, ast.Assign):
            return any(self.inside(target, t) for t in statement.targets)
        return False

    def bindings(self, scope: ast.AST, name: str) -> Sites | None:
        table = self._sites.get(scope)
        if table is None:
            table = self._sites[scope] = self._collect(scope)
        return table.get(name, ([], []))

    def _collect(self, scope: ast.AST) -> dict[str, Sites | None]:
        sites: dict[str, list[ast.AST] | None] = {}

        def add(name: str, site: ast.AST) -> None:
            found = sites.setdefault(name, [])
            if found is not None:
                found.append(site)

        if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            arguments = scope.args
            for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                        *filter(None, (arguments.vararg, arguments.kwarg))):
                add(arg.arg, arg)
        body = getattr(scope, "body", [])
        pending: list[ast.AST] = list(body) if isinstance(body, list) else [body]
        while pending:
            node = pending.pop()
            if isinstance(node, ast.Global | ast.Nonlocal):
                for name in node.names:
                    sites[name] = None
                continue
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                add(node.name, node)
                # Only what runs in this scope: decorators, defaults, bases.
                pending.extend(node.decorator_list)
                if isinstance(node, ast.ClassDef):
                    pending.extend([*node.bases, *node.keywords])
                else:
                    pending.extend([*node.args.defaults,
                                    *filter(None, node.args.kw_defaults)])
                continue
            if isinstance(node, ast.Lambda):
                pending.extend([*node.args.defaults, *filter(None, node.args.kw_defaults)])
                continue
            if isinstance(node, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
                pending.append(node.generators[0].iter)  # the rest is their own scope
                continue
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                add(node.id, node)
            elif isinstance(node, ast.alias):
                add((node.asname or node.name).split(".")[0], node)
            elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar):
                if node.name:
                    add(node.name, node)
            elif isinstance(node, ast.MatchMapping) and node.rest:
                add(node.rest, node)
            pending.extend(ast.iter_child_nodes(node))
        ordered: dict[str, Sites | None] = {}
        for name, found in sites.items():
            if found is None:
                ordered[name] = None
            else:
                found.sort(key=_site_position)
                ordered[name] = (found, [_site_position(site) for site in found])
        return ordered


def _site_position(site: ast.AST) -> tuple[int, int]:
    # Parameters come before the body; other sites sit where they are written.
    return (getattr(site, "lineno", 0), getattr(site, "col_offset", 0))
