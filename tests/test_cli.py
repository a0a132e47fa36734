"""The `shapelens` command line: formats, exit status, discovery, and no heavy imports."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from shape_engine.cli import main

BROKEN = textwrap.dedent("""\
    import keras
    from keras import layers
    model = keras.Sequential([
        layers.Dense(128, input_shape=(784,)),
        layers.Conv2D(32, 3),
    ])
    """)
CLEAN = textwrap.dedent("""\
    import keras
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    """)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "broken.py").write_text(BROKEN)
    (tmp_path / "clean.py").write_text(CLEAN)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "also_broken.py").write_text(BROKEN)
    for skipped in (".hidden", "venv", "node_modules"):
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "ignored.py").write_text(BROKEN)
    (tmp_path / "myenv").mkdir()
    (tmp_path / "myenv" / "pyvenv.cfg").write_text("home = /usr\n")
    (tmp_path / "myenv" / "ignored.py").write_text(BROKEN)
    return tmp_path


def test_text_output_one_line_per_finding(project: Path, capsys: pytest.CaptureFixture[str]
                                          ) -> None:
    status = main(["check", str(project)])
    out = capsys.readouterr().out.splitlines()
    assert status == 1
    assert len(out) == 2
    path, row, column, rest = out[0].split(":", 3)
    assert Path(path).name == "broken.py"
    assert (row, column) == ("5", "5")
    assert rest.startswith(" SL101 Conv2D expects a 4-D input")
    assert "Dense(128, ...) outputs (None, 128)" in rest or "outputs (None, 128)" in rest
    assert "also_broken.py" in out[1]


def test_json_output_fields(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["check", "--format", "json", str(project / "broken.py")])
    rows = json.loads(capsys.readouterr().out)
    assert status == 1
    assert len(rows) == 1
    row = rows[0]
    assert set(row) >= {"filename", "code", "severity", "message", "location", "end_location",
                        "fix"}
    assert row["code"] == "SL101"
    assert row["severity"] == "error"
    assert row["location"] == {"row": 5, "column": 5}
    assert row["end_location"] == {"row": 5, "column": 25}


def test_clean_file_exits_zero(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(project / "clean.py")]) == 0
    assert capsys.readouterr().out == ""


def test_missing_path_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    assert main(["check", str(tmp_path / "nope.py")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such file or directory" in err


def test_bad_usage_exits_two(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--format", "xml", "x.py"]) == 2
    assert main([]) == 2


def test_unreadable_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                          ) -> None:
    folder = tmp_path / "dir.py"
    folder.mkdir()  # a folder with a .py name, passed inside a folder walk, is not a file
    (tmp_path / "ok.py").write_text(CLEAN)
    assert main(["check", str(tmp_path)]) == 0


def test_shapes_json(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["shapes", "--format", "json", str(project / "clean.py")]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    (model,) = entry["models"]
    assert model["name"] == "model"
    assert model["input_shape"] == [None, 4]
    assert model["output_shape"] == [None, 2]
    assert model["total_params"] == 10
    assert [layer["output_shape"] for layer in model["layers"]] == [[None, 4], [None, 2]]
    assert model["layers"][1] == {"layer": "Dense(2)", "row": 2, "column": 46,
                                  "input_shape": [None, 4], "output_shape": [None, 2],
                                  "params": 10}


def test_shapes_json_unknown_shape_is_null(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    (tmp_path / "m.py").write_text("import keras\nm = keras.Sequential([keras.layers.Dense(2)])\n")
    main(["shapes", "--format", "json", str(tmp_path / "m.py")])
    (entry,) = json.loads(capsys.readouterr().out)
    assert entry["models"][0]["output_shape"] is None
    assert entry["models"][0]["layers"][0]["params"] is None


def test_shapes_text_table(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["shapes", str(project / "clean.py")])
    out = capsys.readouterr().out
    assert 'Model: "model"' in out
    assert "Dense(2)" in out and "(None, 2)" in out
    assert "Total params: 10" in out


def test_syntax_error_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bad.py").write_text("import keras\nmodel = keras.Sequential([\n")
    assert main(["check", str(tmp_path / "bad.py")]) == 1
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "SL001" in out


def test_non_utf8_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "latin.py").write_bytes(b"# caf\xe9\n" + BROKEN.encode())
    assert main(["check", str(tmp_path / "latin.py")]) == 1
    codes = [line.split(": ", 1)[1].split()[0] for line in capsys.readouterr().out.splitlines()]
    assert codes == ["SL002", "SL101"]


def test_check_imports_neither_tensorflow_nor_numpy(project: Path) -> None:
    probe = ("import sys\nfrom shape_engine.cli import main\n"
             f"main(['check', {str(project)!r}])\n"
             "heavy = [m for m in ('tensorflow', 'numpy', 'keras', 'jedi', 'pygls') "
             "if m in sys.modules]\n"
             "print('HEAVY', heavy, file=sys.stderr)\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=False)
    assert "HEAVY []" in result.stderr, result.stderr


def test_entry_point_runs(project: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "shape_engine", "check",
                             str(project / "clean.py")], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stderr
