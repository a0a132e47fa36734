"""The user's classes and their objects, as far as models need them.

A `class` statement makes a `ClassValue`: its bases and the names its body binds (methods,
class attributes). Calling it makes an `ObjectValue` and runs `__init__` on it; attributes
written through `self` live on the object, so `self.model = Sequential(...)` in one method
and `self.model.add(...)` or `self.model.fit(...)` in another reach the same model. Methods
run like functions, with `self` bound; `super()` looks past the method's class.

Subclasses of `keras.Model` and `keras.layers.Layer` are objects too: what Keras does with
them (call, fit, add_weight...) is `keras.subclass`'s.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from shape_engine.findings import Range
from shape_engine.keras_names import MODEL_NAMES, SEQUENTIAL_NAMES
from shape_engine.source import LineIndex
from shape_engine.values import (
    UNKNOWN,
    BoundMethod,
    Const,
    FunctionValue,
    LayerValue,
    ModelValue,
    ModuleRef,
    Seq,
    Value,
)

if TYPE_CHECKING:
    from shape_engine.evaluation.python import PythonSemantics
    from shape_engine.ir import ModelIR

# Keras' base classes for layers (`class Scale(keras.layers.Layer)`).
LAYER_BASES = frozenset({"keras.layers.Layer", "keras.Layer", "keras.src.layers.layer.Layer",
                         "keras.engine.base_layer.Layer"})
# Methods Keras calls itself: never run as uncalled methods.
KERAS_HOOKS = frozenset({"call", "build", "compute_output_shape", "compute_output_spec",
                         "get_config", "from_config", "build_from_config",
                         "get_build_config", "train_step", "test_step", "predict_step"})
# How deep a chain of base classes is followed.
MAX_BASES = 16
# A tuple made once: isinstance takes it faster than a union made at each test.
_FUNCTION_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(eq=False)
class ClassValue(Value):
    """A class of the user's: its bases (classes of the file, or Keras'), its namespace."""

    node: ast.ClassDef
    bases: tuple[Value, ...]
    namespace: dict[str, Value]
    # How each decorated method is reached: "property", "static" or "class".
    decorated: dict[str, str] = field(default_factory=dict)
    instances: list[ObjectValue] = field(default_factory=list)
    region: int = 0  # the uncertain region it was made in (see `Evaluator._uncertainty`)

    @property
    def name(self) -> str:
        return self.node.name

    def mro(self) -> list[ClassValue]:
        """This class, then its bases depth first (enough for the single inheritance of
        models; a diamond keeps each class once)."""
        order: list[ClassValue] = []
        pending: list[ClassValue] = [self]
        while pending and len(order) < MAX_BASES:
            current = pending.pop(0)
            if current not in order:
                order.append(current)
                pending = [b for b in current.bases if isinstance(b, ClassValue)] + pending
        return order

    def lookup(self, attr: str, after: ClassValue | None = None
               ) -> tuple[Value, ClassValue] | None:
        """The value a class of the MRO binds to `attr` (past `after`), and that class."""
        order = self.mro()
        if after is not None and after in order:
            order = order[order.index(after) + 1:]
        for cls in order:
            if attr in cls.namespace:
                return cls.namespace[attr], cls
        return None

    @property
    def opaque(self) -> bool:
        """Whether objects of the class may get attributes the engine does not see: a
        decorated class (`@dataclass`), or a base that is neither the user's nor Keras'."""
        return any(cls.node.decorator_list for cls in self.mro()) or (
            self.keras_base == "other")

    @property
    def keras_base(self) -> str | None:
        """"model" for a subclass of keras.Model, "layer" for one of keras.layers.Layer or
        of any other Keras layer, "other" for another base not the user's, else None."""
        found: str | None = None
        for cls in self.mro():
            for base in cls.bases:
                if isinstance(base, ModuleRef):
                    if base.name in MODEL_NAMES:
                        return "model"
                    if base.name in SEQUENTIAL_NAMES:
                        found = found or "other"
                    elif base.name in LAYER_BASES or base.name.startswith("keras.layers."):
                        return "layer"
                    elif base.name != "object":
                        found = found or "other"
                elif not isinstance(base, ClassValue):
                    found = found or "other"
        return found


@dataclass(eq=False)
class ObjectValue(Value):
    """An instance of a user's class: the attributes written on it so far."""

    cls: ClassValue
    attrs: dict[str, Value]
    region: int  # the uncertain region it was made in (see `Evaluator._uncertainty`)
    made_by: ast.AST  # the call that made it (its class statement when no call did)
    index: LineIndex = field(repr=False)  # the module that made it
    node: ast.Call | None = None
    # Keras' side of a subclassed model or custom layer (see `keras.subclass`).
    model: ModelIR | None = None
    weights: int | None = 0  # parameters made by `add_weight`; None when one is not known
    traced: set[tuple[int | None, ...]] = field(default_factory=set)  # data shapes built on
    built: bool = False  # Keras ran its `build` (at the first call)

    @property
    def at(self) -> Range:
        """Where it was made, worked out when read (by node, once: see `LineIndex`): only
        Keras' subclasses read it."""
        return self.index.range_of(self.made_by)


