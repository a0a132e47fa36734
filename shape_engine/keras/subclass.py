"""Subclassed models and custom layers: `class Net(keras.Model)`, `class Scale(Layer)`.

Keras builds such an object when it first meets a shape: called on a tensor, or given data
by fit/evaluate/predict. The engine does the same: it traces the class's `call` on a
symbolic tensor of that shape, with `self` bound to the object, so every layer called inside
is checked as in a functional graph and Keras' refusal lands on the line of `call` that
raises. A custom layer's output is its `compute_output_shape` when it defines one, else what
its traced `call` gives; the weights its `build` makes with `add_weight(shape=...)` are its
parameters. What the trace cannot follow is unknown, silent downstream.

`model.build(shape)` on a subclass without a `build` of its own only marks it built in Keras
3.15 (its `call` is not run), so it traces nothing here either.
"""

from __future__ import annotations

import ast
import dataclasses
import math
import re
from typing import TYPE_CHECKING

from shape_engine.evaluation.classes import ClassValue, ObjectValue, call_method
from shape_engine.findings import Range, Related
from shape_engine.ir import LayerCall, ModelIR
from shape_engine.keras.tensors import GraphModel, Node, TensorValue
from shape_engine.shapes import MaybeShape, format_shape
from shape_engine.values import UNKNOWN, ArrayValue, Const, FunctionValue, Seq, Value, to_python

if TYPE_CHECKING:
    from shape_engine.evaluation.keras_objects import KerasObjects

# Model methods that give the model data: the first of them with data of a known shape
# builds it.
DATA_METHODS = frozenset({"fit", "evaluate", "predict", "train_on_batch", "test_on_batch",
                          "predict_on_batch"})
# Model methods recorded on the model's IR as for any model (compile, training calls).
RECORDED_METHODS = frozenset({"compile"}) | DATA_METHODS
# A class that defines these decides itself how fit/evaluate/predict call the model.
OWN_STEPS = ("train_step", "test_step", "predict_step")


def made(ev: KerasObjects, obj: ObjectValue, kwargs: dict[str, Value]) -> None:
    """A subclassed model was made: its IR, shown once its `call` is traced."""
    if obj.cls.keras_base != "model" or obj.model is not None:
        return
    callee = obj.node.func if obj.node is not None else None
    obj.model = ModelIR(name=_name(kwargs) or _snake_case(obj.cls.name), range=obj.at,
                        callee_range=ev._range(callee) if callee is not None else obj.at,
                        file=ev.file, region=obj.region, subclassed=True)


def keras_method(ev: KerasObjects, obj: ObjectValue, name: str, node: ast.Call,
                 args: list[Value], kwargs: dict[str, Value], through_super: bool) -> Value:
    """A method the class inherits from Keras."""
    if name == "__init__":
        if obj.model is not None and _name(kwargs) and not obj.model.name:
            obj.model.name = _name(kwargs) or ""
        return Const(None)
    if name == "add_weight":
        _add_weight(obj, args, kwargs)
        return UNKNOWN
    if name == "build":
        return Const(None)  # Keras' own: marks the object built, runs nothing of the user's
    if obj.model is not None and name in RECORDED_METHODS:
        if name in DATA_METHODS and not any(_method(obj, step) for step in OWN_STEPS):
            data = args[0] if args else kwargs.get("x")
            if isinstance(data, ArrayValue) and data.shape:
                trace_on_shape(ev, obj, (None, *data.shape[1:]), node)
        if obj.model.graph is not None or name == "compile":
            return ev._model_method(obj.model, name, node, args, kwargs)
    return UNKNOWN


def called(ev: KerasObjects, obj: ObjectValue, node: ast.Call, args: list[Value],
           kwargs: dict[str, Value]) -> Value:
    """`net(x)`: on symbolic tensors, the trace is part of the graph; on data of a known
    shape, Keras builds the object on it."""
    given = ev._given(node, args, kwargs, ())
    if given is not None and not ev.program.graph.full:
        return _trace_call(ev, obj, args, kwargs, given.tensors(), ev._range(node))
    first = args[0] if args else None
    if isinstance(first, ArrayValue) and first.shape:
        trace_on_shape(ev, obj, first.shape, node)
    return UNKNOWN


