"""The editor tests' fixture files say what real TensorFlow says: the broken one fails to build
where the engine reports it, the correct one and the quick-fixed one build with the shapes the
editors must show."""

from __future__ import annotations

import pytest

from shape_engine.findings import Finding
from shape_engine.notebook import CellMap, read_notebook
from shape_engine.shapes import format_shape
from tests.clients.expectations import (
    BROKEN,
    FIXTURES,
    FUNCTIONAL,
    GOOD,
    NOTEBOOK,
    SUBCLASSED,
    expectations,
)
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


def test_functional_fixture_fails_in_tensorflow_at_the_conv1d_call(oracle: Oracle) -> None:
    """Keras refuses the first error, the Conv1D call, as the engine's first finding says;
    the engine also reports the Add of the other branch, which Keras never reaches."""
    text = (FIXTURES / FUNCTIONAL).read_text()
    assert_agrees(text, oracle, expect_error="SL101", expect_raises=True)
    functional = expectations()["functional"]
    assert [d["code"] for d in functional["diagnostics"]] == ["SL101", "SL110"]


def test_functional_fixture_quick_fix_builds_the_add_in_tensorflow(oracle: Oracle) -> None:
    """After the preferred fix (a 1x1 projection of the shortcut) only the Conv1D refusal is
    left, as in TensorFlow; without the Conv1D line the fixed model builds, and the engine
    agrees with TensorFlow on every layer's shape and parameters."""
    fix = expectations()["functional"]["fix"]
    assert fix is not None and fix["diagnostic"]["code"] == "SL110"
    assert [d["code"] for d in fix["diagnostics_after"]] == ["SL101"]
    assert_agrees(fix["result"], oracle, expect_error="SL101", expect_raises=True)
    without_conv1d = "".join(line for line in fix["result"].splitlines(keepends=True)
                             if not line.startswith("steps = "))
    assert_agrees(without_conv1d, oracle, expect_raises=False)


def test_subclassed_fixture_fails_in_tensorflow_at_the_conv1d_line_inside_call(
        oracle: Oracle) -> None:
    """Keras refuses the Conv1D call inside `Net.call` when the model is called on
    `keras.Input`, at the line the engine's only finding is on; the layers it traced before
    (the custom Scale layer with its weights among them) have the engine's shapes and
    parameters."""
    text = (FIXTURES / SUBCLASSED).read_text()
    subclassed = expectations()["subclassed"]
    (diagnostic,) = subclassed["diagnostics"]
    line = diagnostic["range"]["start"]["line"] + 1
    assert diagnostic["code"] == "SL101"
    assert text.splitlines()[line - 1].strip() == "x = self.steps(x)"
    assert diagnostic["message"].endswith("(in Net.call: Net() at line 40 fed (None, 28, 28, 1))")
    result = oracle.run(text, calls=True, script=True)
    assert result.error is not None and result.error_line == line, result.error
    assert "input of shape (None, 13, 13, 32)" in result.error
    checked = 0
    for tensor in subclassed["tensors"]:
        (call, *_) = result.calls_at(tensor["line"] + 1)
        assert call.output_shapes is not None
        assert format_shape(call.output_shapes[0]) == tensor["shape"]
        checked += 1
    assert checked == 3
    layer = subclassed["layer"]
    (scale, *_) = result.calls_at(layer["line"] + 1)
    assert f"{scale.params} parameters" in layer["wants"]
