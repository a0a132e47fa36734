"""Symbolic tensors and the nodes of the graph they form, as Keras' KerasTensor and Node.

A `TensorValue` is what `keras.Input(...)` or a layer called on tensors gives: its shape
(batch first, None for a dim Keras does not know; a wholly unknown shape is None), its dtype
where known, and the `Node` that made it. Nodes are made when the program calls a layer, as
Keras builds a layer at its first call: the graph is the program's, whoever ends up in a
`keras.Model`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from shape_engine.findings import Range
from shape_engine.shapes import MaybeShape
from shape_engine.values import Value

if TYPE_CHECKING:
    from shape_engine.ir import LayerCall, ModelIR


@dataclass(eq=False, slots=True)
class Node:
    """One call that made tensors: `keras.Input(...)`, `layer(x)`, `model(x)` or an op.

    `layer` is the layer object called (shared by every call of it), the model called, or
    None for an Input and for ops (`label` then says which).
    """

    label: str  # for messages and summaries: "Dense(64)", "Input(shape=(28, 28, 1))"
    range: Range  # the call
    inputs: tuple[TensorValue, ...]
    layer: LayerCall | ModelIR | None = None
    is_input: bool = False
    input_call: LayerCall | None = None  # the `keras.Input(...)` call of an Input node
    file: str | None = None
    # What the call made, once known (set by whoever makes the node).
    outputs: tuple[TensorValue, ...] = ()
    # The parameters of the layer object (counted once per layer, whatever its calls).
    params: int | None = 0
    # Keras refused this call: nothing comes out of it.
    refused: bool = False
    # An op (`x + y`, `keras.ops.concatenate`): shown through, not as a row of its own.
    is_op: bool = False
    # The object whose call this is when `layer` is no LayerCall (a custom layer's
    # instance, see `keras.subclass`): its parameters count once, as a layer's.
    owner: object = None
    # Made inside such an object's traced `call`: the node of that call (a model built
    # around the call sees that node, not the calls inside).
    within: Node | None = None

    @property
    def line(self) -> int:
        """1-based, for messages."""
        return self.range.start.line + 1


@dataclass(eq=False, slots=True)
class TensorValue(Value):
    """A symbolic tensor: `keras.Input(...)`, or what a layer or op called on tensors gives."""

    shape: MaybeShape
    node: Node
    dtype: str | None = None
    index: int = 0  # which of the node's outputs
    name: str | None = None  # the Input's `name=`
    # Some None dims of `shape` are only unknown to the engine (an Input dim or a layer
    # width it cannot evaluate), not undefined to Keras: only what holds whatever they are
    # is reported downstream (see `partial_shapes`).
    guessed: bool = False


@dataclass(eq=False)
class GraphModel:
    """What `keras.Model(inputs, outputs)` was given, and the nodes between them."""

    inputs: tuple[TensorValue, ...]
    outputs: tuple[TensorValue, ...]
    # The names the data may be keyed by (dict inputs/outputs), in order; None when not dicts.
    input_keys: tuple[str, ...] | None = None
    output_keys: tuple[str, ...] | None = None
    nodes: list[Node] = field(default_factory=list)  # those between, in program order
    # Whether the outputs were given as one tensor (not a list or dict).
    single_output: bool = True

    @property
    def params(self) -> int | None:
        """Each layer object once, as Keras' count_params; None when one is not known."""
        seen: set[int] = set()
        total = 0
        for node in self.nodes:
            holder = node.layer if node.layer is not None else node.owner
            if node.is_input or node.is_op or holder is None or id(holder) in seen:
                continue
            seen.add(id(holder))
            if node.params is None:
                return None
            total += node.params
        return total

