"""The functional-graph oracle: the shared TensorFlow worker (tests/oracle) asked to record
every call of a layer or model on symbolic tensors, and the comparison with the engine."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from shape_engine import analyze_source
from shape_engine.analysis import Analysis
from shape_engine.findings import Severity
from shape_engine.keras.tensors import Node
from tests.compare import statement_span
from tests.oracle import Oracle, OracleCall

KerasCall = OracleCall


@dataclass(frozen=True)
class GraphResult:
    error: str | None
    error_line: int | None
    error_line_top: int | None
    calls: tuple[KerasCall, ...]

    @property
    def raised(self) -> bool:
        return self.error is not None


class GraphOracle:
    """One persistent TensorFlow worker (the shared one), restarted when a program hangs."""

    def __init__(self, timeout: float = 120.0) -> None:
        self._oracle = Oracle(timeout=timeout)

    def run(self, source: str) -> GraphResult:
        result = self._oracle.run(source, calls=True)
        return GraphResult(result.error, result.error_line, result.error_line_top, result.calls)

    def close(self) -> None:
        self._oracle.close()


def assert_graph_agrees(source: str, oracle: GraphOracle, *, expect_error: str | None = None,
                        expect_raises: bool | None = None, all_known: bool = True,
                        codes_prefix: str = "SL1") -> tuple[Analysis, GraphResult]:
    """The engine and Keras agree on whether the program raises and where, and on the output
    shapes and parameter count of every layer or model call on symbolic tensors.

    `all_known`: every call the engine modelled must have a known output (the hand-written
    cases are all modelled); else an unknown output is silent and not compared.
    `codes_prefix`: the errors compared with Keras' verdict (build refusals by default; "SL"
    for programs that also fit).
    """
    source = textwrap.dedent(source)
    analysis = analyze_source(source)
    result = oracle.run(source)
    errors = [f"{f.code} {f.message} @{f.range.start.line + 1}" for f in analysis.findings
              if f.code.startswith(codes_prefix) and f.severity is Severity.ERROR]
    context = (f"\n--- program ---\n{source}\n--- keras ---\n{result.error}"
               f"\n--- engine ---\n{errors}")
    if expect_raises is not None:
        assert result.raised == expect_raises, "Keras' verdict is not the expected one" + context
    if result.error is not None:
        assert errors, "Keras raised but the engine found nothing" + context
        spans = [statement_span(source, line)
                 for line in (result.error_line_top, result.error_line) if line is not None]
        lines = [int(e.rsplit("@", 1)[1]) for e in errors]
        assert any(first <= line <= last for line in lines for first, last in spans), (
            "the engine's error is not on the statement Keras raised at" + context)
        if expect_error is not None:
            assert errors[0].startswith(expect_error), context
    else:
        assert not errors, "the engine reports an error Keras does not raise" + context
        assert expect_error is None, "expected an engine error" + context
    _compare_calls(analysis.graph_nodes, result, all_known, context)
    return analysis, result


def _compare_calls(nodes: list[Node], result: GraphResult, all_known: bool,
                   context: str) -> None:
    """Each engine call that Keras also made (same line, in order) against Keras' record."""
    theirs: dict[int | None, list[KerasCall]] = {}
    for call in result.calls:
        theirs.setdefault(call.line, []).append(call)
    for node in nodes:
        if node.is_input or node.is_op or node.refused:
            continue
        calls = theirs.get(node.line)
        if not calls:
            continue  # Keras stopped before this call
        call = calls.pop(0)
        shapes = tuple(t.shape for t in node.outputs)
        if any(s is None for s in shapes):
            assert not all_known, f"{node.label} (line {node.line}): engine unknown" + context
            continue
        assert shapes == call.output_shapes, (
            f"{node.label} (line {node.line}): engine {shapes} != keras {call.output_shapes}"
            + context)
        if node.params is not None or all_known:
            assert node.params == call.params, (
                f"{node.label} (line {node.line}): engine {node.params} params != keras "
                f"{call.params}" + context)
    if all_known and result.error is None:
        # A call Keras made on a line where the engine made others: one the engine missed.
        lines = {node.line for node in nodes if not node.is_input}
        missed = [c for line, calls in theirs.items() if line in lines for c in calls]
        assert not missed, f"calls the engine did not model: {missed}" + context
