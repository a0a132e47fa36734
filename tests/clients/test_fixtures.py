"""The editor tests' fixture files say what real TensorFlow says: the broken one fails to build
where the engine reports it, the correct one and the quick-fixed one build with the shapes the
editors must show."""

from __future__ import annotations

import pytest

from shape_engine.findings import Finding
from shape_engine.notebook import CellMap, read_notebook
from tests.clients.expectations import BROKEN, FIXTURES, GOOD, NOTEBOOK, expectations
from tests.compare import assert_agrees
from tests.oracle import Oracle

pytestmark = pytest.mark.tensorflow


def test_broken_fixture_fails_in_tensorflow_as_the_engine_says(oracle: Oracle) -> None:
    assert_agrees((FIXTURES / BROKEN).read_text(), oracle, expect_error="SL101",
                  expect_raises=True)


def test_good_fixture_builds_with_the_engine_shapes(oracle: Oracle) -> None:
    assert_agrees((FIXTURES / GOOD).read_text(), oracle, expect_raises=False)


def test_quick_fixed_fixture_builds_with_the_engine_shapes(oracle: Oracle) -> None:
    fix = expectations()["broken"]["fix"]
    assert fix is not None, "the engine offers no fix for the broken fixture"
    assert_agrees(fix["result"], oracle, expect_raises=False)


def test_notebook_fixture_programs_build_as_the_engine_says(oracle: Oracle) -> None:
    """The notebook fixture's program (its code cells, IPython lines as `pass`) builds with the
    engine's shapes in TensorFlow, before and after its quick fix (SL311 is about the loss,
    which Keras takes without a word)."""
    data = (FIXTURES / NOTEBOOK).read_bytes()
    notebook = read_notebook(data.decode())
    assert not isinstance(notebook, Finding)
    program = CellMap(notebook.code_cells())
    assert_agrees(program.text, oracle, expect_raises=False)
    fix = expectations()["notebook"]["fix"]
    assert fix is not None, "the engine offers no fix for the notebook fixture"
    fixed = CellMap([(number, fix["source"] if number == fix["cell"] + 1 else source)
                     for number, source in notebook.code_cells()])
    assert_agrees(fixed.text, oracle, expect_raises=False)
    assert fix["diagnostics_after"] == []