def trace_on_shape(ev: KerasObjects, obj: ObjectValue, shape: MaybeShape, call: ast.Call) -> None:
    """Build the object on data of `shape` (fit, predict, a call on an array): its `call`
    traced on a symbolic input, once per shape."""
    if shape is None or shape in obj.traced or ev.program.graph.full:
        return
    obj.traced.add(shape)
    at = ev._range(call)
    # The input Keras makes for the data, as `keras.Input(batch_shape=...)` would: a model
    # whose call is a plain chain is then checked against its data and labels like one.
    label = f"Input(shape={format_shape(tuple(shape[1:]))})"
    made = LayerCall(kind="Input", written_name="Input", label=label, range=at, args=(),
                     kwargs={"batch_shape": Seq(tuple(Const(d) for d in shape))}, node=call,
                     source=ev.index, file=ev.file)
    node = Node(label, at, (), is_input=True, input_call=made, file=ev.file)
    tensor = TensorValue(tuple(shape), node)
    node.outputs = (tensor,)
    _trace_call(ev, obj, [tensor], {}, (tensor,), at, wrap=False)


def _trace_call(ev: KerasObjects, obj: ObjectValue, args: list[Value], kwargs: dict[str, Value],
                tensors: tuple[TensorValue, ...], at: Range, wrap: bool = True) -> Value:
    """Run the class's `call` on `args`; the findings made inside say what reached it."""
    graph = ev.program.graph
    first_node = len(graph.nodes)
    first_finding = len(graph.findings)
    shape = tensors[0].shape if len(tensors) == 1 else None
    input_shape: Value = _shape_value(shape) if len(tensors) == 1 else UNKNOWN
    _run_build(ev, obj, input_shape)
    output: Value = UNKNOWN
    computed = _method(obj, "compute_output_shape")
    if obj.cls.keras_base == "layer" and computed is not None:
        output = _declared_output(ev, obj, computed, input_shape)
    else:
        call = _method(obj, "call")
        if call is not None:
            fn, owner = call
            output = call_method(ev, obj, owner, fn, args, _accepted(fn, kwargs))
    _explain(ev, obj, first_finding, shape)
    inner = [n for n in graph.nodes[first_node:] if n.within is None]
    outputs = _output_tensors(output)
    if obj.model is not None and obj.model.graph is None:
        input_nodes = [] if wrap else [t.node for t in tensors]
        obj.model.graph = GraphModel(tensors, outputs or (), nodes=[*input_nodes, *inner],
                                     single_output=isinstance(output, TensorValue))
        ev.program.models.append(obj.model)
    if not wrap:
        return UNKNOWN
    return _wrapped(ev, obj, tensors, output, outputs, inner, at)


def _wrapped(ev: KerasObjects, obj: ObjectValue, tensors: tuple[TensorValue, ...], output: Value,
             outputs: tuple[TensorValue, ...] | None, inner: list[Node], at: Range) -> Value:
    """The object's call as one node of the program's graph: a model built over the call
    sees one layer, with the parameters of every layer called inside."""
    params = GraphModel((), (), nodes=list(inner)).params
    own = obj.weights
    node = Node(obj.cls.name, at, tensors, layer=obj.model, file=ev.file,
                params=None if params is None or own is None else params + own, owner=obj)
    ev.program.graph.nodes.append(node)
    for made_inside in inner:
        made_inside.within = node
    if outputs is None or not isinstance(output, TensorValue | Seq):
        node.outputs = (TensorValue(None, node),)
        return node.outputs[0]
    node.outputs = tuple(TensorValue(t.shape, node, index=i) for i, t in enumerate(outputs))
    if isinstance(output, TensorValue):
        return node.outputs[0]
    return ev._new_list(node.outputs)


def _run_build(ev: KerasObjects, obj: ObjectValue, input_shape: Value) -> None:
    """Keras calls the user's `build(input_shape)` once, before the first call."""
    if obj.built:
        return
    obj.built = True
    found = _method(obj, "build")
    if found is not None:
        call_method(ev, obj, found[1], found[0], [input_shape], {})


