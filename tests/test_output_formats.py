"""`shapelens check --output-format ...`: every format, on files and on notebooks (cells)."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path
from xml.etree import ElementTree

import jsonschema
import pytest

from shape_engine.cli import main
from tests.test_cli_notebook import write as write_notebook

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SARIF_SCHEMA = Path(__file__).resolve().parent / "fixtures" / "sarif" / "sarif-schema-2.1.0.json"
SARIF_SCHEMA_SHA256 = "7402cdfd5bfbff98071b3358e573041b86adb7e1c6ec8743303f93715937c371"
# The notebook of test_cli_notebook: cell 7 has SL311 at 2:39 and SL304 at 3:14.
NOTEBOOK_FINDINGS = [("SL311", 7, 2, 39), ("SL304", 7, 3, 14)]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """training_mistakes.py (SL311 with a safe fix, SL201 without one, SL202 safe),
    dense_into_conv.py (SL101, an unsafe fix), a clean file and a notebook; the working
    folder is the project."""
    for name in ("training_mistakes.py", "dense_into_conv.py", "mnist_cnn.py"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    write_notebook(tmp_path / "train.ipynb")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["check", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# -- full ------------------------------------------------------------------------------------


def test_full_is_the_default_with_snippet_fix_and_marker(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "training_mistakes.py")
    assert status == 1
    assert err == "Found 3 findings in 1 file.\n"
    blocks = out.split("\n\n")
    assert blocks[-1] == ""
    first = blocks[0].splitlines()
    assert first[0].startswith("training_mistakes.py:11:38: SL311 [*] warning: "
                               "categorical_crossentropy over the model's single output unit")
    assert first[1:] == [
        "   |",
        "10 | ])",
        '11 | model.compile(optimizer="adam", loss="categorical_crossentropy")',
        "   | " + " " * 37 + "^" * 26 + " SL311",
        "12 |",
        "   |",
        "   = help: Use binary_crossentropy",
    ]
    # The marked range is the loss string, exactly.
    caret_line = next(line for line in first if "^" in line)
    source_line = first[first.index(caret_line) - 1]
    start = caret_line.index("^")
    assert source_line[start:start + caret_line.count("^")] == '"categorical_crossentropy"'
    # No fix: no help line and no marker.
    second = blocks[1].splitlines()
    assert second[0].startswith("training_mistakes.py:15:11: SL201 error: fit: x has shape")
    assert not any("= help" in line for line in second)


def test_full_unsafe_fix_is_not_marked_and_says_how_to_apply_it(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "dense_into_conv.py")
    header, *rest = out.splitlines()
    assert header.startswith("dense_into_conv.py:8:5: SL101 error: Conv2D expects")
    assert "[*]" not in header
    assert rest[-2].endswith("(unsafe: applied with --fix --unsafe-fixes)")
    assert rest[-2].lstrip().startswith("= help: Insert Reshape((8, 16, 1))")


def test_full_marks_every_line_of_a_multiline_range(tmp_path: Path, monkeypatch:
                                                     pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.py").write_text(
        "import keras\nfrom keras import layers\nmodel = keras.Sequential([\n"
        "    layers.Dense(128, input_shape=(784,)),\n"
        "    layers.Conv2D(\n        32,\n        3),\n])\n")
    _, out, _ = run(capsys, "--output-format", "full", "m.py")
    lines = out.splitlines()
    assert lines[0].startswith("m.py:5:5: SL101")
    assert lines[1:10] == [
        "  |",
        "4 |     layers.Dense(128, input_shape=(784,)),",
        "5 |     layers.Conv2D(",
        "  |     ^^^^^^^^^^^^^^",
        "6 |         32,",
        "  |         ^^^",
        "7 |         3),",
        "  |         ^^ SL101",
        "8 | ])",
    ]


def test_full_in_a_notebook_shows_the_cell_lines(project: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "train.ipynb")
    blocks = [block.splitlines() for block in out.split("\n\n") if block]
    assert [block[0].split(" SL")[0] for block in blocks] == [
        "train.ipynb:cell 7:2:39:", "train.ipynb:cell 7:3:14:"]
    assert blocks[0][3] == ('2 | binary.compile(optimizer="adam", '
                            'loss="categorical_crossentropy")')
    assert blocks[0][4].startswith("  |" + " " * 39 + "^")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_full_colour_only_on_a_terminal_and_never_with_no_color(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from shape_engine import presenters
    from shape_engine.cli import _result

    result = _result("training_mistakes.py", (project / "training_mistakes.py").read_bytes(),
                     None, True, frozenset())
    for stream, env, coloured in ((Terminal(), {}, True), (io.StringIO(), {}, False),
                                  (Terminal(), {"NO_COLOR": "1"}, False),
                                  (io.StringIO(), {"FORCE_COLOR": "1"}, True),
                                  (Terminal(), {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False)):
        monkeypatch.delenv("NO_COLOR", raising=False)
        monkeypatch.delenv("FORCE_COLOR", raising=False)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        presenters.presenter("full")([result], stream)
        text = stream.getvalue()
        assert ("\x1b[" in text) is coloured, env
        if coloured:  # the same text once the escapes are gone
            import re

            plain = io.StringIO()
            monkeypatch.delenv("FORCE_COLOR", raising=False)
            presenters.presenter("full")([result], plain)
            assert re.sub(r"\x1b\[[0-9;]*m", "", text) == plain.getvalue()


# -- concise and the --format alias -----------------------------------------------------------


def test_concise_is_one_line_per_finding_and_format_text_is_its_alias(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, concise, err = run(capsys, "--output-format", "concise", "training_mistakes.py")
    assert status == 1 and err == "Found 3 findings in 1 file.\n"
    assert [line.split(" ", 2)[:2] for line in concise.splitlines()] == [
        ["training_mistakes.py:11:38:", "SL311"], ["training_mistakes.py:15:11:", "SL201"],
        ["training_mistakes.py:18:15:", "SL202"]]
    assert run(capsys, "--format", "text", "training_mistakes.py")[1] == concise
    assert run(capsys, "--format", "text", "--output-format", "concise",
               "training_mistakes.py")[1] == concise


def test_format_and_output_format_that_disagree_are_a_usage_error(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "--format", "json", "--output-format", "sarif",
                           "training_mistakes.py")
    assert (status, out) == (2, "")
    assert "--format json and --output-format sarif disagree" in err


def test_format_json_is_output_format_json(project: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert (run(capsys, "--format", "json", "training_mistakes.py")[1]
            == run(capsys, "--output-format", "json", "training_mistakes.py")[1])


def test_unknown_output_format_is_a_usage_error(project: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "--output-format", "pylint", "training_mistakes.py")
    assert status == 2 and "invalid choice: 'pylint'" in err


# -- json and json-lines ----------------------------------------------------------------------


def test_json_lines_is_json_one_object_per_line(project: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    _, whole, _ = run(capsys, "--output-format", "json", ".")
    status, lines, err = run(capsys, "--output-format", "json-lines", ".")
    assert status == 1 and err == ""
    rows = [json.loads(line) for line in lines.splitlines()]
    assert rows == json.loads(whole)
    assert [(row["filename"], row["code"]) for row in rows] == [
        ("dense_into_conv.py", "SL101"), ("train.ipynb", "SL311"), ("train.ipynb", "SL304"),
        ("training_mistakes.py", "SL311"), ("training_mistakes.py", "SL201"),
        ("training_mistakes.py", "SL202")]
    assert [row.get("cell") for row in rows if row["filename"] == "train.ipynb"] == [7, 7]
    assert rows[3]["fix"]["message"] == "Use binary_crossentropy"


# -- github ------------------------------------------------------------------------------------


def test_github_annotations(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "--output-format", "github", "training_mistakes.py",
                           "dense_into_conv.py")
    assert status == 1 and err == ""
    lines = out.splitlines()
    assert lines[0] == (
        "::warning title=Shapelens (SL311),file=training_mistakes.py,line=11,col=38,"
        "endLine=11,endColumn=64::SL311 categorical_crossentropy over the model's single output "
        "unit (None, 1): the loss is always 0.0 and the model learns nothing; use "
        "binary_crossentropy")
    assert lines[1].startswith("::error title=Shapelens (SL201),file=training_mistakes.py,"
                               "line=15,col=11,endLine=15,endColumn=12::SL201 fit: x has")
    assert len(lines) == 4
    assert lines[3].startswith("::error title=Shapelens (SL101),file=dense_into_conv.py,line=8,")


def test_github_escapes_what_the_runner_would_read_as_syntax(
        tmp_path: Path) -> None:
    from shape_engine.presenters.github import _escape_data, _escape_property

    assert _escape_data("100% a\nb\r") == "100%25 a%0Ab%0D"
    assert _escape_property("a:b,c%") == "a%3Ab%2Cc%25"


def test_github_in_a_notebook_points_at_the_json_line(project: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    _, out, _ = run(capsys, "--output-format", "github", "train.ipynb")
    text = (project / "train.ipynb").read_text().splitlines()
    for line, (code, cell, row, _) in zip(out.splitlines(), NOTEBOOK_FINDINGS, strict=True):
        properties, message = line.split("::")[1:3]
        assert message.startswith(f"cell {cell}, line {row}: {code} ")
        file_line = int(properties.rsplit("line=", 1)[1])
        assert "col=" not in properties
        # That line of the JSON holds the cell's line.
        holding = ["binary.compile(", "model.fit("][row - 2]
        assert holding in text[file_line - 1]


# -- gitlab ------------------------------------------------------------------------------------


def test_gitlab_code_quality(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "--output-format", "gitlab", str(project))
    assert status == 1 and err == ""
    issues = json.loads(out)
    assert len(issues) == 6
    first = next(i for i in issues if i["location"]["path"] == "training_mistakes.py")
    assert first["check_name"] == "SL311"
    assert first["severity"] == "minor"  # a warning
    assert next(i for i in issues if i["check_name"] == "SL101")["severity"] == "major"
    assert first["location"]["lines"] == {"begin": 11, "end": 11}
    assert first["description"].startswith("SL311 ")
    assert all(set(i) >= {"description", "check_name", "fingerprint", "severity", "location"}
               for i in issues)
    assert all(not Path(i["location"]["path"]).is_absolute() for i in issues)
    # Fingerprints are unique and do not move with the code.
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    source = project / "training_mistakes.py"
    source.write_text("\n\n" + source.read_text())
    moved = json.loads(run(capsys, "--output-format", "gitlab", str(project))[1])
    assert {i["fingerprint"] for i in moved} == {i["fingerprint"] for i in issues}
    assert next(i for i in moved if i["check_name"] == "SL311"
                and i["location"]["path"] == "training_mistakes.py"
                )["location"]["lines"]["begin"] == 13


def test_gitlab_in_a_notebook(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    issues = json.loads(run(capsys, "--output-format", "gitlab", "train.ipynb")[1])
    assert [i["description"].split(":")[0] for i in issues] == [
        "SL311 cell 7, line 2", "SL304 cell 7, line 3"]
    text = (project / "train.ipynb").read_text().splitlines()
    assert "binary.compile(" in text[issues[0]["location"]["lines"]["begin"] - 1]


# -- sarif -------------------------------------------------------------------------------------


def sarif_schema() -> dict[str, object]:
    data = SARIF_SCHEMA.read_bytes()
    assert hashlib.sha256(data).hexdigest() == SARIF_SCHEMA_SHA256  # the file README names
    schema: dict[str, object] = json.loads(data)
    return schema


def test_sarif_is_valid_against_the_2_1_0_schema(project: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "--output-format", "sarif", ".")
    assert status == 1 and err == ""
    log = json.loads(out)
    jsonschema.Draft7Validator(sarif_schema()).validate(log)
    assert log["version"] == "2.1.0"
    run_ = log["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == ["SL101", "SL201", "SL202", "SL304", "SL311"]
    assert rules[0]["name"] == "incompatible-input-rank"
    results = run_["results"]
    assert len(results) == 6
    for result in results:  # what GitHub code scanning needs of each result
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] in {
            "dense_into_conv.py", "train.ipynb", "training_mistakes.py"}
        assert location["region"]["startLine"] >= 1
    sl311 = next(r for r in results if r["ruleId"] == "SL311"
                 and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                 == "training_mistakes.py")
    assert sl311["level"] == "warning"
    assert sl311["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 11, "startColumn": 38, "endLine": 11, "endColumn": 64}
    assert sl311["fixes"][0]["description"]["text"] == "Use binary_crossentropy"
    in_cell = [r for r in results if "properties" in r]
    assert [(r["properties"]["cell"], r["properties"]["row"], r["properties"]["column"])
            for r in in_cell] == [(7, 2, 39), (7, 3, 14)]
    assert in_cell[0]["message"]["text"].startswith("cell 7, line 2: ")


def test_sarif_with_no_findings_is_valid(project: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--output-format", "sarif", "mnist_cnn.py")
    assert status == 0
    log = json.loads(out)
    jsonschema.Draft7Validator(sarif_schema()).validate(log)
    assert log["runs"][0]["results"] == []


def test_the_schema_rejects_a_broken_log() -> None:
    """The validation can fail: a result without its message is refused."""
    broken = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
                                            "results": [{"ruleId": "SL101"}]}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(sarif_schema()).validate(broken)


# -- junit -------------------------------------------------------------------------------------


def test_junit_xml(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "--output-format", "junit", "training_mistakes.py",
                           "mnist_cnn.py", "train.ipynb")
    assert status == 1 and err == ""
    root = ElementTree.fromstring(out.split("\n", 1)[1])
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures")) == ("6", "5")
    suites = {suite.get("name"): suite for suite in root}
    assert list(suites) == ["training_mistakes.py", "mnist_cnn.py", "train.ipynb"]
    clean = suites["mnist_cnn.py"]
    assert clean.get("failures") == "0" and len(clean) == 1 and not list(clean[0])
    cases = list(suites["training_mistakes.py"])
    assert [case.get("name") for case in cases] == [
        "SL311 at 11:38", "SL201 at 15:11", "SL202 at 18:15"]
    failure = cases[0].find("failure")
    assert failure is not None and failure.get("type") == "SL311"
    assert [case.get("name") for case in suites["train.ipynb"]] == [
        "SL311 at cell 7:2:39", "SL304 at cell 7:3:14"]


# -- statistics ----------------------------------------------------------------------------


def test_statistics(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "again.py").write_text((project / "training_mistakes.py").read_text())
    status, out, _ = run(capsys, "--statistics", ".")
    assert status == 1
    rows = [line.split("\t") for line in out.splitlines()]
    assert [(count, code) for count, code, _ in rows] == [
        ("3", "SL311"), ("2", "SL201"), ("2", "SL202"), ("1", "SL101"), ("1", "SL304")]
    names = {code: name for _, code, name in rows}
    assert names["SL201"] == "    " + _rule_name("SL201")
    assert names["SL101"] == "    " + _rule_name("SL101")  # its fix is unsafe
    assert names["SL202"] == "[*] " + _rule_name("SL202")
    status, out, _ = run(capsys, "--statistics", "--output-format", "json", ".")
    assert json.loads(out) == [
        {"code": "SL311", "name": "categorical-loss-one-unit", "count": 3, "fixable": True},
        {"code": "SL201", "name": "data-input-mismatch", "count": 2, "fixable": False},
        {"code": "SL202", "name": "missing-batch-axis", "count": 2, "fixable": True},
        {"code": "SL101", "name": "incompatible-input-rank", "count": 1, "fixable": False},
        {"code": "SL304", "name": "per-step-output-per-sample-labels", "count": 1,
         "fixable": False}]


def _rule_name(code: str) -> str:
    from shape_engine.rule_registry import rule_for

    rule = rule_for(code)
    assert rule is not None
    return rule.name


def test_files_that_cannot_be_read_as_python_or_notebooks_in_every_format(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """SL001 and SL003 are at a place in the file itself: each format points there."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "syn.py").write_text("x = (\n")
    (tmp_path / "bad.ipynb").write_text('{"cells": [')
    _, out, _ = run(capsys, "syn.py", "bad.ipynb")
    assert out.split("\n\n")[:2] == [
        "syn.py:1:5: SL001 error: Syntax error: '(' was never closed\n  |\n1 | x = (\n"
        "  |     ^ SL001\n2 |\n  |",
        "bad.ipynb:1:12: SL003 error: The notebook is not valid JSON: Expecting value\n"
        '  |\n1 | {"cells": [\n  |            ^ SL003\n  |']
    log = json.loads(run(capsys, "--output-format", "sarif", "syn.py", "bad.ipynb")[1])
    jsonschema.Draft7Validator(sarif_schema()).validate(log)
    assert [r["locations"][0]["physicalLocation"]["region"]["startColumn"]
            for r in log["runs"][0]["results"]] == [5, 12]
    github = run(capsys, "--output-format", "github", "syn.py", "bad.ipynb")[1].splitlines()
    assert [line.split("::")[1].split(",")[1:3] for line in github] == [
        ["file=syn.py", "line=1"], ["file=bad.ipynb", "line=1"]]


def test_full_cuts_a_long_range(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    arguments = "".join(f"        {name}=None,\n" for name in "abcdefgh")
    (tmp_path / "m.py").write_text(
        "import keras\nfrom keras import layers\nmodel = keras.Sequential([\n"
        "    layers.Dense(128, input_shape=(784,)),\n"
        f"    layers.Conv2D(\n        32,\n        3,\n{arguments}    ),\n])\n")
    _, out, _ = run(capsys, "m.py")
    lines = out.split("\n\n")[0].splitlines()
    assert lines[0].startswith("m.py:5:5: SL101 ")
    rows = [line.split("|")[0].strip() for line in lines[1:]]
    # One line of context, the first six lines of the range, then `...`.
    assert rows[:14] == ["", "4", "5", "", "6", "", "7", "", "8", "", "9", "", "10", ""]
    assert lines[14].endswith("^ SL101")
    assert lines[15:] == ["   : ...", "   |", "   = help: " + lines[-1].split("= help: ")[1]]


def test_full_shows_no_source_of_a_file_too_large_to_read(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--max-file-size", "100", "training_mistakes.py")
    assert status == 0  # SL004 is information
    size = (project / "training_mistakes.py").stat().st_size
    assert out.splitlines() == [
        f"training_mistakes.py:1:1: SL004 info: The file is {size} bytes, larger than the 100 "
        "bytes Shapelens analyses (max-file-size): it is not checked", ""]
