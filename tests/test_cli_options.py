"""`shapelens check` options as ruff users expect them: no path, stdin, `--version`,
`shapelens rule`, and the options that cannot be combined."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from shape_engine.cli import main
from shape_engine.docs import RULES_PAGE
from shape_engine.version import version
from tests.test_cli_notebook import notebook

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
BROKEN = (EXAMPLES / "dense_into_conv.py").read_bytes()


def feed(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def test_no_path_checks_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "broken.py").write_bytes(BROKEN)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--output-format", "concise"]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("sub/broken.py:8:5: SL101 ")
    assert captured.err == "Found 1 finding in 1 file.\n"
    monkeypatch.chdir(tmp_path / "sub")
    (tmp_path / "sub" / "broken.py").unlink()
    assert main(["check"]) == 0
    assert capsys.readouterr().err == "No shape problems found in 0 files.\n"


def test_stdin_with_a_filename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    feed(monkeypatch, BROKEN)
    name = str(tmp_path / "model.py")  # need not exist
    assert main(["check", "--output-format", "json", "-", "--stdin-filename", name]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert [(row["filename"], row["code"], row["location"]) for row in rows] == [
        (name, "SL101", {"row": 8, "column": 5})]


def test_stdin_without_a_filename_is_named_dash(monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    feed(monkeypatch, BROKEN)
    assert main(["check", "--output-format", "concise", "-"]) == 1
    assert capsys.readouterr().out.startswith("-:8:5: SL101 ")
    feed(monkeypatch, b"import keras\nmodel = keras.Sequential([keras.Input((4,))])\n")
    assert main(["check", "-"]) == 0
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "No shape problems found in 1 file.\n")


def test_stdin_named_as_a_notebook_is_read_as_one(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    feed(monkeypatch, json.dumps(notebook()).encode())
    assert main(["check", "--output-format", "concise", "-", "--stdin-filename",
                 "nb/train.ipynb"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert [line.split(" ")[:3] for line in out] == [
        ["nb/train.ipynb:cell", "7:2:39:", "SL311"], ["nb/train.ipynb:cell", "7:3:14:", "SL304"]]


@pytest.mark.parametrize(("args", "message"), [
    (["-", "x.py"], "`-` (stdin) cannot be combined with other paths"),
    (["--stdin-filename", "x.py", "."], "--stdin-filename names the source read from `-`"),
    (["--fix", "-"], "--fix and --diff change files: they do not read stdin"),
    (["--diff", "-"], "--fix and --diff change files: they do not read stdin"),
    (["--fix", "--output-format", "sarif", "."], "--fix reports the findings it leaves"),
    (["--diff", "--output-format", "github", "."], "--fix reports the findings it leaves"),
])
def test_options_that_cannot_be_combined(args: list[str], message: str, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.py").write_bytes(BROKEN)
    feed(monkeypatch, BROKEN)
    assert main(["check", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("shapelens: " + message)
    assert (tmp_path / "x.py").read_bytes() == BROKEN


def test_fix_keeps_full_concise_and_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(EXAMPLES / "training_mistakes.py", tmp_path / "t.py")
    assert main(["check", "--fix", "--output-format", "json", "t.py"]) == 1
    assert [row["code"] for row in json.loads(capsys.readouterr().out)] == ["SL201"]
    assert "binary_crossentropy" in (tmp_path / "t.py").read_text()


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"shapelens {version()}\n"
    assert main(["version"]) == 0
    assert capsys.readouterr().out == f"shapelens {version()}\n"
    from importlib import metadata

    assert version() == metadata.version("shapelens")


def test_version_from_the_entry_point() -> None:
    result = subprocess.run([sys.executable, "-m", "shape_engine", "--version"],
                            capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout) == (0, f"shapelens {version()}\n")


def test_rule_prints_its_page(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rule", "SL201"]) == 0
    page = capsys.readouterr().out
    assert page.startswith("## SL201\n\n**data-input-mismatch** (error)\n\n")
    # The same text as the rules page's section.
    section = RULES_PAGE.read_text().split("## SL201\n", 1)[1].split("\n## ", 1)[0]
    assert page == "## SL201\n" + section.rstrip("\n") + "\n"
    for key in ("sl201", "data-input-mismatch", " SL201 "):
        assert main(["rule", key]) == 0
        assert capsys.readouterr().out == page


def test_rule_all_is_the_rules_page(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rule", "--all"]) == 0
    assert capsys.readouterr().out == RULES_PAGE.read_text()


@pytest.mark.parametrize(("args", "message"), [
    (["rule", "SL999"], "shapelens: rule: no rule 'SL999' (`shapelens rule --all` lists them)"),
    (["rule"], "shapelens: rule: give a code (SL201) or a name, or --all"),
])
def test_rule_usage_errors(args: list[str], message: str,
                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 2
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", message + "\n")


def test_stdin_past_the_size_limit_is_not_analysed(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    feed(monkeypatch, BROKEN)
    assert main(["check", "--output-format", "json", "--max-file-size", "100", "-"]) == 0  # info
    rows = json.loads(capsys.readouterr().out)
    assert [row["code"] for row in rows] == ["SL004"]
    assert "larger than the 100 bytes" in rows[0]["message"]
    feed(monkeypatch, BROKEN)
    assert main(["check", "--output-format", "json", "--max-file-size", "0", "-"]) == 1
    assert [row["code"] for row in json.loads(capsys.readouterr().out)] == ["SL101"]
