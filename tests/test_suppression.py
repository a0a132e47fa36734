"""Suppression comments in every position, SL901 (unused suppressions) and `--add-noqa`,
in files and notebooks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shape_engine.analysis import analyze_source
from shape_engine.cli import main
from shape_engine.fixes import apply_edits
from shape_engine.selection import RuleSelection
from tests.test_config import PROGRAM

LINES = PROGRAM.splitlines()
FIT_LINE = 12  # 0-based: `model.fit(x, y)`, SL303
CONV_LINE = 13  # `broken = ... Conv2D(2, 3)])`, SL101


def with_comment(line: int, comment: str, text: str = PROGRAM) -> str:
    lines = text.splitlines()
    lines[line] += comment
    return "\n".join(lines) + "\n"


def found(text: str, *extend: str) -> list[tuple[str, int]]:
    analysis = analyze_source(text, verify_fixes=False,
                              extend_select=RuleSelection.of(extend_select=extend))
    return [(f.code, f.range.start.line) for f in analysis.findings]


BOTH = [("SL303", FIT_LINE), ("SL101", CONV_LINE)]


def test_the_program_has_its_two_findings() -> None:
    assert found(PROGRAM) == BOTH


@pytest.mark.parametrize("comment", [
    "  # noqa", "  # noqa: SL101", "  #noqa:SL101", "  # NOQA: sl101", "  # noqa: E501,SL101",
    "  # noqa: E501, SL101", "  # noqa: SL303 SL101", "  # noqa:E501 , SL101  because",
    "  # type: ignore  # noqa: SL101", "  # why not  # noqa"])
def test_a_comment_on_the_findings_line_hides_it(comment: str) -> None:
    assert found(with_comment(CONV_LINE, comment)) == [("SL303", FIT_LINE)]


@pytest.mark.parametrize("comment", [
    "  # noqa: SL303", "  # noqa: E501", "  # noqa: SL1", "  # noqa: SL1010", "  # noqanything",
    "  # not noqa", "  # shapelens: noqa: SL303"])
def test_a_comment_that_does_not_name_the_code_does_not_hide_it(comment: str) -> None:
    codes = found(with_comment(CONV_LINE, comment))
    assert ("SL101", CONV_LINE) in codes


def test_a_comment_on_another_line_does_not_hide_it() -> None:
    assert found(with_comment(FIT_LINE - 1, "  # noqa")) == BOTH
    assert found(with_comment(CONV_LINE, "\n# noqa")) == BOTH


def test_a_noqa_inside_a_string_is_not_a_comment() -> None:
    text = PROGRAM.replace("Conv2D(2, 3)", 'Conv2D(2, 3, name="# noqa")')
    assert ("SL101", CONV_LINE) in found(text)


def test_a_finding_on_a_continuation_line_is_hidden_on_its_own_line() -> None:
    """The finding starts where its range starts (the labels `y`, on the third line)."""
    multi = PROGRAM.replace("model.fit(x, y)", "model.fit(\n    x,\n    y,\n)")
    assert ("SL303", FIT_LINE + 2) in found(multi)
    on_call = multi.replace("model.fit(\n", "model.fit(  # noqa: SL303\n")
    assert ("SL303", FIT_LINE + 2) in found(on_call)
    on_labels = multi.replace("    y,\n", "    y,  # noqa: SL303\n")
    assert found(on_labels) == [("SL101", CONV_LINE + 3)]


@pytest.mark.parametrize("where", ["top", "bottom", "indented"])
def test_a_file_level_comment_anywhere_hides_every_finding(where: str) -> None:
    comment = "# shapelens: noqa"
    text = {"top": comment + "\n" + PROGRAM, "bottom": PROGRAM + comment + "\n",
            "indented": PROGRAM + f"if True:\n    {comment}\n    pass\n"}[where]
    assert found(text) == []


@pytest.mark.parametrize("comment", ["# shapelens: noqa: SL303", "#Shapelens:NOQA:SL303",
                                     "# shapelens: noqa: SL303, E501"])
def test_a_file_level_comment_with_codes_hides_those(comment: str) -> None:
    assert [code for code, _ in found(comment + "\n" + PROGRAM)] == ["SL101"]


def test_a_syntax_error_is_never_suppressed() -> None:
    assert found("# shapelens: noqa\nx = (  # noqa\n") == [("SL001", 1)]


# -- SL901 -----------------------------------------------------------------------------------


def unused(text: str) -> list[tuple[str, int, str]]:
    analysis = analyze_source(text, verify_fixes=False,
                              extend_select=RuleSelection.of(extend_select=("SL901",)))
    result = []
    for finding in analysis.findings:
        if finding.code == "SL901":
            assert finding.fix is not None
            result.append((finding.message, finding.range.start.line,
                           apply_edits(text, finding.fix.edits).splitlines()[
                               finding.range.start.line]))
    return result


def test_unused_suppressions_are_off_by_default() -> None:
    assert found(with_comment(FIT_LINE - 1, "  # noqa: SL101")) == BOTH


@pytest.mark.parametrize(("line", "comment", "message", "fixed"), [
    (CONV_LINE, "  # noqa: SL101, SL303", "Unused suppression of SL303",
     LINES[CONV_LINE] + "  # noqa: SL101"),
    (CONV_LINE, "  # noqa: E501, SL202", "Unused suppression of SL202",
     LINES[CONV_LINE] + "  # noqa: E501, SL101"),
    (0, "  # noqa: SL101", "Unused suppression of SL101", LINES[0]),
    (0, "  # noqa: SL101 SL303", "Unused suppression of SL101, SL303: none of them",
     LINES[0]),
    (0, "  # note  # noqa: SL101", "Unused suppression of SL101", LINES[0] + "  # note"),
    (0, "  # noqa: SL101 the shapes are right", "Unused suppression of SL101",
     LINES[0] + "  # the shapes are right"),
])
def test_unused_codes_are_reported_with_a_fix_removing_them(
        line: int, comment: str, message: str, fixed: str) -> None:
    text = with_comment(line, comment)
    if "E501, SL202" in comment:  # SL101 is used, SL202 not: the fix keeps E501 and SL101
        text = with_comment(line, "  # noqa: E501, SL101, SL202")
    reported = unused(text)
    assert len(reported) == 1
    assert reported[0][0].startswith(message)
    assert reported[0][1:] == (line, fixed)


@pytest.mark.parametrize("comment", ["  # noqa", "  # noqa: E501", "  # noqa: SL101"])
def test_used_bare_or_foreign_suppressions_are_not_reported(comment: str) -> None:
    assert unused(with_comment(CONV_LINE, comment)) == []
    if "SL" not in comment:
        assert unused(with_comment(0, comment)) == []  # other tools' business


def test_unused_file_level_suppressions() -> None:
    assert unused("# shapelens: noqa\nx = 1\n") == [
        ("`# shapelens: noqa` hides nothing", 0, "")]
    assert [m for m, _, _ in unused("# shapelens: noqa: SL303, SL101\n" + PROGRAM)] == []
    reported = unused("# shapelens: noqa: SL202, SL101\n" + PROGRAM)
    assert [(m, fixed) for m, _, fixed in reported] == [
        ("Unused suppression of SL202: nothing is reported here", "# shapelens: noqa: SL101")]


def test_check_fix_removes_unused_suppressions(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "prog.py"
    path.write_text(with_comment(0, "  # noqa: SL101"))
    assert main(["check", "--fix", "--extend-select", "SL901", str(path)]) == 1
    assert path.read_text() == PROGRAM  # the comment went, the shape errors stay
    assert "Fixed SL901" in capsys.readouterr().err


# -- --add-noqa ------------------------------------------------------------------------------


def test_add_noqa_writes_comments_that_hide_the_findings(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "prog.py"
    path.write_text(with_comment(CONV_LINE, "  # noqa: E501"))
    assert main(["check", "--add-noqa", str(path)]) == 0
    assert "Added 2 noqa directives." in capsys.readouterr().err
    lines = path.read_text().splitlines()
    assert lines[FIT_LINE] == "model.fit(x, y)  # noqa: SL303"
    assert lines[CONV_LINE] == LINES[CONV_LINE] + "  # noqa: E501, SL101"
    assert main(["check", str(path)]) == 0
    before = path.read_text()
    assert main(["check", "--add-noqa", str(path)]) == 0
    assert path.read_text() == before
    assert "Added 0 noqa directives." in capsys.readouterr().err


def test_add_noqa_follows_the_selection(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "prog.py"
    path.write_text(PROGRAM)
    (tmp_path / "shapelens.toml").write_text('ignore = ["SL303"]\nextend-select = ["SL514"]\n')
    assert main(["check", "--add-noqa", str(path)]) == 0
    lines = path.read_text().splitlines()
    assert lines[8].endswith("  # noqa: SL514")
    assert lines[FIT_LINE] == LINES[FIT_LINE]


def test_add_noqa_leaves_lines_a_comment_would_break(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """A finding on a line continued by a backslash or ending inside a string."""
    text = PROGRAM.replace("model.fit(x, y)", "model.fit(x, y, \\\n          epochs=1)").replace(
        "Conv2D(2, 3)])", 'Conv2D(2, 3)]); doc = """\n"""')
    path = tmp_path / "prog.py"
    path.write_text(text)
    assert found(text) == [("SL303", FIT_LINE), ("SL101", CONV_LINE + 1)]
    assert main(["check", "--add-noqa", str(path)]) == 0
    assert path.read_text() == text
    assert ("Added 0 noqa directives; 2 findings could not get one"
            in capsys.readouterr().err)
NOTEBOOK_CELLS = [
    "import keras\nimport numpy as np\nfrom keras import layers\n%matplotlib inline",
    "x = np.zeros((10, 4))\ny = np.zeros((10, 3))\nmodel = keras.Sequential([\n"
    "    keras.Input((4,)),\n    layers.Dense(2, activation='softmax'),\n])\n"
    "model.compile(optimizer='adam', loss='categorical_crossentropy')",
    "model.fit(x, y)",
    "broken = keras.Sequential([keras.Input((4,)), layers.Conv2D(2, 3)])",
]


def notebook(path: Path, cells: list[str]) -> Path:
    path.write_text(json.dumps({
        "cells": [{"cell_type": "code", "metadata": {}, "execution_count": None,
                   "outputs": [], "source": source} for source in cells],
        "metadata": {"language_info": {"name": "python"}}, "nbformat": 4,
        "nbformat_minor": 5}, indent=1))
    return path


def notebook_codes(path: Path, capsys: pytest.CaptureFixture[str]) -> list[tuple[str, int]]:
    main(["check", "--format", "json", str(path)])
    return [(row["code"], row["cell"]) for row in json.loads(capsys.readouterr().out)]


def test_notebook_comments_per_cell_line(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = notebook(tmp_path / "n.ipynb", NOTEBOOK_CELLS)
    assert notebook_codes(path, capsys) == [("SL303", 3), ("SL101", 4)]
    cells = list(NOTEBOOK_CELLS)
    cells[2] += "  # noqa: SL303"
    notebook(path, cells)
    assert notebook_codes(path, capsys) == [("SL101", 4)]
    cells[0] = "# shapelens: noqa: SL101\n" + cells[0]
    notebook(path, cells)
    assert notebook_codes(path, capsys) == []


def test_add_noqa_in_a_notebook_writes_the_cells(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = notebook(tmp_path / "n.ipynb", NOTEBOOK_CELLS)
    assert main(["check", "--add-noqa", str(path)]) == 0
    sources = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
               for c in json.loads(path.read_text())["cells"]]
    assert sources[2] == "model.fit(x, y)  # noqa: SL303"
    assert sources[3] == NOTEBOOK_CELLS[3] + "  # noqa: SL101"
    assert sources[:2] == NOTEBOOK_CELLS[:2]
    capsys.readouterr()
    assert notebook_codes(path, capsys) == []


def test_unused_suppression_in_a_notebook_is_in_its_cell(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cells = list(NOTEBOOK_CELLS)
    cells[1] = "x = np.zeros((10, 4))  # noqa: SL201\n" + cells[1].split("\n", 1)[1]
    path = notebook(tmp_path / "n.ipynb", cells)
    main(["check", "--format", "json", "--extend-select", "SL901", str(path)])
    rows = [r for r in json.loads(capsys.readouterr().out) if r["code"] == "SL901"]
    assert [(r["cell"], r["location"]) for r in rows] == [(2, {"row": 1, "column": 24})]
