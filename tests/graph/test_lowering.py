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
from tests.compare import assert_agrees
from tests.generator.spec import render
from tests.generator.strategies import model_at
from tests.oracle import Oracle

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


# A layer object that is several entries of one Sequential model is one layer, as a layer
# called twice in a functional model: its weights count once (Keras' count_params), each of
# its rows shows them all (Keras' summary), and a second call that does not fit the weights
# the first built is refused there.
SHARED = {
    "twice": ("d = layers.Dense(4)\n"
              "model = keras.Sequential([keras.Input((4,)), d, layers.Dense(4), d])\n", False),
    "list_repeated": ("model = keras.Sequential([keras.Input((4,))] + [layers.Dense(4)] * 3)\n",
                      False),
    "added_twice": ("d = layers.Dense(4)\n"
                    "model = keras.Sequential([keras.Input((4,))])\n"
                    "model.add(d)\n"
                    "model.add(d)\n", False),
    "conv_twice": ("c = layers.Conv2D(3, 1)\n"
                   "model = keras.Sequential([keras.Input((8, 8, 3)), c, layers.ReLU(), c])\n",
                   False),
    "weights_do_not_fit": ("d = layers.Dense(4)\n"
                           "model = keras.Sequential([keras.Input((3,)), d, d])\n", True),
    "built_later": ("d = layers.Dense(4)\n"
                    "model = keras.Sequential([d, d])\n"
                    "model.build((None, 3))\n", True),
    "built_later_fits": ("d = layers.Dense(4)\n"
                         "model = keras.Sequential([d, d])\n"
                         "model.build((None, 4))\n", False),
    "from_input_shape": ("d = layers.Dense(5)\n"
                         "model = keras.Sequential([layers.Dense(5, input_shape=(2,)), d, d])\n",
                         False),
}


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted(SHARED))
def test_a_layer_object_used_twice_in_a_sequential_model_is_one_layer(
        name: str, oracle: Oracle) -> None:
    body, raises = SHARED[name]
    assert_agrees("import keras\nfrom keras import layers\n" + body, oracle,
                                expect_raises=raises,
                                expect_error="SL109" if raises else None)
    if not raises:
        [report] = _sequential_reports("import keras\nfrom keras import layers\n" + body)
        assert model_graph(report).params == report.total_params


def test_a_shared_entry_counts_its_weights_once() -> None:
    [report] = _sequential_reports(
        "import keras\nfrom keras import layers\nd = layers.Dense(4)\n"
        "model = keras.Sequential([keras.Input((4,)), d, layers.Dense(4), d])\n")
    assert [row.params for row in report.layers] == [0, 20, 20, 20]
    assert report.total_params == model_graph(report).params == 40
    assert not report.findings


def test_a_layer_made_again_for_each_entry_is_not_shared() -> None:
    [report] = _sequential_reports(
        "import keras\nfrom keras import layers\n"
        "model = keras.Sequential([keras.Input((4,))])\n"
        "for _ in range(3):\n"
        "    model.add(layers.Dense(4))\n")
    assert report.total_params == 60


# A functional model as an entry of a Sequential model is called as the functional API calls
# it: Keras' input check of a functional model (leading axes, a trailing 1 dropped, the rank
# free) and its graph run again on what it receives.
FUNCTIONAL_ENTRY = """\
import keras
from keras import layers
inner = keras.Input({inner})
block = keras.Model(inner, layers.Dense(2)(inner))
model = keras.Sequential([keras.Input({outer}), block, layers.Flatten()])
"""
FUNCTIONAL_CASES = {
    "same": ("(8, 3)", "(8, 3)", (None, 16)),
    "lower_rank_fits": ("(8,)", "(8, 3)", (None, 2)),
    "higher_rank_fits": ("(8, 3, 2)", "(8, 3)", (None, 48)),
    "trailing_one": ("(8, 3, 1)", "(8, 3)", (None, 48)),
    "lower_rank_refused": ("(5,)", "(8, 3)", None),
    "higher_rank_refused": ("(7, 3, 2)", "(8, 3)", None),
    "same_rank_refused": ("(6, 3)", "(8, 3)", None),
    "last_axis_refused": ("(8, 4)", "(8, 3)", None),
}


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted(FUNCTIONAL_CASES))
def test_a_functional_model_entry_is_called_as_the_functional_api_calls_it(
        name: str, oracle: Oracle) -> None:
    outer, inner, output = FUNCTIONAL_CASES[name]
    source = FUNCTIONAL_ENTRY.format(inner=inner, outer=outer)
    result = oracle.run(source)
    assert result.raised == (output is None), result.error
    [report] = _sequential_reports(source)
    if output is None:
        assert result.error_line == 5
        assert [(f.code, f.range.start.line, f.message) for f in report.findings] == [
            ("SL109", 4, f"block was built for inputs of shape (None, {inner[1:-1]}), "
                         f"but it receives (None, {outer[1:-1].rstrip(',')})")]
        return
    theirs = result.models["model"]
    assert not report.findings
    assert report.output_shape == theirs.output_shape == output
    assert report.total_params == theirs.total_params == 8
    assert model_graph(report).params == 8


