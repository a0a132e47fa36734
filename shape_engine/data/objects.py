"""Data objects that are not arrays (pandas frames and series, `.npz` archives): the
evaluator asks them for their attributes, items and methods, and what they become when the
program writes into them."""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar, cast

from shape_engine.findings import Range
from shape_engine.values import UNKNOWN, ArrayValue, BoundMethod, NotConstant, Seq, Value

Evaluate = Callable[[ast.expr], Value]
P = ParamSpec("P")
R = TypeVar("R")
# What odd arguments make Python raise in the models of these objects (`iloc[::0]`).
_REFUSALS = (ArithmeticError, ValueError, TypeError, IndexError, KeyError, OverflowError,
             RecursionError, NotConstant)


# The kinds of value a program can change in place (`df["new"] = ...`, `xs.append`): lists,
# arrays, and the data objects each data module adds when it is imported (a module not
# imported has made no object).
CHANGEABLE_IN_PLACE: set[type[Value]] = {Seq, ArrayValue}


def guarded(unknown: object) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A model of a data operation that gives `unknown` where Python would raise in it."""
    def wrap(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return function(*args, **kwargs)
            except _REFUSALS:
                return cast(R, unknown)
        return run
    return wrap


class DataObject(Value):
    """Immutable: a change in place makes a new object (the evaluator forwards to it)."""

    # What `with obj as name:` binds: the object itself, or (False) something unknown.
    context_is_self = False

    def attribute(self, attr: str) -> Value:
        return BoundMethod(self, attr)

    def item(self, index: ast.expr, evaluate: Evaluate, at: Range) -> Value:
        return UNKNOWN

    def call_method(self, name: str, args: list[Value], kwargs: dict[str, Value],
                    at: Range) -> tuple[Value, Value | None]:
        """The method's result, and what the object itself is now when the call changed it
        (None: unchanged)."""
        return UNKNOWN, None

    def after_store(self, index: ast.expr | None, value: Value, evaluate: Evaluate) -> Value:
        """What the object is after `obj[index] = value` (index None: an attribute was set,
        see `after_attribute`)."""
        return UNKNOWN

    def after_attribute(self, attr: str, value: Value) -> Value:
        return UNKNOWN

    def after_escape(self) -> Value:
        """What the object may be after code the engine does not follow was given it."""
        return self
