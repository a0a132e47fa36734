"""A functional model as the presenters see every model: one row per layer call."""

from __future__ import annotations

from shape_engine.interpret import LayerReport, ModelReport
from shape_engine.ir import LayerCall, LayerEntry, ModelIR
from shape_engine.keras.tensors import Node


def graph_report(model: ModelIR) -> ModelReport:
    """Rows in program order, each naming the rows it consumed (`inputs`); a shared layer
    has a row per call, its parameters counted once in the total."""
    graph = model.graph
    assert graph is not None
    # node -> the rows its outputs come from (nodes are hashed by identity)
    rows: dict[Node, tuple[int, ...]] = {}
    layers: list[LayerReport] = []
    for node in graph.nodes:
        tensors = node.inputs
        if len(tensors) == 1:  # most calls: that tensor's rows, each once already
            inputs = rows.get(tensors[0].node, ())
        else:
            consumed: list[int] = []
            for tensor in tensors:
                consumed += rows.get(tensor.node, ())
            inputs = tuple(dict.fromkeys(consumed))
        if node.is_op:
            rows[node] = inputs  # an op is no row: what it takes is passed on
            continue
        rows[node] = (len(layers),)
        outputs = node.outputs
        params: int | None = 0
        if node.is_input:
            entry = LayerEntry(node.input_call, node.range)
        else:
            entry, params = LayerEntry(node.layer, node.range), node.params
        layers.append(LayerReport(entry, node.label, tensors[0].shape if tensors else None,
                                  outputs[0].shape if len(outputs) == 1 else None, params,
                                  inputs))
    first_input = graph.inputs[0].shape if graph.inputs else None
    output_rows = tuple(None if t.node.is_op else rows.get(t.node, (None,))[0]
                        for t in graph.outputs)
    return ModelReport(model, "declared", first_input, layers,
                       graph_outputs=tuple(t.shape for t in graph.outputs),
                       graph_output_rows=output_rows)


def chain_model(model: ModelIR) -> ModelIR | None:
    """A functional model that is a plain chain (one Input, each layer called once on the
    one before, one output) is a Sequential model by another name: the same model as one,
    for the checks of data, labels and losses. None for any other graph."""
    graph = model.graph
    assert graph is not None
    if len(graph.inputs) != 1 or len(graph.outputs) != 1:
        return None
    path: list[Node] = []
    tensor = graph.outputs[0]
    while True:
        node = tensor.node
        if node.refused or node.is_op or len(node.outputs) != 1:
            return None
        path.append(node)
        if node.is_input:
            break
        if len(node.inputs) != 1 or not isinstance(node.layer, LayerCall):
            return None
        tensor = node.inputs[0]
    path.reverse()
    if path[0] is not graph.inputs[0].node or len(path) != len(graph.nodes):
        return None
    calls = [node.layer for node in path[1:]]
    if path[0].input_call is None or len({id(c) for c in calls}) != len(calls):
        return None  # a layer called twice: not a stack
    entries = [LayerEntry(path[0].input_call, path[0].range),
               *(LayerEntry(node.layer, node.range) for node in path[1:])]
    return ModelIR(name=model.name, range=model.range, callee_range=model.callee_range,
                   variable=model.variable, entries=entries, compiles=model.compiles,
                   trainings=model.trainings, file=model.file)
