"""Realistic, correct training scripts: the engine reports nothing and TensorFlow runs them.

The scripts live in tests/fixtures/correct/: varied import styles, functions, loops, data from
numpy, tf, keras.datasets (given to TensorFlow as arrays of the true shapes, see
`support.DATASETS_PRELUDE`) and tf.data pipelines.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from shape_engine import analyze_source
from shape_engine.values import ArrayValue
from tests.checks.support import describe, run_tf

FIXTURES = Path(__file__).parents[1] / "fixtures" / "correct"
PROGRAMS = sorted(FIXTURES.glob("*.py"))


def test_there_are_at_least_forty() -> None:
    assert len(PROGRAMS) >= 40


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.stem)
def test_engine_reports_nothing(path: Path) -> None:
    analysis = analyze_source(path.read_text(), str(path))
    assert analysis.findings == [], describe(analysis)
    assert analysis.models, "the engine should see the script's models"


def test_the_checks_see_the_data() -> None:
    """Most fit/evaluate/predict calls of the scripts have data of known shape, so the
    silence above is the checks' verdict, not blindness."""
    calls = known = 0
    for path in PROGRAMS:
        for report in analyze_source(path.read_text(), str(path)).models:
            for call in report.model.trainings:
                x, _ = call.argument("inputs" if call.method == "__call__" else "x", 0)
                calls += 1
                known += isinstance(x, ArrayValue) and x.shape is not None
    assert calls >= 60
    assert known >= 0.8 * calls, f"{known} of {calls} calls have data of known shape"


@pytest.mark.tensorflow
@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.stem)
def test_tensorflow_runs_it(path: Path, oracle) -> None:  # type: ignore[no-untyped-def]
    source = path.read_text()
    result = run_tf(oracle, source, datasets="load_data" in source)
    assert result.error is None, f"{path.name}: {result.error}"
