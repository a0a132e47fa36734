"""Facts read off the syntax tree: the names a statement may bind, the jumps in a loop."""

from __future__ import annotations

import ast

# Tuples, not unions: isinstance takes them faster, at every node of a branch.
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_DECLARATIONS = (ast.Global, ast.Nonlocal)
_IMPORTS = (ast.Import, ast.ImportFrom)


def names_bound_by(stmt: ast.stmt) -> frozenset[str] | None:
    """The names a statement may bind or unbind in the scope that runs it (every name it
    mentions, since `items.append(x)` rebinds `items` too), or None for a star import."""
    names: set[str] = set()
    for node in nodes_within(stmt):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, _DEFINITIONS):
            names.add(node.name)
        elif isinstance(node, _DECLARATIONS):
            names.update(node.names)
        elif isinstance(node, _IMPORTS):
            for alias in node.names:
                if alias.name == "*":
                    return None
                names.add(alias.asname or alias.name.split(".")[0])
    return frozenset(names)


def nodes_within(root: ast.AST) -> list[ast.AST]:
    """Every node of the tree at `root`, in no set order: what `ast.walk` yields, at a
    third of its cost (it is on the evaluator's path at every branch)."""
    found: list[ast.AST] = []
    pending: list[object] = [root]
    while pending:
        node = pending.pop()
        if not isinstance(node, ast.AST):
            continue  # the names of `global` and the None keys of `{**d}`
        found.append(node)
        for name in node._fields:
            value = getattr(node, name, None)
            if type(value) is list:
                pending.extend(value)
            elif isinstance(value, ast.AST):
                pending.append(value)
    return found


# The fields through which a statement holds statements (an except clause's and a match
# case's through their `body`).
STATEMENT_LISTS = ("body", "orelse", "finalbody", "handlers", "cases")


def has_jump(body: list[ast.stmt]) -> bool:
    """break/continue make an unrolled loop's path depend on values we may not know. Any of
    them in the body counts, a nested loop's too. They are statements, so only statements
    are walked, not the expressions in them."""
    pending: list[ast.AST] = list(body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Break | ast.Continue):
            return True
        for name in STATEMENT_LISTS:
            pending.extend(getattr(node, name, ()))
    return False