@dataclass(frozen=True)
class SuperValue(Value):
    """`super()` in a method of `owner` called on `obj`."""

    obj: ObjectValue
    owner: ClassValue


@dataclass
class MethodFrame:
    """A method running: its class and its object (for `super()`)."""

    owner: ClassValue
    obj: ObjectValue


def define(ev: PythonSemantics, stmt: ast.ClassDef) -> ClassValue:
    """A `class` statement: its bases evaluated, its body run in a namespace of its own."""
    from shape_engine.evaluation.scope import Scope

    bases = tuple(ev._eval(base) for base in stmt.bases)
    outer = ev.scope
    ev.scope = Scope(outer)
    try:
        ev._exec_body(stmt.body)
        namespace = dict(ev.scope.vars)
    finally:
        ev.scope = outer
    cls = ClassValue(stmt, bases, namespace, region=ev._region)
    for item in stmt.body:
        if isinstance(item, _FUNCTION_DEFINITIONS):
            fn = namespace.get(item.name)
            if isinstance(fn, FunctionValue):
                fn.scope = outer  # a method sees the module, not the class body
            for decorator in item.decorator_list:
                kind = _decorated_as(decorator)
                if kind is not None:
                    cls.decorated[item.name] = kind
    return cls


def _decorated_as(decorator: ast.expr) -> str | None:
    """How a method decorated so is reached: "property", "static", "class", None for a
    decorator that leaves it a method (`tf.function`, `abstractmethod`), "unknown" for any
    other (a property's setter, `cached_property`, the user's own)."""
    if isinstance(decorator, ast.Call):
        decorator = decorator.func  # `@tf.function(jit_compile=True)`
    name = (decorator.id if isinstance(decorator, ast.Name) else
            decorator.attr if isinstance(decorator, ast.Attribute) else "")
    known = {"property": "property", "staticmethod": "static", "classmethod": "class"}
    if isinstance(decorator, ast.Name) and name in known:
        return known[name]
    if name in ("function", "abstractmethod", "override", "wraps"):
        return None
    return "unknown"


def instantiate(ev: PythonSemantics, cls: ClassValue, node: ast.Call | None, args: list[Value],
                kwargs: dict[str, Value], use_defaults: bool = False) -> ObjectValue:
    """`Net(...)`: a new object, its `__init__` run on it."""
    obj = ObjectValue(cls, {}, ev._region, node if node is not None else cls.node, ev.index,
                      node)
    cls.instances.append(obj)
    init = cls.lookup("__init__")
    if init is not None and isinstance(init[0], FunctionValue):
        call_method(ev, obj, init[1], init[0], args, kwargs, use_defaults)
    elif cls.opaque:
        ev._escape(args, kwargs)  # kept by a constructor not followed
    if cls.keras_base in ("model", "layer"):
        ev._keras_object_made(obj, kwargs)
    return obj


def call_method(ev: PythonSemantics, obj: ObjectValue, owner: ClassValue, fn: FunctionValue,
                args: list[Value], kwargs: dict[str, Value], use_defaults: bool = False
                ) -> Value:
    """A method of `owner` run with `self` bound to `obj`."""
    ev._called_functions.add(fn.node)
    frames = method_frames(ev)
    frames.append(MethodFrame(owner, obj))
    try:
        return ev._call_function(fn, [obj, *args], kwargs, use_defaults=use_defaults)
    finally:
        frames.pop()


def method_frames(ev: PythonSemantics) -> list[MethodFrame]:
    frames: list[MethodFrame] | None = getattr(ev, "_method_frames", None)
    if frames is None:
        frames = []
        ev._method_frames = frames  # type: ignore[attr-defined]
    return frames


def make_super(ev: PythonSemantics, args: list[Value] | None = None) -> Value:
    """`super()` inside a method, or `super(Class, obj)`: what the class inherits."""
    if args:
        if len(args) == 2 and isinstance(args[0], ClassValue) and isinstance(
                args[1], ObjectValue):
            return SuperValue(args[1], args[0])
        return UNKNOWN
    frames = method_frames(ev)
    if not frames:
        return UNKNOWN
    return SuperValue(frames[-1].obj, frames[-1].owner)


def attribute(ev: PythonSemantics, receiver: ObjectValue | ClassValue | SuperValue, attr: str
              ) -> Value:
    """`obj.attr`, `Class.attr`, `super().attr`."""
    if isinstance(receiver, ClassValue):
        found = receiver.lookup(attr)
        return found[0] if found is not None else UNKNOWN
    if isinstance(receiver, SuperValue):
        found = receiver.obj.cls.lookup(attr, after=receiver.owner)
        if found is not None and isinstance(found[0], FunctionValue):
            return BoundMethod(receiver, attr)
        if found is not None:
            return found[0]
        return BoundMethod(receiver, attr)  # Keras' own (`super().__init__`)
    if attr in receiver.attrs:
        return receiver.attrs[attr]
    found = receiver.cls.lookup(attr)
    if found is not None:
        value, owner = found
        kind = owner.decorated.get(attr)
        if kind == "unknown":
            return UNKNOWN
        if isinstance(value, FunctionValue):
            if kind == "property":
                return call_method(ev, receiver, owner, value, [], {})
            if kind == "static":
                return value
            return BoundMethod(receiver, attr)
        if receiver.cls.opaque:
            return UNKNOWN  # a default its constructor may replace (a dataclass field)
        return value
    if receiver.cls.keras_base is not None:
        return BoundMethod(receiver, attr)  # Keras' own, or an attribute not followed
    return UNKNOWN