# A Sequential model holding only its Input is built when it is first called, on the shape
# of what it receives, which must be the Input's exactly, None dims too (Sequential.build): as
# an entry of a Sequential model and called on a functional tensor alike.
ONLY_AN_INPUT = {
    "entry_unknown_dim": ("model = keras.Sequential([keras.Input((5, 3)), "
                          "keras.Sequential([keras.Input((None, 3))]), layers.Flatten()])\n",
                          True),
    "entry_same": ("model = keras.Sequential([keras.Input((5, 3)), "
                   "keras.Sequential([keras.Input((5, 3))]), layers.Flatten()])\n", False),
    "called_unknown_dim": ("x = keras.Input((5, 3))\n"
                           "y = keras.Sequential([keras.Input((None, 3))])(x)\n"
                           "model = keras.Model(x, layers.Flatten()(y))\n", True),
    "called_same": ("x = keras.Input((None, 3))\n"
                    "y = keras.Sequential([keras.Input((None, 3))])(x)\n"
                    "model = keras.Model(x, layers.Flatten()(y))\n", False),
    "called_other_size": ("x = keras.Input((4, 3))\n"
                          "y = keras.Sequential([keras.Input((5, 3))])(x)\n"
                          "model = keras.Model(x, layers.Flatten()(y))\n", True),
}


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted(ONLY_AN_INPUT))
def test_a_sequential_model_holding_only_an_input_is_built_on_exactly_its_shape(
        name: str, oracle: Oracle) -> None:
    body, raises = ONLY_AN_INPUT[name]
    source = "import keras\nfrom keras import layers\n" + body
    result = oracle.run(source)
    assert result.raised == raises, result.error
    findings = [(f.code, f.range.start.line + 1) for f in analyze_source(source).findings
                if f.code.startswith("SL1")]
    assert findings == ([("SL109", result.error_line)] if raises else [])


def test_an_input_of_sizes_not_known_is_not_checked_against_what_it_is_called_on() -> None:
    for called in ("y = inner(x)\nmodel = keras.Model(x, y)\n",
                   "model = keras.Sequential([keras.Input((5, 3)), inner])\n"):
        source = ("import sys\nimport keras\nx = keras.Input((5, 3))\nn = int(sys.argv[1])\n"
                  "inner = keras.Sequential([keras.Input((n, 3))])\n" + called)
        assert [f.code for f in analyze_source(source).findings if f.code.startswith("SL1")
                ] == [], called


@pytest.mark.tensorflow
def test_the_rows_a_list_of_tensors_reaches_are_layer_calls_too(oracle: Oracle) -> None:
    source = ("import keras\nfrom keras import layers\n"
              "model = keras.Sequential([keras.Input((5, 3)), layers.LSTM(4, return_state=True),\n"
              "                          layers.Dropout(0.5), layers.Add(), layers.Dense(2)])\n")
    assert_agrees(source, oracle, expect_raises=False)
    [report] = _sequential_reports(source)
    assert all(row.node is not None for row in report.layers)
    assert [row.output_shape for row in report.layers] == [
        (None, 5, 3), None, None, (None, 4), (None, 2)]
    assert _rows(_as_functional(report)) == _rows(report.layers)


# A functional model of several inputs or outputs as a Sequential entry: Keras refuses to
# call one of two inputs on one tensor, and hands the outputs of one of two outputs on as a
# list, which a merge layer takes and any other layer refuses.
SEVERAL = """\
import keras
from keras import layers
a, b, c = keras.Input((4,)), keras.Input((4,)), keras.Input((4,))
two_in = keras.Model([a, b], layers.Add()([a, b]))
two_out = keras.Model(c, [layers.Dense(2)(c), layers.Dense(3)(c)])
model = keras.Sequential([keras.Input((4,)), {entries}])
"""
SEVERAL_CASES = {
    "two_inputs": ("two_in", "SL112"),
    "two_outputs_last": ("two_out", None),
    "two_outputs_then_dense": ("two_out, layers.Dense(2)", "SL108"),
    "two_outputs_then_concatenate": ("two_out, layers.Concatenate(), layers.Dense(2)", None),
}


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted(SEVERAL_CASES))
def test_a_functional_entry_of_several_inputs_or_outputs(name: str, oracle: Oracle) -> None:
    entries, code = SEVERAL_CASES[name]
    source = SEVERAL.format(entries=entries)
    result = oracle.run(source)
    assert result.raised == (code is not None), result.error
    report = next(r for r in analyze_source(source).models if r.model.variable == "model")
    assert [f.code for f in report.findings] == ([code] if code else [])
    if code is None:
        theirs = result.models["model"]
        assert report.total_params == theirs.total_params
        if name == "two_outputs_last":  # a list: Keras' first output, the engine's none
            assert report.output_list_why is not None and report.output_shape is None
        else:
            assert report.output_shape == theirs.output_shape


@pytest.mark.tensorflow
def test_a_sequential_whose_layer_constructor_is_refused_is_reported_once(
        oracle: Oracle) -> None:
    """Keras raises where the layer is made; the call of the model on a tensor later is
    never reached, so it gets no second finding wrapping the first."""
    source = """\
import keras
from keras import layers
inputs = keras.Input(shape=(6,))
block = keras.Sequential([layers.Normalization(axis=-1.0)])
x = block(inputs)
model = keras.Model(inputs, x)
"""
    result = oracle.run(source)
    assert result.raised and result.error_line == 4, result.error
    findings = analyze_source(source).findings
    assert [(f.code, f.range.start.line + 1) for f in findings] == [("SL105", 4)]
