"""`shapelens check --fix / --unsafe-fixes / --diff` and the fixes in JSON output."""

from __future__ import annotations

import ast
import codecs
import json
import textwrap
from pathlib import Path

import pytest

from shape_engine import analyze_source
from shape_engine.cli import main
from shape_engine.findings import Edit, Position, Range
from shape_engine.fixes import apply_edits

# One safe fix (the loss over one unit) and one unsafe fix (Flatten before the head).
PROGRAM = textwrap.dedent("""\
    import numpy as np
    import keras
    from keras import layers

    binary = keras.Sequential([keras.Input((4,)), layers.Dense(1, activation="sigmoid")])
    binary.compile(optimizer="adam", loss="categorical_crossentropy")

    images = keras.Sequential([
        layers.Dense(64, input_shape=(28, 28), activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    images.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    images.fit(np.random.rand(32, 28, 28), np.random.randint(0, 10, 32), epochs=1, verbose=0)
    """)
SAFE_FIXED = PROGRAM.replace('loss="categorical_crossentropy"', 'loss="binary_crossentropy"')
ALL_FIXED = SAFE_FIXED.replace(
    '    layers.Dense(64, input_shape=(28, 28), activation="relu"),\n',
    '    layers.Flatten(input_shape=(28, 28)),\n'
    '    layers.Dense(64, activation="relu"),\n')


@pytest.fixture
def program(tmp_path: Path) -> Path:
    path = tmp_path / "train.py"
    path.write_text(PROGRAM)
    return path


def test_fix_applies_safe_fixes_only(program: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["check", "--fix", str(program)])
    captured = capsys.readouterr()
    assert program.read_text() == SAFE_FIXED
    assert status == 1  # the unsafe one is left
    assert "SL304" in captured.out and "SL311" not in captured.out
    assert "Fixed SL311: Use binary_crossentropy" in captured.err
    assert "Fixed 1 finding in 1 file; 1 remaining." in captured.err


def test_unsafe_fixes_apply_the_rest(program: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["check", "--fix", "--unsafe-fixes", str(program)])
    captured = capsys.readouterr()
    assert program.read_text() == ALL_FIXED
    assert status == 0
    assert captured.out == ""
    assert "Fixed 2 findings in 1 file; 0 remaining." in captured.err
    assert analyze_source(ALL_FIXED).findings == []


