"""Dicts that hold models: `models = {"small": build(8), "big": build(16)}`.

A dict display whose keys are constants and that holds a model, layer or object of the
user's is followed: reading `models["small"]`, writing `models["x"] = ...`, iterating over
it, `.items()`, `.values()`, `.keys()`, `.get(...)`. It is one mutable object shared by
reference, like the user's objects (see `classes`). Any other dict stays unknown, and what it
holds is handed over as before.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from shape_engine.evaluation.classes import ObjectValue
from shape_engine.values import (
    UNKNOWN,
    Const,
    LayerValue,
    ModelValue,
    NotConstant,
    Seq,
    Value,
    to_python,
)

# What makes a dict worth following: it holds one of these.
_HELD = (ModelValue, LayerValue, ObjectValue)


@dataclass(eq=False)
class ModelDict(Value):
    """A dict of models as it is now, its keys Python constants (data dicts are
    `values.DictValue`)."""

    items: dict[object, Value]
    region: int  # the uncertain region it was made in (see `Evaluator._uncertainty`)
    known: bool = True  # False once changed in a way not followed: reads are unknown


def display(node: ast.Dict, evaluate: Callable[[ast.expr], Value], region: int
            ) -> tuple[ModelDict | None, list[Value]]:
    """`{k: v, ...}`: a ModelDict when it holds a model and its keys are constants, else
    None; and every value evaluated (for whoever gives it up)."""
    keys = [evaluate(k) if k is not None else None for k in node.keys]
    values = [evaluate(v) for v in node.values]
    if not any(isinstance(v, _HELD) for v in values) or None in keys:
        return None, [k for k in keys if k is not None] + values
    items: dict[object, Value] = {}
    for key, value in zip(keys, values, strict=True):
        python = _key(key)
        if python is None:
            return None, [k for k in keys if k is not None] + values
        items[python] = value
    return ModelDict(items, region), values


def subscript(d: ModelDict, key: Value) -> Value:
    python = _key(key)
    if not d.known or python is None:
        return UNKNOWN
    return d.items.get(python, UNKNOWN)


def set_item(d: ModelDict, key: Value, value: Value, may_not_run: bool) -> None:
    python = _key(key)
    if python is None:
        d.known = False
        return
    if may_not_run and d.items.get(python) is not value:
        value = UNKNOWN
    d.items[python] = value


def method(d: ModelDict, name: str, args: list[Value], kwargs: dict[str, Value]
           ) -> tuple[Value, list[Value]]:
    """A dict method: its value, and the values handed over to code not followed."""
    if d.known and not kwargs:
        keys = [Const(k) for k in d.items]  # type: ignore[arg-type]
        if name == "keys" and not args:
            return Seq(tuple(keys), "list"), []
        if name == "values" and not args:
            return Seq(tuple(d.items.values()), "list"), []
        if name == "items" and not args:
            return Seq(tuple(Seq((k, v)) for k, v in zip(keys, d.items.values(),
                                                         strict=True)), "list"), []
        if name == "get" and 1 <= len(args) <= 2:
            python = _key(args[0])
            if python is not None:
                return d.items.get(python, args[1] if len(args) == 2 else Const(None)), []
    if name in ("keys", "values", "items", "get", "copy"):
        return UNKNOWN, []
    d.known = False  # update, pop, setdefault...: not followed
    return UNKNOWN, [*args, *kwargs.values()]


def iteration(d: ModelDict) -> list[Value] | None:
    """`for key in d`: its keys."""
    return [Const(k) for k in d.items] if d.known else None  # type: ignore[arg-type]


def escape(d: ModelDict) -> list[Value]:
    """Handed to code not followed: it may change the dict; what it held is exposed."""
    d.known = False
    return list(d.items.values())


def _key(key: Value | None) -> object | None:
    if not isinstance(key, Const) or key.value is None:
        return None
    try:
        return to_python(key)
    except NotConstant:
        return None
