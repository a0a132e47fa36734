"""The bundled examples: the engine's verdict on each is the verdict of real TensorFlow."""

from __future__ import annotations

from pathlib import Path

import pytest

from shape_engine import Severity, analyze_source
from tests.compare import statement_span
from tests.oracle import Oracle

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.py"))

pytestmark = pytest.mark.tensorflow


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_verdict_matches_tensorflow(path: Path, oracle: Oracle) -> None:
    source = path.read_text()
    findings = analyze_source(source, str(path)).findings
    result = oracle.run(source)
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if result.raised:
        assert errors, f"Keras raised {result.error} but the engine found no error"
        first_line = min(f.range.start.line + 1 for f in errors)
        assert result.error_line_top is not None
        _, last = statement_span(source, result.error_line_top)
        assert first_line <= last, ("Keras raised before the engine's first error",
                                    result.error, errors)
    else:
        assert findings == [], f"Keras ran {path.name} cleanly: {findings}"
