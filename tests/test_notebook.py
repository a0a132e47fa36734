"""Notebooks as programs: IPython syntax read line for line, and positions mapped between the
program and the cells both ways."""

from __future__ import annotations

import textwrap

import pytest

from shape_engine import analyze_source
from shape_engine.findings import Edit, Position, Range
from shape_engine.incremental import DocumentAnalyzer
from shape_engine.ipython import ASSIGNED_VALUE, as_python
from shape_engine.notebook import CellMap, read_notebook
from shape_engine.notebook_analysis import analyze_notebook
from tests.checks.support import check_against_tf
from tests.oracle import Oracle

IPYTHON_CELL = textwrap.dedent("""\
    %matplotlib inline
    !pip install keras
    files = !ls -la
    a, b = %sx echo 1
    np.random.rand?
    ??keras.layers
    %time x = f(1)
    if x:
        %timeit f(2)
        !echo \\
          continued
    text = '''
    %not a magic inside a string
    !neither
    '''
    y = (1
    % 2)
    z = 3  # ends with a question?
    """)


def test_ipython_lines_become_python_in_place() -> None:
    lines = IPYTHON_CELL.split("\n")
    cell = as_python(lines)
    assert cell is not None
    assert len(cell.lines) == len(lines)
    assert list(cell.lines[:7]) == ["pass", "pass", f"files = {ASSIGNED_VALUE}",
                              f"a, b = {ASSIGNED_VALUE}", "pass", "pass", "pass"]
    assert list(cell.lines[8:11]) == ["    pass", "    pass", ""]
    assert cell.replaced == frozenset({0, 1, 2, 3, 4, 5, 6, 8, 9, 10})
    # Everything else, strings and continued brackets included, is the cell's own text.
    for index, line in enumerate(lines):
        if index not in cell.replaced:
            assert cell.lines[index] == line
    compile("\n".join(cell.lines), "cell", "exec")


def test_ipython_agrees_with_ipython_on_what_is_not_python() -> None:
    """IPython's own transformer rewrites exactly the lines we replace (and keeps the rest)."""
    transformer = pytest.importorskip(
        "IPython.core.inputtransformer2", reason="IPython is the reference for its syntax")
    # IPython joins a continued line into one call (the lines after it move up): the cell
    # without one.
    source = IPYTHON_CELL.replace("    !echo \\\n      continued\n", "")
    ours = as_python(source.split("\n"))
    assert ours is not None
    theirs = transformer.TransformerManager().transform_cell(source).split("\n")
    assert len(theirs) == len(ours.lines)
    changed = {i for i, line in enumerate(source.split("\n")) if theirs[i] != line}
    assert changed == set(ours.replaced)


@pytest.mark.parametrize(("magic", "kept"), [
    ("%%time", True), ("%%capture out", True), ("%%prun -s cumulative", True),
    ("%%bash", False), ("%%writefile model.py", False), ("%%timeit", False),
    ("%%html", False), ("%%unknown_magic", False)])
def test_cell_magics_keep_or_exclude_the_cell(magic: str, kept: bool) -> None:
    cell = as_python(["", magic, "model = keras.Sequential()"])
    if not kept:
        assert cell is None
        return
    assert cell is not None and cell.lines == ("", "pass", "model = keras.Sequential()")


CELLS = [
    (1, "import keras\r\nfrom keras import layers\r\n"),  # CRLF, ends with a line break
    (2, ""),  # empty
    (4, "%matplotlib inline\nx = 1"),  # no line break at the end; cell 3 is markdown
    (5, "%%bash\necho hi\n"),  # not Python: left out
    (6, "model = keras.Sequential([\n    layers.Dense(2)])"),
]


def test_program_joins_the_code_cells_line_for_line() -> None:
    cells = CellMap(CELLS)
    assert cells.text == ("import keras\nfrom keras import layers\n\n\npass\nx = 1\n"
                          "model = keras.Sequential([\n    layers.Dense(2)])")
    assert cells.keys == [1, 2, 4, 6]
    assert cells.starts == [0, 3, 4, 6]
    assert not cells.included(5)


@pytest.mark.parametrize(("program", "cell", "in_cell"), [
    (Position(0, 0), 1, Position(0, 0)),
    (Position(1, 17), 1, Position(1, 17)),
    (Position(2, 0), 1, Position(2, 0)),  # after the cell's last line break
    (Position(3, 0), 2, Position(0, 0)),  # the empty cell
    (Position(5, 4), 4, Position(1, 4)),
    (Position(7, 10), 6, Position(1, 10)),
])
def test_positions_map_both_ways(program: Position, cell: int, in_cell: Position) -> None:
    cells = CellMap(CELLS)
    assert cells.to_cell(program) == (cell, in_cell)
    assert cells.to_program(cell, in_cell) == program


def test_cells_left_out_have_no_program_position() -> None:
    cells = CellMap(CELLS)
    assert cells.to_program(5, Position(0, 0)) is None
    assert cells.to_program(3, Position(0, 0)) is None  # markdown: not given


