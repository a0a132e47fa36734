"""A Sequential model as the graph of symbolic tensors Keras makes of it.

Keras' `Sequential.build` calls each layer on the previous layer's output, starting from an
Input, and keeps the functional graph that makes. The interpreter does the same, through the
functional API's calls (`keras/calls.py`): the Input entry's tensor is made once
(`Graph.input_tensor`), each layer entry is called on the tensor before it
(`Graph.layer_node`: its rule, its refusals in the model's words, a layer object that is
several entries sharing its weights), and a model entry is called as a model
(`Graph.model_node`: a functional model as the functional API calls it, a Sequential one run
nested); a list of tensors flowing on (return_state=True) reaches the next entry through
the same calls (`InSequence.flowing`). `lower` assembles those nodes into the model's graph:
the Input, then each row's node fed the tensor before it. The rows no call makes (an entry
that is not a layer, rows after Keras' refusal, a model refused before it is built) get a
node holding what the interpreter found. No layer is evaluated again; `model_graph` gives
either kind of model as its graph.
"""

from __future__ import annotations

from shape_engine.findings import Range
from shape_engine.interpret import LayerReport, ModelReport
from shape_engine.ir import LayerCall, ModelIR
from shape_engine.keras.calls import Graph
from shape_engine.keras.tensors import GraphModel, Node, TensorValue
from shape_engine.layers.base import is_input_kind
from shape_engine.shapes import MaybeShape, format_shape


def model_graph(report: ModelReport) -> GraphModel:
    """The graph of any model: a functional model's own, a Sequential model's lowered."""
    if report.model.graph is not None:
        return report.model.graph
    return lower(report)


def lower(report: ModelReport) -> GraphModel:
    """The graph of a Sequential model's rows (made once per report, then kept)."""
    if report.lowered is not None:
        return report.lowered
    graph = Graph()
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
        node = _recorded(graph, row, tensor) if row.node is None else _fed(graph, row, tensor)
        tensor = node.outputs[0]
    report.lowered = GraphModel(inputs, (tensor,), nodes=list(graph.nodes))
    return report.lowered


def _is_input_row(row: LayerReport) -> bool:
    layer = row.entry.layer
    return isinstance(layer, LayerCall) and is_input_kind(layer.kind)


def _model_range(report: ModelReport) -> Range:
    rows = report.layers
    return rows[0].range if rows else report.model.range


def _declared_input(graph: Graph, row: LayerReport) -> TensorValue:
    """The model's own `keras.Input(...)` entry: the node the interpreter made of it, from
    which the layers were called."""
    node = row.node
    assert node is not None
    if len(node.outputs) != 1 or node.outputs[0].shape != row.output_shape:
        _hold(node, row)
    graph.nodes.append(node)
    return node.outputs[0]


def _given_input(graph: Graph, shape: MaybeShape, at: Range, guessed: bool) -> TensorValue:
    """The input Keras gives a model without an Input entry, from `input_shape=`, `build()`
    or the first data: a node with no call of its own."""
    label = f"Input(shape={format_shape(tuple(shape[1:]))})" if shape is not None else "Input"
    node = Node(label, at, (), is_input=True)
    tensor = TensorValue(shape, node, guessed=guessed)
    node.outputs = (tensor,)
    graph.nodes.append(node)
    return tensor


def _fed(graph: Graph, row: LayerReport, tensor: TensorValue) -> Node:
    """The node the row's layer call made, fed the tensor before it in the graph."""
    node = row.node
    assert node is not None
    node.inputs = (_reaching(row, tensor),)
    _hold(node, row)
    graph.nodes.append(node)
    return node


def _reaching(row: LayerReport, tensor: TensorValue) -> TensorValue:
    """What the interpreter says reaches the row: a model Keras refuses before building it
    (a layer's constructor in `Sequential([...])`) gives its layers nothing."""
    if tensor.shape != row.input_shape:
        return TensorValue(row.input_shape, tensor.node, index=tensor.index)
    return tensor


def _recorded(graph: Graph, row: LayerReport, tensor: TensorValue) -> Node:
    """A node holding what the interpreter found for the row."""
    node = Node(row.label, row.range, (_reaching(row, tensor),), layer=_layer_of(row),
                file=_file_of(row))
    _hold(node, row)
    graph.nodes.append(node)
    return node


def _hold(node: Node, row: LayerReport) -> None:
    node.label = row.label  # a nested model's row names its entry, as the Sequential one
    if len(node.outputs) != 1 or node.outputs[0].shape != row.output_shape:
        node.outputs = (TensorValue(row.output_shape, node),)
    node.params = 0 if node.is_input else row.params
    node.refused = False


def _layer_of(row: LayerReport) -> LayerCall | ModelIR | None:
    return row.entry.layer


def _file_of(row: LayerReport) -> str | None:
    layer = row.entry.layer
    return layer.file if layer is not None else None