def _declared_output(ev: KerasObjects, obj: ObjectValue, found: tuple[FunctionValue, ClassValue],
                     input_shape: Value) -> Value:
    """A custom layer's `compute_output_shape(input_shape)`, as a tensor of that shape."""
    fn, owner = found
    result = call_method(ev, obj, owner, fn, [input_shape], {})
    try:
        value = to_python(result)
    except Exception:
        return UNKNOWN
    if isinstance(value, tuple | list) and all(
            d is None or (isinstance(d, int) and not isinstance(d, bool) and d >= 0)
            for d in value):
        node = Node(obj.cls.name, obj.at, (), file=ev.file, is_op=True)
        tensor = TensorValue(tuple(value), node)
        node.outputs = (tensor,)
        return tensor
    return UNKNOWN


def _explain(ev: KerasObjects, obj: ObjectValue, first: int, shape: MaybeShape) -> None:
    """The refusals made inside the trace name the object and the input that reached it."""
    graph = ev.program.graph
    where = f"{obj.cls.name}() at line {obj.at.start.line + 1}"
    fed = f"fed {format_shape(shape)}" if shape is not None else "fed its input"
    replaced: dict[int, object] = {}
    for i in range(first, len(graph.findings)):
        old = graph.findings[i]
        new = dataclasses.replace(
            old, message=f"{old.message} (in {obj.cls.name}.call: {where} {fed})",
            related=(*old.related, Related(obj.at, f"{obj.cls.name}() is {fed} here",
                                           ev.file)))
        graph.findings[i] = new
        replaced[id(old)] = new
    if replaced:
        graph.refused_inputs = [(replaced.get(id(f), f), n, g)  # type: ignore[misc]
                                for f, n, g in graph.refused_inputs]


def _add_weight(obj: ObjectValue, args: list[Value], kwargs: dict[str, Value]) -> None:
    shape = kwargs.get("shape", args[0] if args else None)
    if obj.weights is None:
        return
    if shape is None:
        obj.weights = None  # Keras' default shape is (), one value; not counted here
        return
    try:
        dims = to_python(shape)
    except Exception:
        obj.weights = None
        return
    if isinstance(dims, int) and not isinstance(dims, bool):
        dims = (dims,)
    if isinstance(dims, tuple | list) and all(isinstance(d, int) and not isinstance(d, bool)
                                              for d in dims):
        obj.weights += math.prod(dims)
    else:
        obj.weights = None


def _method(obj: ObjectValue, name: str) -> tuple[FunctionValue, ClassValue] | None:
    found = obj.cls.lookup(name)
    if found is not None and found[1].decorated.get(name) == "unknown":
        return None
    if found is not None and isinstance(found[0], FunctionValue):
        return found[0], found[1]
    return None


def _accepted(fn: FunctionValue, kwargs: dict[str, Value]) -> dict[str, Value]:
    """Keras hands `call` only the keyword arguments its signature takes."""
    params = fn.node.args
    if params.kwarg is not None:
        return kwargs
    names = {a.arg for a in [*params.args, *params.kwonlyargs]}
    return {k: v for k, v in kwargs.items() if k in names}


def _output_tensors(output: Value) -> tuple[TensorValue, ...] | None:
    if isinstance(output, TensorValue):
        return (output,)
    if isinstance(output, Seq) and output.items and all(
            isinstance(i, TensorValue) for i in output.items):
        return tuple(i for i in output.items if isinstance(i, TensorValue))
    return None


def _shape_value(shape: MaybeShape) -> Value:
    if shape is None:
        return UNKNOWN
    return Seq(tuple(Const(d) for d in shape))


def _name(kwargs: dict[str, Value]) -> str | None:
    name = kwargs.get("name")
    return name.value if isinstance(name, Const) and isinstance(name.value, str) else None


def _snake_case(name: str) -> str:
    """Keras' default name for an object of class `name` ("MyNet" -> "my_net")."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
