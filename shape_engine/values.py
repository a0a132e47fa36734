"""Abstract values: what the evaluator knows about a Python expression without running it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from shape_engine.findings import Range
from shape_engine.shapes import MaybeShape

if TYPE_CHECKING:
    import ast

    from shape_engine.ir import LayerCall, ModelIR


class Value:
    """Base of all abstract values."""


@dataclass(frozen=True)
class Unknown(Value):
    pass


UNKNOWN = Unknown()

Scalar = int | float | str | bool | complex | bytes | None
# The most values a constant sequence may hold, nested ones included.
MAX_CONSTANT_SIZE = 10_000


@dataclass(frozen=True)
class Const(Value):
    value: Scalar


@dataclass(frozen=True)
class Seq(Value):
    items: tuple[Value, ...]
    kind: Literal["tuple", "list"] = "tuple"
    # Values held once nested sequences are expanded, itself included: what walking it costs
    # (`x = [x, x]` in a loop shares items, and doubles this at each turn).
    size: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "size", 1 + sum(
            item.size if isinstance(item, Seq) else 1 for item in self.items))


@dataclass(frozen=True)
class ModuleRef(Value):
    """A module, or anything reached from one by attributes, named canonically."""

    name: str


@dataclass(frozen=True)
class BoundMethod(Value):
    receiver: Value
    name: str


@dataclass(eq=False)
class LayerValue(Value):
    call: LayerCall


@dataclass(eq=False)
class ModelValue(Value):
    model: ModelIR


@dataclass(eq=False)
class FunctionValue(Value):
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    scope: object  # the defining Scope (kept opaque here to avoid a cycle)
    file: str | None = None  # the defining module, None for the document being analysed
    index: object = None  # the defining module's LineIndex


@dataclass(frozen=True)
class ArrayValue(Value):
    """Data: a numpy array or tensor. `shape` None is unknown; dims may be None."""

    shape: MaybeShape
    dtype: Literal["int", "float", "bool", "str"] | None = None
    origin: Range | None = None
    # Bounds on the values when known (e.g. randint(0, 10) gives (0, 9)).
    bounds: tuple[float, float] | None = None
    # True for arrays made by to_categorical (one-hot rows).
    one_hot: bool = False
    extra: tuple[tuple[str, object], ...] = field(default_factory=tuple)


def to_python(value: Value) -> object:
    """The literal Python value, or raise NotConstant."""
    if isinstance(value, Const):
        return value.value
    if isinstance(value, Seq):
        if value.size > MAX_CONSTANT_SIZE:
            raise NotConstant  # too big to be a shape or an argument, and costly to expand
        items = tuple(to_python(v) for v in value.items)
        return items if value.kind == "tuple" else list(items)
    raise NotConstant


class NotConstant(Exception):
    pass


def constant(value: Value) -> object | Unknown:
    try:
        return to_python(value)
    except NotConstant:
        return UNKNOWN


def from_python(obj: object) -> Value:
    if isinstance(obj, tuple):
        return Seq(tuple(from_python(o) for o in obj), "tuple")
    if isinstance(obj, list):
        return Seq(tuple(from_python(o) for o in obj), "list")
    if obj is None or isinstance(obj, int | float | str | bool | complex | bytes):
        return Const(obj)
    return UNKNOWN


CANONICAL_PREFIXES = (
    ("tensorflow.compat.v1.keras", "keras"),
    ("tensorflow.compat.v2.keras", "keras"),
    ("tensorflow.python.keras", "keras"),
    ("tensorflow.keras", "keras"),
    ("tf_keras", "keras"),
)


def canonical(name: str) -> str:
    """One spelling per Keras object: `tensorflow.keras.layers.Dense` -> `keras.layers.Dense`."""
    for prefix, replacement in CANONICAL_PREFIXES:
        if name == prefix or name.startswith(prefix + "."):
            return replacement + name[len(prefix) :]
    return name
