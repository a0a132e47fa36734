"""A Sequential model as the graph of symbolic tensors Keras makes of it.

Keras' `Sequential.build` calls each layer on the previous layer's output, starting from an
Input, and keeps the functional graph that makes. `lower` does the same with an interpreted
Sequential model: an Input tensor of the model's input shape, then each layer (or nested
model) called on the tensor before it through the functional API's own calls
(`Graph.call_layer`, `Graph.call_model`), so a Sequential model has the nodes and tensors a
functional one has, and `model_graph` gives either kind of model as its graph.

The Sequential interpreter stays the authority on what the model builds and refuses (its
diagnostics name the layer entries, lists and nested models as Keras' Sequential does): a
row such a call does not model (a list of tensors flowing on, a refused or unknown row)
gets a node holding what the interpreter found, and `Lowered.disagreements` names any row
whose call came out otherwise (none is expected: tests/graph/test_lowering.py holds it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shape_engine.findings import Range
from shape_engine.interpret import LayerReport, ModelReport
from shape_engine.ir import LayerCall, ModelIR
from shape_engine.keras.calls import Given, Graph
from shape_engine.keras.tensors import GraphModel, Node, TensorValue
from shape_engine.layers.base import is_input_kind, rule_for
from shape_engine.shapes import MaybeShape, format_shape


@dataclass
class Lowered:
    """The graph of one Sequential model, and the rows the layer call disagreed with."""

    graph: GraphModel
    # The row's label and what the layer call gave instead of the interpreter's shape.
    disagreements: list[str] = field(default_factory=list)


def model_graph(report: ModelReport) -> GraphModel:
    """The graph of any model: a functional model's own, a Sequential model's lowered."""
    if report.model.graph is not None:
        return report.model.graph
    return lower(report).graph


def lower(report: ModelReport) -> Lowered:
    graph = Graph()
    disagreements: list[str] = []
    rows = list(report.layers)
    first = rows[0] if rows else None
    if first is not None and _is_input_row(first):
        tensor = _declared_input(graph, first)
        rows = rows[1:]
    else:
        tensor = _given_input(graph, report.input_shape, _model_range(report),
                              guessed=report.guessed_dims)
    inputs = (tensor,)
    for row in rows:
        node = _called(graph, row, tensor)
        if node is None:
            node = _recorded(graph, row, tensor)
        else:
            if not _agrees(node, row):
                got = node.outputs[0].shape if len(node.outputs) == 1 else None
                disagreements.append(
                    f"{row.label}: the layer call gives {format_shape(got)} ({node.params} "
                    f"parameters), the Sequential model {format_shape(row.output_shape)} "
                    f"({row.params})")
            _hold(node, row)
        tensor = node.outputs[0]
    return Lowered(GraphModel(inputs, (tensor,), nodes=list(graph.nodes)), disagreements)


def _is_input_row(row: LayerReport) -> bool:
    layer = row.entry.layer
    return isinstance(layer, LayerCall) and is_input_kind(layer.kind)


def _model_range(report: ModelReport) -> Range:
    rows = report.layers
    return rows[0].range if rows else report.model.range


def _declared_input(graph: Graph, row: LayerReport) -> TensorValue:
    """The model's own `keras.Input(...)` entry, made as the functional API makes it."""
    assert isinstance(row.entry.layer, LayerCall)
    made = graph.make_input(row.entry.layer)
    made.node.range = row.range  # the entry, as every other row's node
    if made.shape != row.output_shape:
        _hold(made.node, row)
    return made.node.outputs[0]


def _given_input(graph: Graph, shape: MaybeShape, at: Range, guessed: bool) -> TensorValue:
    """The input Keras gives a model without an Input entry, from `input_shape=`, `build()`
    or the first data: a node with no call of its own."""
    label = f"Input(shape={format_shape(tuple(shape[1:]))})" if shape is not None else "Input"
    node = Node(label, at, (), is_input=True)
    tensor = TensorValue(shape, node, guessed=guessed)
    node.outputs = (tensor,)
    graph.nodes.append(node)
    return tensor


def _called(graph: Graph, row: LayerReport, tensor: TensorValue) -> Node | None:
    """The row's layer (or nested model) called on `tensor` as the functional API calls it;
    None where the Sequential model does what such a call does not model: an Input, a list
    of tensors flowing on, a row Keras refused or left unknown."""
    layer = row.entry.layer
    if layer is None or (isinstance(layer, LayerCall) and (
            is_input_kind(layer.kind) or rule_for(layer.kind) is None)):
        return None
    if tensor.shape is None or row.input_shape is None or row.output_shape is None:
        return None
    if tuple(tensor.shape) != tuple(row.input_shape):
        return None
    if isinstance(layer, ModelIR):
        graph.call_model(layer, Given((tensor,)), row.range)
    else:
        graph.call_layer(layer, Given((tensor,)), row.range)
    return graph.nodes[-1]


def _recorded(graph: Graph, row: LayerReport, tensor: TensorValue) -> Node:
    """A node holding what the interpreter found for the row."""
    if tensor.shape != row.input_shape:
        # What the interpreter says reaches the row: a model Keras refuses before building
        # it (a layer's constructor in `Sequential([...])`) gives its layers nothing.
        tensor = TensorValue(row.input_shape, tensor.node, index=tensor.index)
    node = Node(row.label, row.range, (tensor,), layer=_layer_of(row), file=_file_of(row))
    _hold(node, row)
    graph.nodes.append(node)
    return node


def _hold(node: Node, row: LayerReport) -> None:
    node.label = row.label  # a nested model's row names its entry, as the Sequential one
    node.outputs = (TensorValue(row.output_shape, node),)
    node.params = 0 if node.is_input else row.params
    node.refused = False


def _agrees(node: Node, row: LayerReport) -> bool:
    """Whether the call gave what the interpreter found, or less: a call that knows less
    (a nested model built on another batch size) takes the interpreter's shapes."""
    if node.refused or len(node.outputs) != 1:
        return False
    shape = node.outputs[0].shape
    if shape is not None and tuple(shape) != tuple(row.output_shape or ()):
        return False
    return node.params is None or node.params == row.params


def _layer_of(row: LayerReport) -> LayerCall | ModelIR | None:
    return row.entry.layer


def _file_of(row: LayerReport) -> str | None:
    layer = row.entry.layer
    return layer.file if layer is not None else None
