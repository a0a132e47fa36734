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
    rows: dict[int, tuple[int, ...]] = {}  # node id -> the rows its outputs come from
    layers: list[LayerReport] = []
    for node in graph.nodes:
        inputs = tuple(dict.fromkeys(row for t in node.inputs for row in rows.get(id(t.node), ())))
        if node.is_op:
            rows[id(node)] = inputs  # an op is no row: what it takes is passed on
            continue
        rows[id(node)] = (len(layers),)
        first = node.inputs[0].shape if node.inputs else None
        output = node.outputs[0].shape if len(node.outputs) == 1 else None
        layers.append(LayerReport(LayerEntry(_entry_layer(node), node.range), node.label,
                                  first, output, 0 if node.is_input else node.params, inputs))
    first_input = graph.inputs[0].shape if graph.inputs else None
    return ModelReport(model, "declared", first_input, layers,
                       graph_outputs=tuple(t.shape for t in graph.outputs))


def _entry_layer(node: Node) -> LayerCall | ModelIR | None:
    return node.input_call if node.is_input else node.layer
