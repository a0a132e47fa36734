"""A functional model's inputs and outputs as Keras matches data to them, and the parts of a
structured argument (a list, tuple or dict of arrays, losses or metrics) as written.

Measured on Keras 3.15: a list or tuple is matched by position with the model's inputs (or
outputs) as `keras.Model` was given them; a dict by name. The names are the keys of the dict
given to `keras.Model` when it was given a dict, else the `name=` of each Input (for x) and
of each output layer (for y, loss, metrics). A list given to a model made from a dict is
matched in another order (the dict's keys sorted): not followed here.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from shape_engine.context import Document
from shape_engine.findings import Range
from shape_engine.fixes import node_at, sequence_at
from shape_engine.ir import LayerCall, ModelIR
from shape_engine.keras.tensors import TensorValue
from shape_engine.values import ArrayValue, Const, DictValue, ModuleRef, Seq, Value


@dataclass(frozen=True)
class Port:
    """One input or output of a model: its place and the name data is keyed by."""

    role: str  # "input" or "output"
    index: int  # 0-based
    key: str | None  # None: Keras' name for it is not known (an automatic one)
    tensor: TensorValue
    alone: bool = False  # the model's only input (or output): its data is just x (or y)

    @property
    def data(self) -> str:
        """For messages: `x`, `y`, `the data of input 2 ("meta")`."""
        if self.alone:
            return "x" if self.role == "input" else "y"
        return f"the data of {self.label}"

    @property
    def declared(self) -> str:
        """For messages: `the model's input`, `input 2 ("meta")`."""
        return f"the model's {self.role}" if self.alone else self.label

    @property
    def label(self) -> str:
        """For messages: `input "image"`, `output 2 ("kind")`, `output 2`."""
        if self.key is None:
            return f"{self.role} {self.index + 1}"
        return f'{self.role} {self.index + 1} ("{self.key}")'


@dataclass(frozen=True)
class Ports:
    """The inputs or the outputs of a model."""

    ports: tuple[Port, ...]
    keyed_by_dict: bool  # `keras.Model` was given a dict: lists are matched in another order

    def __len__(self) -> int:
        return len(self.ports)

    @property
    def keys(self) -> tuple[str, ...] | None:
        """Every port's name, or None when one is not known."""
        keys = tuple(p.key for p in self.ports)
        return None if None in keys else tuple(k for k in keys if k is not None)

    def by_key(self, key: str) -> Port | None:
        return next((p for p in self.ports if p.key == key), None)


def model_inputs(model: ModelIR) -> Ports:
    graph = model.graph
    assert graph is not None
    keys: tuple[str | None, ...] = graph.input_keys or tuple(t.name for t in graph.inputs)
    alone = len(graph.inputs) == 1
    return Ports(tuple(Port("input", i, k, t, alone) for i, (k, t) in
                       enumerate(zip(keys, graph.inputs, strict=True))),
                 graph.input_keys is not None)


def model_outputs(model: ModelIR) -> Ports:
    graph = model.graph
    assert graph is not None
    keys: tuple[str | None, ...] = graph.output_keys or tuple(
        _layer_name(t) for t in graph.outputs)
    alone = len(graph.outputs) == 1
    return Ports(tuple(Port("output", i, k, t, alone) for i, (k, t) in
                       enumerate(zip(keys, graph.outputs, strict=True))),
                 graph.output_keys is not None)


def _layer_name(tensor: TensorValue) -> str | None:
    """The `name=` of the layer that gives an output, when it gives only this tensor."""
    node = tensor.node
    if not isinstance(node.layer, LayerCall) or len(node.outputs) != 1:
        return None
    name = node.layer.kwargs.get("name")
    return name.value if isinstance(name, Const) and isinstance(name.value, str) else None


@dataclass(frozen=True)
class Part:
    """One element of an argument: its value and where it is written (the whole argument
    when the elements are not written one by one)."""

    value: Value
    where: Range


Structure = list[Part] | dict[str, Part] | Part


def parts(value: Value | None, where: Range | None, document: Document) -> Structure | None:
    """A list or tuple as its parts, a dict written in the call as its parts by key, any
    other known value as one part; None when not known. A dict reached through a name is
    not known: what the program did to it since it was made is not followed."""
    if value is None or where is None:
        return None
    if isinstance(value, ArrayValue):  # the common case, first
        return Part(value, where)
    if isinstance(value, Seq):
        written = sequence_at(document, where)
        ranges = [where] * len(value.items)
        if written is not None and len(written.elts) == len(value.items) and (
                not any(isinstance(e, ast.Starred) for e in written.elts)):
            ranges = [document.index.range_of(e) for e in written.elts]
        return [Part(v, r) for v, r in zip(value.items, ranges, strict=True)]
    if isinstance(value, DictValue):
        node = node_at(document, where)
        if not isinstance(node, ast.Dict) or len(node.keys) != len(set(value.keys)) or len(
                node.keys) != len(value.keys):
            return None
        return {key: Part(item, document.index.range_of(written))
                for key, item, written in zip(value.keys, value.items, node.values,
                                              strict=True)}
    if isinstance(value, Const | TensorValue | ModuleRef):
        return Part(value, where)
    return None


def quoted(keys: list[str] | tuple[str, ...]) -> str:
    return ", ".join(f'"{k}"' for k in keys)
