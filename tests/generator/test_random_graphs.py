"""Random functional models (DAGs) against real TensorFlow.

1,000 seeded graphs a run (SHAPELENS_GRAPH_SEED and SHAPELENS_GRAPH_COUNT change them) go
through TensorFlow in batches while the engine analyses them. Two verdicts on the same runs:
- the engine makes no claim TensorFlow contradicts (no false alarm, no error on a statement
  Keras ran through, no wrong shape or parameter count, no crash): this holds whatever the
  engine models, so it runs now;
- the engine agrees on everything (every refusal and its line, every call's shape and
  parameters, the model's total) on the seeded graphs; other seeds still find rare
  disagreements (tests/generator/README.md), each made a regression test.
A failure names `graph_at(seed, index)` and shows minimal programs (`minimize_graph`).
"""

from __future__ import annotations

import os
import time
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings

from tests.generator.graph_runner import (
    EngineView,
    GraphOutcome,
    check_graph,
    compare,
    culprit,
    engine_view,
    minimize_graph,
    program_of_source,
    run_graphs,
)
from tests.generator.graph_spec import GRAPH_IMPORTS, GraphSpec, render
from tests.generator.graph_strategies import MERGES, graph_at, graph_specs, seeded_graphs
from tests.oracle import Oracle, OracleResult, OracleTensor

SEED = int(os.environ.get("SHAPELENS_GRAPH_SEED", "20261207"))
COUNT = int(os.environ.get("SHAPELENS_GRAPH_COUNT", "1000"))
SHOWN = 3

FEATURES = frozenset({
    *(f"merge:{kind}" for kind in MERGES), "shared", "nested:sequential", "nested:functional",
    "nested:functional-in-sequential", "multi-input", "multi-output",
    "broken:merge-Add", "broken:merge-Concatenate", "broken:concatenate-axis",
    "broken:merge-Dot", "broken:shared-input", "broken:nested-input", "broken:missing-input",
})


def test_graph_generator_covers_every_feature_and_import_style() -> None:
    features: Counter[str] = Counter()
    imports: Counter[str] = Counter()
    for spec in seeded_graphs(SEED, COUNT):
        features.update(set(spec.features))
        imports[spec.imports] += 1
    missing = FEATURES - set(features)
    assert not missing, f"never generated: {sorted(missing)}"
    assert set(imports) == set(GRAPH_IMPORTS), imports


def test_engine_never_crashes_on_generated_graphs() -> None:
    for index, spec in enumerate(seeded_graphs(SEED + 1, COUNT)):
        source = render(spec)
        view = engine_view(source)
        assert view.crash is None, f"graph_at({SEED + 1}, {index}): {view.crash}\n{source}"


@pytest.fixture(scope="module")
def outcomes(oracle: Oracle) -> list[tuple[int, GraphSpec, GraphOutcome]]:
    specs = list(seeded_graphs(SEED, COUNT))
    started = time.perf_counter()
    results = run_graphs(specs, oracle)
    print(f"\n{COUNT} graphs through the engine and TensorFlow in "
          f"{time.perf_counter() - started:.1f}s")
    return [(i, spec, outcome) for i, (spec, outcome) in enumerate(zip(specs, results,
                                                                       strict=True))]


def _report(failures: list[tuple[int, GraphSpec, GraphOutcome]], oracle: Oracle,
            what: str) -> str:
    kinds = Counter(outcome.category for _, _, outcome in failures)
    lines = [f"{len(failures)}/{COUNT} graphs: {what}: {dict(kinds)}"]
    for index, spec, outcome in failures[:SHOWN]:
        assert outcome.category is not None
        small = minimize_graph(spec, oracle, outcome.category)
        lines.append(f"--- graph_at({SEED}, {index}): {outcome.category} at {culprit(small)}"
                     f"\n{outcome.report()}\n--- minimal program:\n{render(small)}")
    lines.append("more: " + ", ".join(f"graph_at({SEED}, {i})" for i, _, _ in failures[SHOWN:20]))
    return "\n".join(lines)


@pytest.mark.tensorflow
def test_seeded_graphs_make_no_claim_tensorflow_contradicts(
        outcomes: list[tuple[int, GraphSpec, GraphOutcome]], oracle: Oracle) -> None:
    verdicts = Counter(outcome.keras_raised for _, _, outcome in outcomes)
    # Mostly valid graphs, and a good share of broken ones, or the run proves little.
    assert verdicts[False] >= COUNT // 2 and verdicts[True] >= COUNT // 10, verdicts
    assert verdicts[None] <= COUNT // 100, verdicts
    failures = [(i, spec, o) for i, spec, o in outcomes if o.claims]
    if failures:
        pytest.fail(_report(failures, oracle, "the engine claims what TensorFlow contradicts"))