def test_edits_map_to_their_cell_with_its_line_breaks() -> None:
    cells = CellMap(CELLS)
    edit = Edit(Range.of(1, 0, 1, 0), "import numpy as np\n")
    assert cells.cell_edit(edit) == (1, Edit(Range.of(1, 0, 1, 0),
                                             "import numpy as np\r\n"))
    assert cells.cell_edit(Edit(Range.of(7, 4, 7, 18), "layers.Dense(3)")) == (
        6, Edit(Range.of(1, 4, 1, 18), "layers.Dense(3)"))
    # Across two cells, or on a line of IPython syntax: no cell can take it.
    assert cells.cell_edit(Edit(Range.of(1, 0, 5, 0), "")) is None
    assert cells.cell_edit(Edit(Range.of(4, 0, 4, 4), "")) is None


NOTEBOOK_CELLS = [
    "%matplotlib inline\nimport numpy as np\nimport keras\nfrom keras import layers",
    "!pip install keras\nx = np.random.rand(32, 100)\ny = np.random.rand(32)",
    "model = keras.Sequential([layers.Dense(64, input_shape=(200,)), layers.Dense(1)])\n"
    'model.compile(optimizer="adam", loss="mse")',
    "model.summary?\nmodel.fit(x, y, epochs=1, verbose=0)",
]


def _notebook_bytes(sources: list[str]) -> bytes:
    import json

    cells = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
              "source": source} for source in sources]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                       "nbformat_minor": 5}).encode()


def test_notebook_findings_are_the_programs() -> None:
    analysis = analyze_notebook(_notebook_bytes(NOTEBOOK_CELLS))
    assert analysis.cells is not None
    program = analyze_source(analysis.cells.text)
    assert [(f.code, f.range, f.message) for f in analysis.findings] == [
        (f.code, f.range, f.message) for f in program.findings]
    placed = [analysis.cells.cell_finding(f) for f in analysis.findings]
    assert [(p.cell, p.finding.code, p.finding.range.start) for p in placed if p] == [
        (4, "SL201", Position(1, 10))]


@pytest.mark.tensorflow
def test_the_notebook_program_is_judged_by_tensorflow(oracle: Oracle) -> None:
    """The program of the cells (magics as `pass`) raises in TensorFlow where the engine
    says, and with the model fixed the notebook is silent."""
    cells = CellMap(list(enumerate(NOTEBOOK_CELLS, start=1)))
    check_against_tf(cells.text, oracle, ["SL201"], raises=True)
    fixed = [source.replace("(200,)", "(100,)") for source in NOTEBOOK_CELLS]
    check_against_tf(CellMap(list(enumerate(fixed, start=1))).text, oracle, [], raises=False)
    assert analyze_notebook(_notebook_bytes(fixed)).findings == []


@pytest.mark.parametrize(("text", "message"), [
    ('{"cells": [', "The notebook is not valid JSON"),
    ("[1, 2]", "not a Jupyter notebook"),
    ('{"cells": []}', "has no `nbformat`"),
    ('{"nbformat": 3, "worksheets": []}', "nbformat 3"),
    ('{"nbformat": 4, "cells": [{"cell_type": "code", "source": 7}]}', "Cell 1"),
])
def test_unreadable_notebooks_get_one_finding(text: str, message: str) -> None:
    found = read_notebook(text)
    assert not hasattr(found, "cells")
    analysis = analyze_notebook(text.encode())
    assert [f.code for f in analysis.findings] == ["SL003"]
    assert message in analysis.findings[0].message
    assert not analysis.parsed


def test_a_json_error_points_into_the_file() -> None:
    analysis = analyze_notebook(b'{\n "cells": [\n  {,\n')
    assert analysis.findings[0].range.start == Position(2, 3)


def test_a_notebook_in_another_language_has_no_program() -> None:
    data = (b'{"cells": [{"cell_type": "code", "source": "library(x) <- 1"}], "nbformat": 4,'
            b' "metadata": {"kernelspec": {"language": "R"}}}')
    analysis = analyze_notebook(data)
    assert analysis.findings == [] and analysis.parsed


def test_a_syntax_error_is_placed_in_its_cell() -> None:
    analysis = analyze_notebook(_notebook_bytes(["import keras", "x = (1,\n  2"]))
    assert analysis.cells is not None
    placed = analysis.cells.cell_finding(analysis.findings[0])
    assert placed is not None and placed.cell == 2 and placed.finding.code == "SL001"


def test_editing_one_cell_reanalyses_only_what_it_touches() -> None:
    """The language server analyses a notebook's program as a file: an edit of one cell's
    model costs the analysis of that model, not of every cell again, and gives what a whole
    analysis gives."""
    models = [f"m{i} = keras.Sequential([keras.Input(({i + 2},)), layers.Dense({i + 1})])\n"
              f"m{i}.compile(optimizer=\"adam\", loss=\"mse\")" for i in range(12)]
    sources = ["%matplotlib inline\nimport keras\nfrom keras import layers", *models]
    analyzer = DocumentAnalyzer(None)
    first = analyzer.analyze(CellMap(list(enumerate(sources, start=1))).text)
    assert first.findings == []
    assert analyzer.components_analysed >= 12
    sources[5] = sources[5].replace("mse", "binary_crossentropy").replace(
        "Dense(5)", "Dense(5, activation=\"relu\")")
    sources[7] = "!nvidia-smi\n" + sources[7]  # the lines after it move down
    edited = CellMap(list(enumerate(sources, start=1)))
    before = analyzer.components_analysed
    outcome = analyzer.analyze(edited.text)
    assert 1 <= analyzer.components_analysed - before <= 2
    assert [(f.code, f.range) for f in outcome.findings] == [
        (f.code, f.range) for f in analyze_source(edited.text).findings]
