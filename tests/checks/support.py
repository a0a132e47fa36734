"""Running a program through the engine and through real TensorFlow, and applying fixes."""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Sequence

from shape_engine import analyze_source
from shape_engine.analysis import Analysis
from shape_engine.findings import Finding, Fix, Severity
from shape_engine.fixes import apply_edits
from tests.compare import statement_span
from tests.oracle import Oracle, OracleResult

# Keras' datasets download their files; the oracle gets arrays of the true shapes and dtypes.
DATASETS_PRELUDE = textwrap.dedent("""\
    import numpy as _np
    import keras as _keras

    def _fake_images(train, test, image, label_column, classes):
        def load_data(*args, label_mode="fine", **kwargs):
            rng = _np.random.default_rng(0)
            count = 20 if label_mode == "coarse" else classes
            def labels(n):
                values = rng.integers(0, count, n).astype("uint8")
                return values.reshape(n, 1) if label_column else values
            return ((_np.zeros((train, *image), "uint8"), labels(train)),
                    (_np.zeros((test, *image), "uint8"), labels(test)))
        return load_data

    def _fake_texts(train, test, classes):
        def load_data(num_words=None, **kwargs):
            rng = _np.random.default_rng(0)
            top = num_words or 88000
            def texts(n):
                out = _np.empty(n, dtype=object)
                for i in range(n):
                    out[i] = [1] + rng.integers(2, top, int(rng.integers(5, 40))).tolist()
                return out
            return ((texts(train), rng.integers(0, classes, train)),
                    (texts(test), rng.integers(0, classes, test)))
        return load_data

    def _fake_table(total, features):
        def load_data(*args, test_split=0.2, version="large", **kwargs):
            count = total if version == "large" else 600
            train = int(count * (1 - test_split))
            rng = _np.random.default_rng(0)
            return ((rng.random((train, features)), rng.random(train) * 50),
                    (rng.random((count - train, features)), rng.random(count - train) * 50))
        return load_data

    _keras.datasets.mnist.load_data = _fake_images(60000, 10000, (28, 28), False, 10)
    _keras.datasets.fashion_mnist.load_data = _fake_images(60000, 10000, (28, 28), False, 10)
    _keras.datasets.cifar10.load_data = _fake_images(50000, 10000, (32, 32, 3), True, 10)
    _keras.datasets.cifar100.load_data = _fake_images(50000, 10000, (32, 32, 3), True, 100)
    _keras.datasets.imdb.load_data = _fake_texts(25000, 25000, 2)
    _keras.datasets.reuters.load_data = _fake_texts(8982, 2246, 46)
    _keras.datasets.boston_housing.load_data = _fake_table(506, 13)
    _keras.datasets.california_housing.load_data = _fake_table(20640, 8)
    """)


def dedent(source: str) -> str:
    return textwrap.dedent(source).lstrip("\n")


def run_tf(oracle: Oracle, source: str, datasets: bool = False) -> OracleResult:
    """Run in real TensorFlow; with `datasets`, load_data() gives arrays of the true shapes."""
    if not datasets:
        return oracle.run(source)
    result = oracle.run(DATASETS_PRELUDE + source)
    offset = DATASETS_PRELUDE.count("\n")

    def shift(line: int | None) -> int | None:
        return None if line is None else line - offset
    return OracleResult(result.error, shift(result.error_line), shift(result.error_line_top),
                        result.models, result.measured)


def codes(analysis: Analysis) -> list[str]:
    return sorted(f.code for f in analysis.findings)


def describe(analysis: Analysis) -> str:
    return "\n".join(f"  {f.code} {f.severity.value} line {f.range.start.line + 1}: "
                     f"{f.message}" for f in analysis.findings) or "  (no findings)"


def check_against_tf(source: str, oracle: Oracle, expected: Sequence[str], raises: bool,
                     datasets: bool = False, built_by_data: bool = False
                     ) -> tuple[Analysis, OracleResult]:
    """The engine reports exactly `expected` codes; TF raises exactly when it says it must,
    at the statement of the engine's error.

    `built_by_data`: the model declares no input and Keras builds it from the data at the
    statement that raises; the engine points at the layer that cannot take that data."""
    source = dedent(source)
    analysis = analyze_source(source)
    result = run_tf(oracle, source, datasets)
    context = (f"\n--- program ---\n{source}\n--- keras ---\n{result.error}\n--- engine ---\n"
               f"{describe(analysis)}")
    assert codes(analysis) == sorted(expected), "unexpected findings" + context
    errors = [f for f in analysis.findings if f.severity is Severity.ERROR]
    assert result.raised == raises, "TensorFlow's verdict is not the expected one" + context
    assert bool(errors) == raises, "errors must match whether TensorFlow raises" + context
    if raises:
        assert result.error_line_top is not None, context
        first, last = statement_span(source, result.error_line_top)
        if built_by_data:
            first = 1
        assert any(first <= f.range.start.line + 1 <= last for f in errors), (
            "no engine error on the statement TensorFlow raised at" + context)
    return analysis, result


def finding(analysis: Analysis, code: str) -> Finding:
    found = [f for f in analysis.findings if f.code == code]
    assert len(found) == 1, f"expected one {code}:\n{describe(analysis)}"
    return found[0]


def apply(source: str, chosen: Fix) -> str:
    fixed = apply_edits(source, chosen.edits)
    ast.parse(fixed)  # a fix never leaves the file unparsable
    return fixed


def verify_fix(source: str, code: str, oracle: Oracle, title: str | None = None,
               datasets: bool = False, remaining: Sequence[str] = ()) -> str:
    """The fix (the preferred one, or the one whose title contains `title`) is verified three
    ways: the edited file parses, the engine no longer reports the finding (nothing but
    `remaining` is left), and TensorFlow runs the fixed program without an error."""
    source = dedent(source)
    analysis = analyze_source(source)
    target = finding(analysis, code)
    assert target.fixes, f"no fix offered for {code}:\n{describe(analysis)}"
    if title is None:
        chosen = target.fix
        assert chosen is not None
    else:
        matching = [f for f in target.fixes if title in f.title]
        assert matching, f"no fix titled {title!r}: {[f.title for f in target.fixes]}"
        chosen = matching[0]
    fixed = apply(source, chosen)
    after = analyze_source(fixed)
    context = (f"\n--- fix: {chosen.title} ---\n{fixed}\n--- engine ---\n{describe(after)}")
    assert codes(after) == sorted(remaining), "the engine still reports problems" + context
    result = run_tf(oracle, fixed, datasets)
    assert not result.raised, f"TensorFlow fails on the fixed program: {result.error}" + context
    return fixed
