"""The `shapelens` command line: formats, exit status, discovery, and no heavy imports."""

from __future__ import annotations

import json
import os
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
    status = main(["check", "--output-format", "concise", str(project)])
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
    assert main(["check", "--output-format", "concise", str(project / "clean.py")]) == 0
    assert capsys.readouterr().out == ""


def test_missing_path_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    assert main(["check", "--output-format", "concise", str(tmp_path / "nope.py")]) == 2
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
    assert main(["check", "--output-format", "concise", str(tmp_path)]) == 0


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
                                  "params": 10, "inputs": [0]}
    assert model["layers"][0]["inputs"] == []


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
    assert main(["check", "--output-format", "concise", str(tmp_path / "bad.py")]) == 1
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "SL001" in out


def test_non_utf8_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "latin.py").write_bytes(b"# caf\xe9\n" + BROKEN.encode())
    assert main(["check", "--output-format", "concise", str(tmp_path / "latin.py")]) == 1
    lines = capsys.readouterr().out.splitlines()
    codes = [line.split(": ", 1)[1].split()[0] for line in lines]
    assert codes == ["SL002", "SL101"]
    assert lines[0].split(":")[1:3] == ["1", "6"]  # at the byte, not at 1:1


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


# -- files that cannot be read -----------------------------------------------------------------


@pytest.fixture
def tree_with_broken_link(tmp_path: Path) -> Path:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "a_broken.py").write_text(BROKEN)
    (pkg / "broken.py").symlink_to(tmp_path / "nowhere.py")
    (pkg / "z_clean.py").write_text(CLEAN)
    return pkg


