"""Loops that build data by appending, and long comprehensions, followed without running
every turn.

`for i in range(len(series) - W): X.append(series[i:i + W])` is how scripts make windows. With
hundreds of turns it is too long to unroll (or costs the whole step budget), yet every turn
appends the same kind of item. A loop whose body only binds names afresh and appends to lists
is run for its first and last item: when each list got items of the same shape on both turns,
every turn did (the body has nothing carried from one turn to the next), and the list holds
one such item per turn. Anything else is left to the ordinary treatment.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Literal

from shape_engine.values import ArrayValue, Const, Value

# Fewer turns are simply unrolled.
MIN_TURNS = 16
# Builtins that neither change their arguments nor anything else.
PURE_BUILTINS = frozenset({
    "len", "range", "int", "float", "bool", "str", "abs", "min", "max", "round", "list",
    "tuple", "sum", "sorted", "ord", "chr",
})


def appended_lists(loop: ast.For, is_module: Callable[[str], bool]) -> dict[str, int] | None:
    """{list name: items appended per turn} when the loop only binds fresh names and appends
    to lists (so that its first and last turns show what every turn does), else None.
    `is_module(name)` says whether a name is an imported module (its functions are pure)."""
    if loop.orelse or not loop.body:
        return None
    appends: dict[str, int] = {}
    stored: set[str] = set(_names(loop.target))
    for stmt in loop.body:
        if isinstance(stmt, ast.Expr) and _is_append(stmt.value):
            assert isinstance(stmt.value, ast.Call) and isinstance(stmt.value.func,
                                                                    ast.Attribute)
            target = stmt.value.func.value
            assert isinstance(target, ast.Name)
            if not _pure(stmt.value.args[0], is_module, stored, loop):
                return None
            appends[target.id] = appends.get(target.id, 0) + 1
        elif isinstance(stmt, ast.Assign) and all(
                isinstance(t, ast.Name | ast.Tuple) for t in stmt.targets):
            if not _pure(stmt.value, is_module, stored, loop):
                return None
            for target in stmt.targets:
                stored.update(_names(target))
        else:
            return None
    if not appends or stored & appends.keys():
        return None
    return appends


def _is_append(node: ast.expr) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "append" and isinstance(node.func.value, ast.Name)
            and len(node.args) == 1 and not node.keywords
            and not isinstance(node.args[0], ast.Starred))


def _names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [n for element in target.elts for n in _names(element)]
    return ["*"]  # anything else (attributes, items) disqualifies through `stored`


def _pure(node: ast.expr, is_module: Callable[[str], bool], stored: set[str],
          loop: ast.For) -> bool:
    """A pure expression whose names are either bound before the loop or bound earlier in
    this turn (nothing carried over from the previous turn)."""
    assigned_later = _assigned_in(loop) - stored
    return pure_expression(node, is_module) and not any(
        isinstance(sub, ast.Name) and sub.id in assigned_later for sub in ast.walk(node))


def pure_expression(node: ast.expr, is_module: Callable[[str], bool]) -> bool:
    """A comprehension's element that calls only modules' functions and pure builtins."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Lambda | ast.NamedExpr | ast.Await | ast.Yield | ast.YieldFrom
                      | ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
            return False
        if isinstance(sub, ast.Call):
            root = _root(sub.func)
            if root is None or not ((root in PURE_BUILTINS and isinstance(sub.func, ast.Name))
                                    or is_module(root)):
                return False
    return True


def _assigned_in(loop: ast.For) -> set[str]:
    names: set[str] = set()
    for stmt in loop.body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                names.update(_names(target))
    return names


def _root(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def same_kind(a: Value, b: Value) -> bool:
    """Items that np.array stacks alike: arrays of one shape and dtype, or scalars of one
    type."""
    if isinstance(a, ArrayValue) and isinstance(b, ArrayValue):
        return a.shape is not None and a.shape == b.shape and a.dtype == b.dtype
    if isinstance(a, Const) and isinstance(b, Const):
        return type(a.value) is type(b.value) and isinstance(a.value, int | float | str | bool)
    return False


def every_turn(first: list[Value], last: list[Value], turns: int) -> list[Value] | None:
    """What `turns` turns appended, given the first and the last turn's items; None when the
    two differ in kind (the turns between are not known)."""
    if len(first) != len(last) or not all(map(same_kind, first, last)):
        return None
    middle = [item for _ in range(turns - 2) for item in _unbounded(first)]
    return [*first, *middle, *last]


def _unbounded(items: list[Value]) -> list[Value]:
    """The turns between are alike in shape, not in value: their values are not known."""
    return [ArrayValue(item.shape, item.dtype, item.origin) if isinstance(item, ArrayValue)
            else ArrayValue((), _SCALAR_DTYPES[type(item.value)]) if isinstance(item, Const)
            else item for item in items]


_SCALAR_DTYPES: dict[type, Literal["int", "float", "bool", "str"]] = {
    bool: "bool", int: "int", float: "float", str: "str"}
