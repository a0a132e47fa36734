"""`shapelens check`, `shapes`, `--fix` and `--diff` on Jupyter notebooks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shape_engine.cli import main

SETUP = ["%matplotlib inline\n", "import numpy as np\n", "import keras\n",
         "from keras import layers"]
DATA = "x = np.random.rand(32, 28, 28)\r\ny = np.random.randint(0, 10, 32)\r\n"  # CRLF, a string
MODEL = ["model = keras.Sequential([\n",
         '    layers.Dense(64, input_shape=(28, 28), activation="relu"),\n',
         '    layers.Dense(10, activation="softmax"),\n', "])\n",
         'model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")\n',
         "model.summary?"]
TRAIN = ['binary = keras.Sequential([keras.Input((4,)), layers.Dense(1, activation="sigmoid")])\n',
         'binary.compile(optimizer="adam", loss="categorical_crossentropy")\n',
         "model.fit(x, y, epochs=1)"]


def notebook(indent: int = 1, ensure_ascii: bool = False) -> dict[str, object]:
    def code(source: object, count: int | None, outputs: list[object] | None = None
             ) -> dict[str, object]:
        return {"cell_type": "code", "execution_count": count, "metadata": {"tags": ["x"]},
                "outputs": outputs or [], "source": source}

    return {"cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Training — ünïcode\n"]},
        code(SETUP, 1),
        code(DATA, 2, [{"output_type": "stream", "name": "stdout", "text": ["ok\n"]}]),
        {"cell_type": "raw", "metadata": {}, "source": "model.fit(1, 2)"},
        code(MODEL, 3),
        code([], None),
        code(TRAIN, None),
    ], "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                   "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5}


def write(path: Path, indent: int = 1, ensure_ascii: bool = False, crlf: bool = False) -> str:
    text = json.dumps(notebook(), indent=indent, ensure_ascii=ensure_ascii) + "\n"
    if crlf:
        text = text.replace("\n", "\r\n")
    path.write_bytes(text.encode())
    return text


def test_check_names_the_cell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "train.ipynb"
    write(path)
    assert main(["check", "--output-format", "concise", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"{path}:cell 7:2:39: SL311 " + out[0].split(" SL311 ", 1)[1],
        f"{path}:cell 7:3:14: SL304 " + out[1].split(" SL304 ", 1)[1],
    ]


def test_json_has_the_cell_and_locations_within_it(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "train.ipynb"
    write(path)
    main(["check", "--format", "json", str(path)])
    rows = json.loads(capsys.readouterr().out)
    assert [(r["code"], r["cell"], r["location"]) for r in rows] == [
        ("SL311", 7, {"row": 2, "column": 39}), ("SL304", 7, {"row": 3, "column": 14})]
    fix = rows[0]["fix"]
    assert fix["edits"][0]["cell"] == 7 and fix["edits"][0]["location"]["row"] == 2
    flatten = rows[1]["fixes"][0]["edits"]
    assert {edit["cell"] for edit in flatten} == {5}  # the model's cell, not the fit's


def test_folder_walks_include_notebooks(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "a.ipynb")
    (tmp_path / "b.py").write_text("x = 1\n")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    write(tmp_path / ".ipynb_checkpoints" / "a-checkpoint.ipynb")
    main(["check", "--output-format", "concise", str(tmp_path)])
    captured = capsys.readouterr()
    assert captured.out.count("a.ipynb:cell 7:") == 2
    assert "checkpoint" not in captured.out
    assert "in 2 files" in captured.err


@pytest.mark.parametrize(("text", "where"), [
    ('{\n "cells": [\n  {,\n', ":3:4: SL003 The notebook is not valid JSON"),
    ('{"nbformat": 3, "nbformat_minor": 0, "worksheets": []}', ":1:1: SL003 The notebook is "
                                                              "in nbformat 3"),
])
def test_unreadable_notebook_gets_one_finding(tmp_path: Path, text: str, where: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "old.ipynb"
    path.write_text(text)
    assert main(["check", "--output-format", "concise", str(path)]) == 1
    assert capsys.readouterr().out.startswith(f"{path}{where}")
    assert main(["shapes", str(path)]) == 1
    assert "(no models shown)" in capsys.readouterr().out


def test_shapes_name_the_cells(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "train.ipynb"
    write(path)
    assert main(["shapes", str(path)]) == 0
    out = capsys.readouterr().out
    assert f'Model: "model" ({path}:cell 5:1)' in out
    assert f'Model: "binary" ({path}:cell 7:1)' in out
    main(["shapes", "--format", "json", str(path)])
    models = json.loads(capsys.readouterr().out)[0]["models"]
    assert (models[0]["cell"], models[0]["row"]) == (5, 1)
    assert (models[0]["layers"][0]["cell"], models[0]["layers"][0]["row"]) == (5, 2)


def _sources(text: str) -> list[object]:
    return [cell["source"] for cell in json.loads(text)["cells"]]


@pytest.mark.parametrize("style", [
    {"indent": 1}, {"indent": 2, "ensure_ascii": True}, {"indent": 4, "crlf": True}])
def test_fix_rewrites_only_the_changed_cells(tmp_path: Path, style: dict[str, object],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "train.ipynb"
    before = write(path, **style)  # type: ignore[arg-type]
    assert main(["check", "--fix", "--unsafe-fixes", str(path)]) == 0
    assert "Fixed 2 findings in 1 file; 0 remaining." in capsys.readouterr().err
    after = path.read_bytes().decode()
    old, new = json.loads(before), json.loads(after)
    fixed_model = [MODEL[0], "    layers.Flatten(input_shape=(28, 28)),\n",
                   '    layers.Dense(64, activation="relu"),\n', *MODEL[2:]]
    fixed_train = [TRAIN[0], TRAIN[1].replace("categorical_", "binary_"), TRAIN[2]]
    assert _sources(after)[4] == fixed_model
    assert _sources(after)[6] == fixed_train
    # Put the old sources back: the file is the old one byte for byte.
    for index in (4, 6):
        new["cells"][index]["source"] = old["cells"][index]["source"]
    assert new == old
    # In the text, only the source lines changed: one more line for Flatten.
    changed = [line for line in after.splitlines() if line not in before.splitlines()]
    assert len(changed) == 3 and all(
        "Flatten" in line or "Dense(64" in line or "binary_crossentropy" in line
        for line in changed)
    assert len(after.splitlines()) == len(before.splitlines()) + 1
    assert after.endswith("\r\n" if style.get("crlf") else "}\n")
    assert main(["check", "--output-format", "concise", str(path)]) == 0


def test_fix_keeps_a_string_source_a_string(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    data = notebook()
    cells = data["cells"]
    assert isinstance(cells, list)
    cells[6]["source"] = "".join(TRAIN)
    path.write_text(json.dumps(data, indent=1))
    main(["check", "--fix", str(path)])
    source = json.loads(path.read_text())["cells"][6]["source"]
    assert source == "".join(TRAIN).replace("categorical_crossentropy", "binary_crossentropy")


def test_diff_shows_each_cell(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "train.ipynb"
    before = write(path)
    assert main(["check", "--diff", "--unsafe-fixes", str(path)]) == 1
    out = capsys.readouterr().out
    name = path.relative_to(path.anchor).as_posix()
    assert f"--- a/{name}:cell 5\n+++ b/{name}:cell 5\n" in out
    assert f"--- a/{name}:cell 7\n+++ b/{name}:cell 7\n" in out
    assert '-binary.compile(optimizer="adam", loss="categorical_crossentropy")\n' in out
    assert "+    layers.Flatten(input_shape=(28, 28)),\n" in out
    assert path.read_text() == before


def test_fix_leaves_edits_on_ipython_lines_alone(tmp_path: Path) -> None:
    """A fix whose edit would land on a line of IPython syntax is not applied."""
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "outputs": [],
                                           "execution_count": None, "source": [
                                               "!pip install keras\n", "x = 1"]}],
                                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    before = path.read_text()
    assert main(["check", "--fix", str(path)]) == 0
    assert path.read_text() == before


@pytest.mark.parametrize("options", [
    {"indent": None}, {"indent": 0}, {"indent": 2, "sort_keys": True},
    {"indent": "\t", "ensure_ascii": True}, {"separators": (",", ":")}])
def test_sources_are_replaced_in_any_json_layout(options: dict[str, object]) -> None:
    """Whatever the layout of the JSON, only the cell's source value changes, and it keeps
    its form (a list of lines or a string)."""
    from shape_engine.notebook_json import replace_sources, source_spans

    document = notebook()
    cells = document["cells"]
    assert isinstance(cells, list)
    cells[2]["source"] = "a = 'é\\\\u00e9 \"q\"'\n"  # a string source with escapes
    text = json.dumps(document, **options)  # type: ignore[arg-type]
    new = {5: 'model = "ü"\n\nx = 1', 3: "b = 2\r\nc = 3"}
    replaced = replace_sources(text, new)
    expected = json.loads(text)
    expected["cells"][4]["source"] = ['model = "ü"\n', "\n", "x = 1"]
    expected["cells"][2]["source"] = "b = 2\r\nc = 3"
    assert json.loads(replaced) == expected
    # Before the first source replaced and after the last, the text is the same.
    spans = source_spans(text)
    assert spans[2] is not None and spans[4] is not None
    assert replaced.startswith(text[:spans[2][0]])
    assert replaced.endswith(text[spans[4][1]:])


@pytest.mark.parametrize("text", [
    '{"nbformat": 4, "cells": {}}', '{"nbformat": 4, "cells": ["code"]}',
    '{"nbformat": 4, "cells": [{"cell_type": "code", "source": ["a", 1]}]}',
    '{"nbformat": "4", "cells": []}', '{"nbformat": true, "cells": []}', "null", '"text"',
    "[" * 100_000, "\ufeff{", ""])
def test_malformed_notebooks_get_one_finding(tmp_path: Path, text: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.ipynb"
    path.write_text(text)
    assert main(["check", "--output-format", "concise", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and " SL003 " in out[0]
    assert main(["check", "--fix", str(path)]) == 1
    assert path.read_text() == text


def test_fix_applies_every_fix_of_a_large_notebook(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """More fixes than one analysis per fix could afford (there was a cap of 64): all applied,
    in passes of fixes that do not overlap, and the fixed notebook is clean."""
    models = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
               "source": [f"m{i} = keras.Sequential([keras.Input((4,)), "
                          'layers.Dense(1, activation="sigmoid")])\n',
                          f'm{i}.compile(optimizer="adam", loss="categorical_crossentropy")']}
              for i in range(80)]
    path = tmp_path / "many.ipynb"
    path.write_text(json.dumps({"cells": [
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
         "source": ["import keras\n", "from keras import layers"]}, *models],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1))
    assert main(["check", "--fix", str(path)]) == 0
    assert "Fixed 80 findings in 1 file; 0 remaining." in capsys.readouterr().err
    fixed = json.loads(path.read_text())["cells"]
    assert all('loss="binary_crossentropy"' in "".join(cell["source"]) for cell in fixed[1:])
    assert main(["check", str(path)]) == 0