def test_diff_prints_and_does_not_write(program: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    status = main(["check", "--diff", str(program)])
    out = capsys.readouterr().out
    assert program.read_text() == PROGRAM
    assert status == 1
    name = program.relative_to(program.anchor).as_posix()  # outside the working folder
    assert out.startswith(f"--- a/{name}\n+++ b/{name}\n")
    assert '-binary.compile(optimizer="adam", loss="categorical_crossentropy")' in out
    assert '+binary.compile(optimizer="adam", loss="binary_crossentropy")' in out
    assert "Flatten" not in out


def test_diff_names_files_like_git(program: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    """An absolute path gave `--- a//tmp/...`: paths are relative to the working folder when
    inside it, else written without their root, as `git diff --no-index` does."""
    monkeypatch.chdir(program.parent)
    for given in (str(program), "train.py", "./train.py"):
        main(["check", "--diff", given])
        assert capsys.readouterr().out.startswith("--- a/train.py\n+++ b/train.py\n@@ ")
    monkeypatch.chdir(program.anchor)
    main(["check", "--diff", str(program)])
    assert capsys.readouterr().out.startswith(f"--- a/{str(program)[1:]}\n")


def test_diff_with_json_format_is_a_usage_error(program: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """`--format json --diff` printed a diff: a diff is not JSON."""
    assert main(["check", "--diff", "--format", "json", str(program)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "--diff" in captured.err and "--format json" in captured.err
    assert program.read_text() == PROGRAM


def test_diff_with_unsafe_fixes(program: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--diff", "--unsafe-fixes", str(program)]) == 1
    out = capsys.readouterr().out
    assert "+    layers.Flatten(input_shape=(28, 28))," in out
    assert program.read_text() == PROGRAM


def test_nothing_to_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = tmp_path / "clean.py"
    clean.write_text("import keras\nm = keras.Sequential([keras.Input((4,)), "
                     "keras.layers.Dense(2)])\n")
    assert main(["check", "--diff", str(clean)]) == 0
    assert main(["check", "--fix", str(clean)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Fixed 0 findings in 0 files; 0 remaining." in captured.err


def test_syntax_error_is_left_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("import keras\nmodel = keras.Sequential([\n")
    assert main(["check", "--fix", "--unsafe-fixes", str(broken)]) == 1
    assert broken.read_text() == "import keras\nmodel = keras.Sequential([\n"
    assert "SL001" in capsys.readouterr().out


def test_undecodable_file_is_not_rewritten(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    path = tmp_path / "latin.py"
    data = b"# caf\xe9\n" + PROGRAM.encode()
    path.write_bytes(data)
    main(["check", "--fix", str(path)])
    assert path.read_bytes() == data


def test_fix_keeps_bom_and_crlf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "windows.py"
    path.write_bytes(codecs.BOM_UTF8 + PROGRAM.replace("\n", "\r\n").encode())
    main(["check", "--fix", "--unsafe-fixes", str(path)])
    data = path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    text = data[len(codecs.BOM_UTF8):].decode()
    assert text.count("\n") == text.count("\r\n")  # no lone line feeds were inserted
    assert text.replace("\r\n", "\n") == ALL_FIXED


def test_fix_adds_numpy_import_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "single.py"
    path.write_text(textwrap.dedent("""\
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])
        one = tf.constant([1.0, 2.0, 3.0])
        model.predict(one)
        model(one)
        """))
    assert main(["check", "--fix", str(path)]) == 0
    fixed = path.read_text()
    assert fixed.count("import numpy as np") == 1
    assert "model.predict(np.expand_dims(one, 0))" in fixed
    assert "model(np.expand_dims(one, 0))" in fixed


def _json_edits(fix: dict[str, object]) -> list[Edit]:
    edits = []
    for edit in fix["edits"]:  # type: ignore[attr-defined]
        start, end = edit["location"], edit["end_location"]
        edits.append(Edit(Range(Position(start["row"] - 1, start["column"] - 1),
                                Position(end["row"] - 1, end["column"] - 1)), edit["content"]))
    return edits


def test_json_fix_and_fixes(program: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--format", "json", str(program)]) == 1
    rows = {row["code"]: row for row in json.loads(capsys.readouterr().out)}
    loss = rows["SL311"]
    assert loss["fix"] == {
        "message": "Use binary_crossentropy", "applicability": "safe",
        "edits": [{"content": '"binary_crossentropy"', "location": {"row": 6, "column": 39},
                   "end_location": {"row": 6, "column": 65}}]}
    assert loss["fixes"] == [loss["fix"]]
    head = rows["SL304"]
    assert head["fix"]["applicability"] == "unsafe"
    titles = [f["message"] for f in head["fixes"]]
    assert titles[0].startswith("Insert Flatten()")
    assert any("GlobalAveragePooling1D" in t for t in titles)
    # Applying the JSON edits, as an editor would, gives the same file as --fix.
    fixed = apply_edits(PROGRAM, _json_edits(loss["fix"]))
    fixed = apply_edits(fixed, _json_edits(head["fix"]))
    assert fixed == ALL_FIXED
    ast.parse(fixed)


def test_json_without_fix_is_null(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "counts.py"
    path.write_text(textwrap.dedent("""\
        import numpy as np
        import keras
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
        model.compile("adam", "mse")
        model.fit(np.zeros((8, 4)), np.zeros(7))
        """))
    main(["check", "--format", "json", str(path)])
    (row,) = json.loads(capsys.readouterr().out)
    assert row["code"] == "SL204"
    assert row["fix"] is None and row["fixes"] == []


@pytest.mark.tensorflow
def test_fixed_file_runs_in_tensorflow(program: Path, oracle,  # type: ignore[no-untyped-def]
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert oracle.run(PROGRAM).error is not None
    main(["check", "--fix", "--unsafe-fixes", str(program)])
    result = oracle.run(program.read_text())
    assert result.error is None, result.error


def test_fix_keeps_every_fix_in_a_file_of_helpers(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """100 small helpers, then four broken models: the fix budget ran out before the last
    findings, and `--fix` fixed none of them. Every safe fix is applied now."""
    from tests.checks.test_fix_edits import HELPERS_THEN_MODELS

    path = tmp_path / "helpers.py"
    path.write_text(HELPERS_THEN_MODELS)
    main(["check", "--fix", str(path)])
    err = capsys.readouterr().err
    assert "Fixed SL202: Add a batch axis: np.expand_dims(x, 0)" in err
    assert "Fixed SL312: Use a sigmoid activation" in err
    assert "Fixed SL311: Use binary_crossentropy" in err
    assert "Fixed 3 findings in 1 file; 2 remaining." in err
    assert main(["check", "--fix", "--unsafe-fixes", str(path)]) == 0
    assert "Fixed 2 findings in 1 file; 0 remaining." in capsys.readouterr().err


@pytest.mark.tensorflow
def test_file_of_helpers_runs_in_tensorflow_once_fixed(  # type: ignore[no-untyped-def]
        tmp_path: Path, oracle, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.checks.test_fix_edits import HELPERS_THEN_MODELS

    path = tmp_path / "helpers.py"
    path.write_text(HELPERS_THEN_MODELS)
    assert oracle.run(HELPERS_THEN_MODELS).error is not None
    main(["check", "--fix", "--unsafe-fixes", str(path)])
    result = oracle.run(path.read_text())
    assert result.error is None, result.error


def _fixable_models(count: int) -> str:
    """`count` models, each with a safe fix (SL311) and, every tenth, a predict on one sample
    whose fix needs numpy (all of those insert the same import at the same place)."""
    parts = ["import tensorflow as tf\n"]
    for i in range(count):
        parts.append(f"m{i} = tf.keras.Sequential([tf.keras.Input((3,)), "
                     f"tf.keras.layers.Dense(1, activation='sigmoid')])\n"
                     f"m{i}.compile(optimizer='adam', loss='categorical_crossentropy')\n")
        if i % 10 == 0:
            parts.append(f"m{i}.predict(tf.constant([1.0, 2.0, 3.0]))\n")
    return "".join(parts)


def test_fix_fixes_every_model_of_a_long_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """500 fixable models (and 50 more fixes): all fixed in a few analyses, not one per fix
    (there was one analysis per fix, and at most 64 fixes a run)."""
    import shape_engine.analysis

    analyses = []
    original = shape_engine.analysis.analyze_source

    def counted(*args: object, **kwargs: object) -> object:
        if kwargs.get("verify_fixes", True):  # not the re-analyses that verify fixes
            analyses.append(1)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(shape_engine.analysis, "analyze_source", counted)
    path = tmp_path / "many.py"
    path.write_text(_fixable_models(500))
    assert main(["check", "--fix", str(path)]) == 0
    fixed = path.read_text()
    ast.parse(fixed)
    assert "Fixed 550 findings in 1 file; 0 remaining." in capsys.readouterr().err
    assert fixed.count("loss='binary_crossentropy'") == 500
    assert fixed.count("import numpy as np") == 1
    assert fixed.count(".predict(np.expand_dims(tf.constant([1.0, 2.0, 3.0]), 0))") == 50
    # One analysis, a pass of the fixes that do not overlap and its verification, a second
    # for the import-adding fixes that overlapped, then one that finds nothing left.
    assert len(analyses) <= 4, len(analyses)
    monkeypatch.undo()
    assert analyze_source(fixed).findings == []


def test_overlapping_fixes_are_applied_over_passes() -> None:
    """Fixes whose edits meet wait for the next pass, on the text the first pass made."""
    from shape_engine.fix_passes import fix_all

    text = textwrap.dedent("""\
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])
        one = tf.constant([1.0, 2.0, 3.0])
        model.predict(one)
        model(one)
        model.predict(one, verbose=0)
        """)
    result = fix_all(text)
    assert len(result.applied) == 3 and result.remaining == []
    assert result.text.count("import numpy as np") == 1
    assert result.text.count("np.expand_dims(one, 0)") == 3
    ast.parse(result.text)


@pytest.mark.parametrize("head", [
    codecs.BOM_UTF8 + b"# -*- coding: latin-1 -*-\n",  # Python refuses it: SL001
    b"# -*- coding: klingon -*-\n",  # likewise
    b"import os\n# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n",  # read as UTF-8: SL002
])
def test_files_python_refuses_are_left_alone(tmp_path: Path, head: bytes,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "refused.py"
    data = head + PROGRAM.encode()
    path.write_bytes(data)
    assert main(["check", "--fix", "--unsafe-fixes", str(path)]) == 1
    assert path.read_bytes() == data
    captured = capsys.readouterr()
    assert "Fixed 0 findings in 0 files" in captured.err
    assert ("SL002" if b"import os" in head else "SL001") in captured.out
    assert main(["check", "--diff", "--unsafe-fixes", str(path)]) == 0  # nothing to show
    assert capsys.readouterr().out == ""


def test_a_cookie_after_code_does_not_set_the_encoding_of_the_fixed_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Python reads the file as UTF-8 (the cookie comes after a line of code): so is the
    fixed file written, not in latin-1."""
    path = tmp_path / "cookie.py"
    source = "import os\n# -*- coding: latin-1 -*-\nname = 'caf\u00e9'\n" + PROGRAM
    path.write_bytes(source.encode("utf-8"))
    main(["check", "--fix", str(path)])
    assert path.read_bytes().decode("utf-8") == source.replace(
        'loss="categorical_crossentropy"', 'loss="binary_crossentropy"')


KERAS1 = textwrap.dedent("""\
    from tensorflow import keras
    from tensorflow.keras import layers
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Convolution2D(32, 3, 3, border_mode="same", init="he_normal"),
        layers.Flatten(),
        layers.Dropout(p=0.5),
        layers.Dense(output_dim=10, activation="softmax"),
    ])
    model.compile(keras.optimizers.Adam(lr=0.001), "categorical_crossentropy")
    """)


def test_fix_modernises_keras1_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                    ) -> None:
    """Every Keras 1 spelling in one run (tests/checks/test_keras_versions.py checks each
    one, and its fix, in TensorFlow)."""
    path = tmp_path / "keras1.py"
    path.write_text(KERAS1)
    assert main(["check", "--fix", str(path)]) == 0
    fixed = path.read_text()
    assert "layers.Conv2D(32, (3, 3), padding=\"same\", " \
           "kernel_initializer=\"he_normal\")" in fixed
    assert "layers.Dropout(rate=0.5)" in fixed
    assert "layers.Dense(units=10, activation=\"softmax\")" in fixed
    assert "keras.optimizers.Adam(learning_rate=0.001)" in fixed
    assert analyze_source(fixed).findings == []
    capsys.readouterr()