def call_bound(ev: PythonSemantics, receiver: ObjectValue | SuperValue, name: str, node: ast.Call,
               args: list[Value], kwargs: dict[str, Value]) -> Value:
    """`obj.method(...)` / `super().method(...)`: the user's method, else Keras'."""
    obj = receiver.obj if isinstance(receiver, SuperValue) else receiver
    after = receiver.owner if isinstance(receiver, SuperValue) else None
    found = obj.cls.lookup(name, after=after)
    if found is not None and found[1].decorated.get(name) == "unknown":
        ev._escape([obj, *args], kwargs)
        return UNKNOWN
    if found is not None and isinstance(found[0], FunctionValue):
        fn, owner = found[0], found[1]
        if name == "build" and obj.cls.keras_base in ("model", "layer"):
            obj.built = True  # Keras builds it no more at its first call
            return ev._call_function(fn, args, kwargs)
        if owner.decorated.get(name) == "class":
            return ev._call_function(fn, [owner, *args], kwargs)
        return call_method(ev, obj, owner, fn, args, kwargs)
    if obj.cls.keras_base in ("model", "layer"):
        return ev._keras_object_method(obj, name, node, args, kwargs,
                                       through_super=after is not None)
    if isinstance(receiver, SuperValue) and name == "__init__":
        return Const(None)  # object's, or a base not followed: nothing of ours changes
    ev._escape(args, kwargs)
    return UNKNOWN


def call_object(ev: PythonSemantics, obj: ObjectValue, node: ast.Call, args: list[Value],
                kwargs: dict[str, Value]) -> Value:
    """`obj(...)`: its `__call__`, or a Keras layer or model called."""
    found = obj.cls.lookup("__call__")
    if found is not None and isinstance(found[0], FunctionValue):
        return call_method(ev, obj, found[1], found[0], args, kwargs)
    if obj.cls.keras_base in ("model", "layer"):
        return ev._keras_object_called(obj, node, args, kwargs)
    ev._escape(args, kwargs)
    return UNKNOWN


def set_attribute(obj: ObjectValue | ClassValue, attr: str, value: Value, may_not_run: bool
                  ) -> None:
    """`obj.attr = value`, `Class.attr = value`; on a path that may not run, either value
    (unknown unless the same)."""
    held = obj.attrs if isinstance(obj, ObjectValue) else obj.namespace
    if may_not_run and held.get(attr) is not value:
        value = UNKNOWN
    found = obj.cls.lookup(attr) if isinstance(obj, ObjectValue) else None
    if found is not None and found[1].decorated.get(attr) in ("property", "unknown"):
        value = UNKNOWN  # a property's setter decides what is kept
    held[attr] = value


def run_unused(ev: PythonSemantics, body: list[ast.stmt]) -> None:
    """The methods of the module's classes that nothing called still build models: run
    each once, on the last object made of the class (a new one, its `__init__` given its
    defaults, when none was). Not those of a class with a base not followed (a Keras
    callback's hooks): the framework calls them, with what it has."""
    for stmt in body:
        if not isinstance(stmt, ast.ClassDef):
            continue
        cls = ev.scope.vars.get(stmt.name)
        if not isinstance(cls, ClassValue) or cls.node is not stmt:
            continue
        if cls.keras_base == "other":
            continue  # a Callback's methods are the framework's to call
        keras = cls.keras_base in ("model", "layer")
        methods = [(name, value) for name, value in cls.namespace.items()
                   if isinstance(value, FunctionValue) and value.node not in ev._called_functions
                   and not (keras and name in KERAS_HOOKS)
                   and cls.decorated.get(name) not in ("static", "class")
                   and isinstance(value.node, _FUNCTION_DEFINITIONS)]
        if not methods and cls.instances:
            continue
        obj = cls.instances[-1] if cls.instances else instantiate(
            ev, cls, None, [], {}, use_defaults=True)
        for name, fn in methods:
            if name == "__init__" or fn.node in ev._called_functions:
                continue
            call_method(ev, obj, cls, fn, [], {}, use_defaults=True)


def escape_object(obj: ObjectValue) -> list[Value]:
    """An object handed to code not followed: that code may rewrite its attributes. Models
    and layers stay (the models as any model handed over); the rest becomes unknown. What
    it held is exposed."""
    held = list(obj.attrs.values())
    for name, value in obj.attrs.items():
        if not isinstance(value, ModelValue | LayerValue | ObjectValue | Seq):
            obj.attrs[name] = UNKNOWN
    return held