@pytest.mark.tensorflow
def test_seeded_graphs_agree_fully_with_tensorflow(
        outcomes: list[tuple[int, GraphSpec, GraphOutcome]], oracle: Oracle) -> None:
    failures = [(i, spec, o) for i, spec, o in outcomes
                if not o.agrees and o.category != "oracle-timeout"]
    if failures:
        pytest.fail(_report(failures, oracle, "the engine disagrees with TensorFlow"))


@pytest.mark.tensorflow
@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(spec=graph_specs())
def test_hypothesis_graphs_make_no_claim_tensorflow_contradicts(oracle: Oracle,
                                                                spec: GraphSpec) -> None:
    outcome = check_graph(spec, oracle)
    assert not outcome.claims, outcome.report()


SHARED_AND_NESTED = """\
import keras
from keras import layers
left = keras.Input(shape=(8,))
right = keras.Input(shape=(8,))
shared0 = layers.Dense(4)
x1 = shared0(left)
x2 = shared0(right)
block0 = keras.Sequential([
    layers.Dense(3),
])
x3 = block0(x2)
x4 = layers.Concatenate()([x1, x3])
model = keras.Model([left, right], x4)
"""


@pytest.mark.tensorflow
def test_tensorflow_side_describes_every_call(oracle: Oracle) -> None:
    """The runner's view of TensorFlow: one entry a call, a shared layer's weights once."""
    program = program_of_source(SHARED_AND_NESTED)
    assert [(c.var, c.kind, c.line) for c in program.calls] == [
        ("x1", "shared0", 6), ("x2", "shared0", 7), ("x3", "block0", 11),
        ("x4", "Concatenate", 12)]
    result = oracle.run(program.source, program.tensors)
    assert result.error is None
    tensors = result.tensors
    assert tensors["x1"].shape == tensors["x2"].shape == (None, 4)
    assert tensors["x1"].layer == tensors["x2"].layer != tensors["x3"].layer
    assert (tensors["x1"].params, tensors["x3"].params) == (36, 15)
    assert tensors["x3"].layer_class == "Sequential" and tensors["x4"].shape == (None, 7)
    assert result.graph_params == {"model": 51}


def _result(error_line: int | None, tensors: dict[str, OracleTensor],
            total: int | None = None) -> OracleResult:
    return OracleResult("ValueError: no" if error_line else None, error_line, error_line, {},
                        tensors=tensors, graph_params={} if error_line else {"model": total})


def _view(errors: list[tuple[str, int]], rows: dict[int, tuple[object, object]],
          total: object = None) -> EngineView:
    return EngineView(errors, {line: [{"row": line, "output_shape": shape, "params": params}]
                               for line, (shape, params) in rows.items()}, {"model": total})


def test_comparison_tells_wrong_claims_from_silences() -> None:
    program = program_of_source(SHARED_AND_NESTED)
    refused_at_11 = _result(11, {})
    # An error only on a statement after the one Keras raised at: a silence, not a claim.
    outcome = compare(program, refused_at_11, _view([("SL101", 12)], {}))
    assert [d.category for d in outcome.disagreements] == ["missed-error"]
    assert not outcome.claims
    # An error on a statement Keras ran through is a wrong claim; on the one it raised at,
    # agreement.
    assert compare(program, refused_at_11, _view([("SL101", 7)], {})).category == (
        "wrong-location")
    assert compare(program, refused_at_11, _view([("SL101", 11)], {})).agrees
    tensors = {"x1": OracleTensor((None, 4), "Dense", 0, 36),
               "x2": OracleTensor((None, 4), "Dense", 0, 36)}
    built = _result(None, tensors, total=36)
    assert compare(program, built, _view([("SL101", 6)], {})).category == "false-alarm"
    # Rows: a shared layer's second call may show its weights or none; a wrong shape or
    # count is a claim; an unknown one only a silence.
    right = {6: ([None, 4], 36), 7: ([None, 4], 0)}
    assert compare(program, built, _view([], right, 36)).agrees
    wrong_shape = {6: ([None, 5], 36), 7: ([None, 4], 36)}
    assert compare(program, built, _view([], wrong_shape, 36)).category == "wrong-shape"
    wrong_params = {6: ([None, 4], 0), 7: ([None, 4], 0)}
    assert compare(program, built, _view([], wrong_params, 36)).category == "wrong-params"
    unknown = compare(program, built, _view([], {6: (None, None)}, 36))
    assert not unknown.claims
    assert {d.category for d in unknown.disagreements} == {"unknown-shape", "unknown-params",
                                                           "missing-row"}
    assert compare(program, built, _view([], right, 35)).category == "wrong-total"


def test_replaying_a_graph_gives_the_same_program() -> None:
    assert render(graph_at(SEED, 7)) == render(graph_at(SEED, 7))
    assert render(graph_at(SEED, 7)) != render(graph_at(SEED, 8))
