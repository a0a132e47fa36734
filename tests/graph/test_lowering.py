"""Sequential models as the graph of symbolic tensors Keras builds of them.

The interpreter calls each layer of a Sequential model on the tensor before it through the
functional API's layer call, once; the graph is assembled from the nodes those calls made,
and the functional presenters' rows of that graph must be the Sequential model's rows.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import replace

import pytest

from shape_engine import analyze_source
from shape_engine.facts import LayerFact, extract
from shape_engine.interpret import LayerReport, ModelReport
from shape_engine.ir import LayerCall, ModelIR
from shape_engine.keras.lowering import lower, model_graph
from shape_engine.keras.report import graph_report
from shape_engine.layers import RULES, LayerArgs, LayerOutput
from shape_engine.layers.base import LayerRule
from shape_engine.shapes import Shape
from tests.generator.spec import render
from tests.generator.strategies import model_at

SEED = int(os.environ.get("SHAPELENS_GENERATOR_SEED", "20240601"))
COUNT = int(os.environ.get("SHAPELENS_LOWERING_COUNT", "1000"))

Row = tuple[str, object, object, int | None]


def _rows(layers: list[LayerReport]) -> list[Row]:
    return [(r.label, r.input_shape, r.output_shape, r.params) for r in layers]


def _sequential_reports(text: str) -> list[ModelReport]:
    return [report for report in analyze_source(text).models if report.model.graph is None]


def _as_functional(report: ModelReport) -> list[LayerReport]:
    """The rows the functional presenters make of the lowered graph, without the Input row
    a model declaring no Input of its own gets from the lowering."""
    graph = lower(report)
    rows = graph_report(replace(report.model, graph=graph)).layers
    return rows if len(rows) == len(report.layers) else rows[1:]


def test_the_graph_of_the_layer_calls_gives_the_sequential_rows() -> None:
    called = 0
    for index in range(COUNT):
        for report in _sequential_reports(render(model_at(SEED, index))):
            graph = lower(report)
            called += sum(1 for row in report.layers if row.node is not None)
            assert all(row.node in graph.nodes for row in report.layers if row.node), (
                SEED, index)
            assert _rows(_as_functional(report)) == _rows(report.layers), (SEED, index)
    assert called > COUNT  # the corpus does reach the layer calls


def test_each_layer_is_evaluated_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Interpreting, lowering and hover facts together run each layer's rule once."""
    counts: Counter[str] = Counter()
    for kind in ("Conv2D", "Flatten", "Dense"):
        rule = RULES[kind]

        def counted(args: LayerArgs, shape: Shape, rule: LayerRule = rule) -> LayerOutput:
            counts[rule.kind] += 1
            return rule.compute(args, shape)

        monkeypatch.setitem(RULES, kind, rule._replace(compute=counted))
    analysis = analyze_source(PROGRAM)
    [report] = analysis.models
    assert model_graph(report) is lower(report)  # lowered once, then kept
    extract(analysis, [], [])
    assert counts == {"Conv2D": 1, "Flatten": 1, "Dense": 1}
    assert all(row.node is not None for row in report.layers[1:])


def _row_fact(row: LayerReport) -> LayerFact:
    """What hover and inlay hints showed of a Sequential row before they read the graph."""
    inner = row.entry.layer
    call = inner.range if isinstance(inner, LayerCall | ModelIR) else row.entry.range
    return LayerFact(row.label, call, row.entry.range, row.input_shape, row.output_shape,
                     row.params, listed=True)


def test_hover_and_inlay_facts_read_the_lowered_graph_as_the_rows() -> None:
    compared = 0
    for index in range(COUNT // 4):
        analysis = analyze_source(render(model_at(SEED, index)))
        if analysis.graph_nodes or any(r.model.graph is not None for r in analysis.models):
            continue
        expected = [_row_fact(row) for report in analysis.models for row in report.layers]
        assert extract(analysis, [], []).layers == expected, (SEED, index)
        compared += len(expected)
    assert compared > COUNT // 4


PROGRAM = """\
import keras
from keras import layers

model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Conv2D(8, 3, activation="relu"),
    layers.Flatten(),
    layers.Dense(10),
])
"""


def test_a_sequential_model_is_a_chain_of_layer_calls_from_its_input() -> None:
    [report] = _sequential_reports(PROGRAM)
    graph = model_graph(report)
    assert [node.label for node in graph.nodes] == [
        "Input(shape=(28, 28, 1))", 'Conv2D(8, 3, activation="relu")', "Flatten()",
        "Dense(10)"]
    for before, node in zip(graph.nodes, graph.nodes[1:], strict=False):
        assert node.inputs == before.outputs  # each layer is called on the one before
    assert graph.inputs[0].shape == (None, 28, 28, 1)
    assert graph.outputs[0].shape == (None, 10)
    assert graph.params == report.total_params == 80 + 5408 * 10 + 10


def test_a_model_without_an_input_entry_gets_its_input_from_input_shape() -> None:
    [report] = _sequential_reports(
        "import keras\n"
        "model = keras.Sequential([keras.layers.Dense(4, input_shape=(3,))])\n")
    graph = model_graph(report)
    assert graph.nodes[0].is_input and graph.inputs[0].shape == (None, 3)
    assert graph.outputs[0].shape == (None, 4) and graph.params == 16


def test_a_refused_layer_keeps_the_interpreters_finding_and_ends_the_chain() -> None:
    [report] = _sequential_reports(
        "import keras\n"
        "model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Conv1D(4, 3)])\n")
    assert report.refused and [f.code for f in report.findings] == ["SL101"]
    graph = model_graph(report)
    assert graph.outputs[0].shape is None
    assert report.layers[-1].node is not None and report.layers[-1].node in graph.nodes