def test_an_unreadable_file_in_a_folder_does_not_stop_the_run(
        tree_with_broken_link: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--output-format", "concise", str(tree_with_broken_link)]) == 2
    captured = capsys.readouterr()
    assert [Path(line.split(":")[0]).name for line in captured.out.splitlines()] == [
        "a_broken.py"]
    err = captured.err.splitlines()
    assert err[0] == f"shapelens: {tree_with_broken_link / 'broken.py'}: No such file or directory"
    assert err[1] == "Found 1 finding in 2 files; 1 path could not be read."


def test_an_unreadable_file_in_a_folder_json(tree_with_broken_link: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--format", "json", str(tree_with_broken_link)]) == 2
    captured = capsys.readouterr()
    assert [row["code"] for row in json.loads(captured.out)] == ["SL101"]
    assert captured.err.count("\n") == 1 and "broken.py: No such file" in captured.err


def test_an_unreadable_file_in_a_folder_with_diff(tree_with_broken_link: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--diff", str(tree_with_broken_link)]) == 2
    assert "broken.py: No such file or directory" in capsys.readouterr().err


def test_shapes_goes_on_past_an_unreadable_file(tree_with_broken_link: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["shapes", str(tree_with_broken_link)]) == 2
    captured = capsys.readouterr()
    assert captured.out.count("Model: ") == 2
    assert captured.err.count("\n") == 1 and "broken.py: No such file" in captured.err
    assert main(["shapes", "--format", "json", str(tree_with_broken_link)]) == 2
    entries = json.loads(capsys.readouterr().out)
    assert [Path(e["filename"]).name for e in entries] == ["a_broken.py", "z_clean.py"]


def test_a_named_unreadable_file_is_a_usage_error(tree_with_broken_link: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("check", "shapes"):
        assert main([command, str(tree_with_broken_link / "z_clean.py"),
                     str(tree_with_broken_link / "broken.py")]) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err.count("\n") == 1 and "broken.py: no such file" in captured.err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
def test_a_fifo_in_a_folder_is_skipped_not_read(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    os.mkfifo(tmp_path / "pipe.py")  # reading it would block forever
    (tmp_path / "m.py").write_text(BROKEN)
    assert main(["check", "--output-format", "concise", str(tmp_path)]) == 1
    assert "Found 1 finding in 1 file." in capsys.readouterr().err


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root lists a folder without read permission")
def test_an_unlistable_folder_is_reported_and_skipped(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "m.py").write_text(BROKEN)
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "x.py").write_text(BROKEN)
    locked.chmod(0)
    try:
        assert main(["check", "--output-format", "concise", str(tmp_path)]) == 2
    finally:
        locked.chmod(0o755)
    captured = capsys.readouterr()
    assert captured.out.count("SL101") == 1
    assert "locked: Permission denied" in captured.err


# -- discovery -----------------------------------------------------------------------------------


def test_a_folder_named_env_is_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    (tmp_path / "env").mkdir()
    (tmp_path / "env" / "model.py").write_text(BROKEN)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "env").mkdir()
    (tmp_path / "other" / "env" / "pyvenv.cfg").write_text("home = /usr\n")
    (tmp_path / "other" / "env" / "ignored.py").write_text(BROKEN)
    for skipped in ("build", "dist"):
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "ignored.py").write_text(BROKEN)
    assert main(["check", "--output-format", "concise", str(tmp_path)]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    assert Path(line.split(":")[0]) == tmp_path / "env" / "model.py"


# -- shapes: files that do not parse, names, the input row ---------------------------------------

NESTED = textwrap.dedent("""\
    import keras
    from keras import layers
    model = keras.Sequential([
        keras.Input((8,)),
        layers.Dense(4),
        keras.Sequential([layers.Dense(3), layers.Dense(2)]),
        keras.Sequential([layers.Dense(3)], name="head"),
        keras.Sequential([layers.Dense(3)]),
    ])
    """)


def test_shapes_of_a_file_that_does_not_parse(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import keras\nmodel = keras.Sequential([\n")
    (tmp_path / "clean.py").write_text(CLEAN)
    assert main(["shapes", str(bad), str(tmp_path / "clean.py")]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (f"{bad}:2:26: SL001 Syntax error: '[' was never closed "
                                   "(no models shown)")
    assert 'Model: "model"' in out
    assert main(["shapes", "--format", "json", str(bad), str(tmp_path / "clean.py")]) == 1
    bad_entry, clean_entry = json.loads(capsys.readouterr().out)
    assert bad_entry == {"filename": str(bad), "models": [],
                         "error": "Syntax error: '[' was never closed",
                         "location": {"row": 2, "column": 26}}
    assert set(clean_entry) == {"filename", "models"}


def test_shapes_names_unnamed_models_as_keras_does(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Keras names the nested models `sequential` and `sequential_1` (the outer one, created
    after them, would be `sequential_2`; it is shown by its variable)."""
    (tmp_path / "m.py").write_text(NESTED)
    assert main(["shapes", "--format", "json", str(tmp_path / "m.py")]) == 0
    (entry,) = json.loads(capsys.readouterr().out)
    assert [(m["name"], m["row"]) for m in entry["models"]] == [
        ("sequential", 6), ("head", 7), ("sequential_1", 8), ("model", 3)]
    main(["shapes", str(tmp_path / "m.py")])
    headers = [line.split(" (")[0] for line in capsys.readouterr().out.splitlines()
               if line.startswith("Model: ")]
    assert headers == ['Model: "sequential"', 'Model: "head"', 'Model: "sequential_1"',
                       'Model: "model"']


def test_shapes_table_leaves_out_the_input_layer_as_keras_does(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "m.py").write_text(
        "import keras\n"
        "a = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n"
        "b = keras.Sequential([keras.layers.InputLayer((4,)), keras.layers.Dense(3)])\n")
    main(["shapes", str(tmp_path / "m.py")])
    tables = capsys.readouterr().out.split("\n\n")
    for table, dense in zip(tables, ("Dense(2)", "Dense(3)"), strict=False):
        body = table.splitlines()[4:-2]  # between the header rule and the closing rule
        assert [row.split()[0] for row in body] == [dense], table
    assert "Input" not in tables[0] + tables[1]
    main(["shapes", "--format", "json", str(tmp_path / "m.py")])
    (entry,) = json.loads(capsys.readouterr().out)
    assert [layer["layer"] for layer in entry["models"][0]["layers"]] == [
        "Input((4,))", "Dense(2)"]


def test_a_reader_that_leaves_early_gets_no_traceback(tmp_path: Path) -> None:
    # More output than a pipe holds, so the writer is still writing when the reader leaves.
    model = "m{0} = keras.Sequential([keras.Input((8,)), keras.layers.Dense({0} + 1)])\n"
    many = tmp_path / "many.py"
    many.write_text("import keras\n" + "".join(model.format(i) for i in range(600)))
    process = subprocess.Popen([sys.executable, "-m", "shape_engine", "shapes", str(many)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline().startswith(b"Model:")
    process.stdout.close()
    errors = process.stderr.read().decode()
    assert process.wait(timeout=60) == 1
    assert errors == ""


LEGACY_EMBEDDING = textwrap.dedent("""\
    from tensorflow import keras
    from tensorflow.keras import layers
    model = keras.Sequential([layers.Embedding(100, 8, input_length=5), layers.Flatten(),
                              layers.Dense(1)])
    """)


def test_keras_version_2_on_the_command_line(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """tf.keras 2 builds this model (tests/checks/test_keras_versions.py asks it); Keras 3
    ignores input_length. `shapes` follows the same version."""
    path = tmp_path / "legacy.py"
    path.write_text(LEGACY_EMBEDDING)
    assert main(["check", str(path)]) == 1
    assert "SL401" in capsys.readouterr().out
    assert main(["check", "--keras-version", "2", str(path)]) == 0
    assert capsys.readouterr().out == ""
    assert main(["shapes", "--keras-version", "2", "--format", "json", str(path)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown[0]["models"][0]["output_shape"] == [None, 1]
    assert main(["shapes", "--format", "json", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)[0]["models"][0]["output_shape"] is None


def test_an_unknown_keras_version_is_a_usage_error(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "legacy.py"
    path.write_text(LEGACY_EMBEDDING)
    assert main(["check", "--keras-version", "1", str(path)]) == 2
    assert "--keras-version" in capsys.readouterr().err


def test_keras_version_from_the_configuration(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """`keras-version = "2"` in [tool.shapelens] applies to the files below it; the command
    line's --keras-version wins."""
    (tmp_path / "pyproject.toml").write_text('[tool.shapelens]\nkeras-version = "2"\n')
    path = tmp_path / "legacy.py"
    path.write_text(LEGACY_EMBEDDING)
    assert main(["check", str(path)]) == 0
    assert main(["check", "--keras-version", "3", str(path)]) == 1
    assert "SL401" in capsys.readouterr().out
    assert main(["shapes", "--format", "json", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)[0]["models"][0]["output_shape"] == [None, 1]
