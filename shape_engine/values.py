"""Abstract values: what the evaluator knows about a Python expression without running it."""

from __future__ import annotations

import functools
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
    """A value the engine cannot know."""


UNKNOWN = Unknown()

Scalar = int | float | str | bool | complex | bytes | None
# The most values a constant sequence may hold, nested ones included.
MAX_CONSTANT_SIZE = 10_000


@dataclass(frozen=True)
class Const(Value):
    """A known scalar: int, float, complex, str, bytes, bool or None."""

    value: Scalar


@dataclass(frozen=True)
class Seq(Value):
    """A tuple, or a list as it is now.

    A list is a mutable object shared by reference: each Seq of kind "list" stands for one
    Python list (the evaluator never makes one Seq stand for two lists, and keeps `alias =
    items` the same Seq). Changing it in place makes a new Seq the old one forwards to (see
    `Evaluator._mutated`), so every name and container that holds it sees the change.
    """

    items: tuple[Value, ...]
    kind: Literal["tuple", "list"] = "tuple"
    # The uncertain region the list was made in (see `Evaluator._uncertainty`): inside a
    # branch, a list made there can change exactly; one made before the branch cannot.
    birth: int = field(default=0, compare=False, repr=False)
    # Values held once nested sequences are expanded, itself included: what walking it costs
    # (`x = [x, x]` in a loop shares items, and doubles this at each turn).
    size: int = field(init=False, compare=False, repr=False)
    # Whether it is, or holds at any depth, a value that can change in place (a list, data,
    # a model).
    holds_mutable: bool = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        # One plain loop: every tuple and list the evaluator sees is made here.
        size = 1
        holds_mutable = self.kind == "list"
        for item in self.items:
            if isinstance(item, Seq):
                size += item.size
                holds_mutable = holds_mutable or item.holds_mutable
            else:
                size += 1
                holds_mutable = holds_mutable or type(item) in _MUTABLE_ITEMS
        object.__setattr__(self, "size", size)
        object.__setattr__(self, "holds_mutable", holds_mutable)


@dataclass(frozen=True)
class ModuleRef(Value):
    """A module, or anything reached from one by attributes, named canonically."""

    name: str
    # Reached through `tensorflow.keras` (whose `layers` keeps a few legacy classes of its
    # own: see `keras_names.TF_KERAS_LEGACY_LAYERS`); None when either spelling may be meant
    # (`try: from tensorflow import keras` / `except ImportError: import keras`).
    via_tf: bool | None = field(default=False, compare=False)

    def attribute(self, attr: str) -> ModuleRef:
        # By the parts (whose hashes the strings keep): `layers.Dense` at every layer call
        # would otherwise make and hash the dotted name anew.
        key = (self.name, self.via_tf, attr)
        found = _ATTRIBUTES.get(key)
        if found is None:
            if self.name == "tensorflow" and attr == "keras":
                found = ModuleRef("keras", via_tf=True)
            else:
                found = module_ref(f"{self.name}.{attr}", self.via_tf)
            if len(_ATTRIBUTES) < MAX_ATTRIBUTES_KEPT:
                _ATTRIBUTES[key] = found
        return found


# `ModuleRef.attribute`'s answers, by (name, via_tf, attribute): each depends on those alone.
_ATTRIBUTES: dict[tuple[str, bool | None, str], ModuleRef] = {}
MAX_ATTRIBUTES_KEPT = 4096


@functools.lru_cache(maxsize=4096)  # `layers.Dense` is looked up at every layer call
def module_ref(written: str, via_tf: bool | None = False) -> ModuleRef:
    """The reference for a dotted name as written (`tensorflow.keras.layers`)."""
    name = canonical(written)
    if name != written and written.startswith("tensorflow."):
        via_tf = True
    return ModuleRef(name, via_tf)


@dataclass(frozen=True)
class Instance(ModuleRef):
    """An object of a class the checks read (`keras.losses.CategoricalCrossentropy(...)`),
    named like its class with "()" appended, with the arguments it was made with."""

    args: tuple[Value, ...] = field(default=(), compare=False)
    kwargs: tuple[tuple[str, Value], ...] = field(default=(), compare=False)
    # Where the object was made (the constructor call), when a check points at its arguments.
    at: Range | None = field(default=None, compare=False)

    def argument(self, name: str, position: int | None = None) -> Value | None:
        """The value given for `name`, None when not given."""
        for key, value in self.kwargs:
            if key == name:
                return value
        if position is not None and position < len(self.args):
            return self.args[position]
        return None


@dataclass(frozen=True)
class BoundMethod(Value):
    """`receiver.name`, not called yet."""

    receiver: Value
    name: str


@dataclass(eq=False)
class LayerValue(Value):
    """A layer object, from its call."""

    call: LayerCall


@dataclass(eq=False)
class ModelValue(Value):
    """A Sequential model being built."""

    model: ModelIR


@dataclass(eq=False)
class FunctionValue(Value):
    """A function or lambda of the user's, called by evaluating its body."""

    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    scope: object  # the defining Scope (kept opaque here to avoid a cycle)
    file: str | None = None  # the defining module, None for the document being analysed
    index: object = None  # the defining module's LineIndex
    # Default values by parameter name, evaluated once where the function is defined (as
    # Python does: a mutable default is shared by every call).
    defaults: dict[str, Value] = field(default_factory=dict)


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



@dataclass(frozen=True)
class DictValue(Value):
    """A dict display with string keys (`{"image": x, "meta": m}`), as its items were when
    it was evaluated. The dict itself is not followed after that (item assignment, update):
    readers take it only where it is written (a `fit` argument), not through a name."""

    keys: tuple[str, ...]
    items: tuple[Value, ...]

    def get(self, key: str) -> Value | None:
        for name, value in zip(self.keys, self.items, strict=True):
            if name == key:
                return value
        return None


def dict_display(node: ast.Dict, children: list[Value]) -> Value:
    """`{"a": x, "b": y}` from its evaluated children (keys, then values, as `ast` lists
    them); unknown with `**more` or a key that is not a known string."""
    count = len(node.keys)
    if None in node.keys or len(children) != 2 * count:
        return UNKNOWN
    items: dict[str, Value] = {}
    for key, value in zip(children[:count], children[count:], strict=True):
        if not (isinstance(key, Const) and isinstance(key.value, str)):
            return UNKNOWN
        items[key.value] = value  # a repeated key keeps its last value, as Python does
    return DictValue(tuple(items), tuple(items.values()))

# What a sequence can hold that changes in place, besides lists (see `Seq.holds_mutable`).
_MUTABLE_ITEMS = frozenset({ArrayValue, ModelValue})
# The exact types of `Scalar`: `from_python` makes a Const of them without further checks.
_SCALAR_TYPES = frozenset({int, float, str, bool, complex, bytes, type(None)})


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
    if type(obj) in _SCALAR_TYPES:  # the common case, first
        return Const(obj)  # type: ignore[arg-type]
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
    # Keras 3 as it was published before its release (keras-io examples of 2023 import it).
    ("keras_core", "keras"),
)


def canonical(name: str) -> str:
    """One spelling per Keras object: `tensorflow.keras.layers.Dense` -> `keras.layers.Dense`."""
    for prefix, replacement in CANONICAL_PREFIXES:
        if name == prefix or name.startswith(prefix + "."):
            return replacement + name[len(prefix) :]
    return name
