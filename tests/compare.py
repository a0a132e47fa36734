"""Compare the engine with real TensorFlow on one program: verdict, shapes and parameters."""

from __future__ import annotations

import ast
import textwrap

from shape_engine import analyze_source
from shape_engine.analysis import Analysis
from shape_engine.findings import Severity
from shape_engine.interpret import ModelReport
from shape_engine.ir import LayerCall
from shape_engine.layers.base import is_input_kind
from tests.oracle import Oracle, OracleResult

BUILD_CODES = frozenset(f"SL1{n:02d}" for n in range(100))


def build_errors(analysis: Analysis) -> list[str]:
    return [f"{f.code} {f.message} @{f.range.start.line + 1}" for f in analysis.findings
            if f.code in BUILD_CODES and f.severity is Severity.ERROR]


def assert_agrees(source: str, oracle: Oracle, *, expect_error: str | None = None,
                  expect_raises: bool | None = None) -> tuple[Analysis, OracleResult]:
    """The engine and Keras agree on whether building raises, where, and on every shape.

    `expect_error` additionally pins the engine's finding code (e.g. "SL101");
    `expect_raises` pins Keras' verdict, so a case documents what it is about.
    """
    source = textwrap.dedent(source)
    analysis = analyze_source(source)
    result = oracle.run(source)
    errors = build_errors(analysis)
    context = (f"\n--- program ---\n{source}\n--- keras ---\n{result.error}"
               f"\n--- engine ---\n{errors}")
    if expect_raises is not None:
        assert result.raised == expect_raises, "Keras' verdict is not the expected one" + context
    if result.raised:
        assert errors, "Keras raised but the engine found nothing" + context
        assert result.error_line_top is not None
        spans = [statement_span(source, line)
                 for line in (result.error_line_top, result.error_line) if line is not None]
        if _is_deferred_build(source, result.error_line_top):
            # model.build() builds layers added earlier: the engine points at the layer.
            spans.append((1, result.error_line_top))
        lines = [int(e.rsplit("@", 1)[1]) for e in errors]
        assert any(first <= line <= last for line in lines for first, last in spans), (
            "the engine's error is not on the statement Keras raised at" + context)
        if expect_error is not None:
            assert errors[0].startswith(expect_error), context
        return analysis, result
    assert not errors, "the engine reports an error Keras does not raise" + context
    assert expect_error is None, "expected an engine error" + context
    for name, model in result.models.items():
        if not model.built:
            continue
        report = _report_named(analysis, name)
        assert report is not None, f"no engine model for {name}" + context
        engine_layers = [layer for layer in report.layers
                         if not (isinstance(layer.entry.layer, LayerCall)
                                 and is_input_kind(layer.entry.layer.kind))]
        assert len(engine_layers) == len(model.layers), context
        for mine, theirs in zip(engine_layers, model.layers, strict=True):
            assert mine.output_shape == theirs.output_shape, (
                f"{mine.label}: engine {mine.output_shape} != keras {theirs.output_shape}"
                + context)
            assert mine.params == theirs.params, (
                f"{mine.label}: engine {mine.params} params != keras {theirs.params}" + context)
        assert report.total_params == model.total_params, context
    return analysis, result


def _report_named(analysis: Analysis, name: str) -> ModelReport | None:
    for report in analysis.models:
        if report.model.variable == name:
            return report
    return None


def _is_deferred_build(source: str, line: int) -> bool:
    """Whether the statement on `line` is `model.build(...)`."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Expr) and node.lineno == line:
            call = node.value
            return (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "build")
    return False


def statement_span(source: str, line: int) -> tuple[int, int]:
    """First and last line of the innermost statement that starts on `line`."""
    tree = ast.parse(source)
    best: tuple[int, int] = (line, line)
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and node.lineno == line:
            return node.lineno, node.end_lineno or node.lineno
    return best
