"""Environments of names (`Scope`), what evaluating a module finds (`Program`), and the value
several paths through the code leave (`join`)."""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from shape_engine.findings import Range
from shape_engine.interpret import ModelReport, interpret
from shape_engine.ir import ModelIR
from shape_engine.keras.calls import Graph
from shape_engine.keras.tensors import TensorValue
from shape_engine.keras_names import star_exports
from shape_engine.shapes import MaybeShape
from shape_engine.source import LineIndex
from shape_engine.values import UNKNOWN, ArrayValue, Const, ModuleRef, Seq, Unknown, Value

# Resolves `import name` (level > 0 for relative imports) to (path, source text) or None.
ModuleResolver = Callable[[str, int, str | None], "tuple[str, str] | None"]

# The builtins, made once: `len` and `range` are looked up at every turn of a loop.
_BUILTIN_REFS: dict[str, Value] = {name: ModuleRef(name) for name in dir(builtins)}
# Held by no scope: what `Scope.lookup` gets for a name a scope does not bind.
_ABSENT = Value()


class Return(Exception):
    def __init__(self, value: Value) -> None:
        self.value = value


class Scope:
    def __init__(self, parent: Scope | None = None) -> None:
        self.vars: dict[str, Value] = {}
        self.parent = parent
        self.star_modules: list[ModuleRef] = []
        # Names a function declares `global` / `nonlocal`: they live in another scope.
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()

    @property
    def module(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def lookup(self, name: str) -> Value:
        scope: Scope | None = self.module if name in self.globals else self
        while scope is not None:
            found = scope.vars.get(name, _ABSENT)  # one dict lookup: names are looked up most
            if found is not _ABSENT:
                return found
            if scope.star_modules:  # rare: no iterator made for an empty list
                for module in scope.star_modules:
                    if star_exports(module.name, name):
                        return module.attribute(name)
            scope = scope.parent
        return _BUILTIN_REFS.get(name, UNKNOWN)

    def owner(self, name: str) -> Scope:
        """The scope that binding `name` here binds it in."""
        if name in self.globals:
            return self.module
        if name in self.nonlocals:
            scope = self.parent
            while scope is not None and scope.parent is not None:
                if name in scope.vars:
                    return scope
                scope = scope.parent
        return self


@dataclass
class DataBinding:
    """A name bound to data or to a symbolic tensor, kept for hover and inlay hints."""

    name: str
    target: ast.Name  # the assignment target
    index: LineIndex = field(repr=False)  # its module's
    value: ArrayValue | TensorValue

    @property
    def range(self) -> Range:
        """The target's range, worked out when read (by node, once: see `LineIndex`): hover
        and inlay hints read it, a run of the command line never does."""
        return self.index.range_of(self.target)


@dataclass
class Program:
    """What evaluating a module found."""

    models: list[ModelIR] = field(default_factory=list)
    data: list[DataBinding] = field(default_factory=list)
    # The symbolic tensors the program made, the layer calls between them, Keras' refusals.
    graph: Graph = field(default_factory=lambda: Graph(build_sequential=_build_sequential))
    module_scope: Scope = field(default_factory=Scope)
    exhausted: bool = False  # the step budget ran out; later code was not evaluated
    timed_out: bool = False  # the caller's deadline passed (see `budget`): so did evaluation
    stopped_at: int | None = None  # the line of the statement where evaluation stopped
    steps: int = 0  # evaluation steps spent (see `limits.BASE_STEPS`)
    budget: int = 0  # the steps it could spend (more than `steps` when exhausted)


# The values equal ones of which are the same value (a tuple made once: isinstance takes it
# faster than a union made at each test).
_COMPARED_BY_VALUE = (Const, ModuleRef, Unknown, ArrayValue)


def same(a: Value | None, b: Value | None) -> bool:
    """Whether two paths leave the same value: equal constants, or the very same object for
    what can change in place (two lists that look alike are still two lists)."""
    if a is b:
        return True
    if isinstance(a, Seq) and isinstance(b, Seq):
        return (a.kind == b.kind == "tuple" and len(a.items) == len(b.items)
                and all(same(x, y) for x, y in zip(a.items, b.items, strict=True)))
    if isinstance(a, _COMPARED_BY_VALUE) and type(a) is type(b):
        return a == b
    return False


def join(values: Sequence[Value | None]) -> Value:
    """The value several paths leave (None: unbound on that path)."""
    first = values[0]
    if first is None or not all(same(first, v) for v in values[1:]):
        return UNKNOWN
    if isinstance(first, ModuleRef) and any(
            isinstance(v, ModuleRef) and v.via_tf != first.via_tf for v in values):
        return ModuleRef(first.name, via_tf=None)  # `tensorflow.keras` on some paths only
    return first


def _build_sequential(model: ModelIR, outer_input: MaybeShape) -> ModelReport:
    """A Sequential model called on a tensor: built on its own input, or on that tensor's."""
    return interpret(model, outer_input=outer_input)
