"""What `shapelens shapes` shows of a functional model: one row per layer call, with the rows
it consumed; the text table has Keras' "Connected to" column."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from shape_engine.cli import main

SHARED = textwrap.dedent("""\
    import keras
    from keras import layers
    a = keras.Input((6,), name="a")
    b = keras.Input((6,), name="b")
    shared = layers.Dense(3)
    left = shared(a)
    right = shared(b)
    both = layers.Concatenate()([left, right * 2.0])
    model = keras.Model([a, b], layers.Dense(1)(both), name="siamese")
""")


def test_json_rows_are_layer_calls_naming_their_inputs(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    (tmp_path / "m.py").write_text(SHARED)
    assert main(["shapes", "--format", "json", str(tmp_path / "m.py")]) == 0
    (model,) = json.loads(capsys.readouterr().out)[0]["models"]
    assert model["name"] == "siamese"
    rows = [(r["layer"], r["output_shape"], r["params"], r["inputs"]) for r in model["layers"]]
    assert rows == [
        ('Input((6,), name="a")', [None, 6], 0, []),
        ('Input((6,), name="b")', [None, 6], 0, []),
        ("Dense(3)", [None, 3], 21, [0]),  # the shared layer: a row per call
        ("Dense(3)", [None, 3], 21, [1]),
        ("Concatenate()", [None, 6], 0, [2, 3]),  # `right * 2.0` is passed through
        ("Dense(1)", [None, 1], 7, [4]),
    ]
    assert model["total_params"] == 28  # the shared layer's weights once
    assert model["outputs"] == [5]
    assert model["output_shape"] == [None, 1]


def test_text_summary_has_the_connected_to_column(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "m.py").write_text(SHARED)
    assert main(["shapes", str(tmp_path / "m.py")]) == 0
    out = capsys.readouterr().out
    assert "Connected to" in out
    assert "Dense(3) (line 6), Dense(3) (line 7)" in out
    assert "Total params: 28" in out


def test_a_functional_refusal_is_reported_by_check(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "m.py").write_text(textwrap.dedent("""\
        import keras
        from keras import layers
        inputs = keras.Input(shape=(28, 28, 1))
        x = layers.Conv2D(32, 3, activation="relu")(inputs)
        x = layers.Dense(64)(x)
        x = layers.Conv1D(8, 3)(x)
        model = keras.Model(inputs, layers.Dense(10)(x))
    """))
    assert main(["check", "--output-format", "concise", str(tmp_path / "m.py")]) == 1
    assert ("6:5: SL101 Conv1D expects a 3-D input (batch, steps, channels) but x from "
            "Dense(64) (line 5) is (None, 26, 26, 64)") in capsys.readouterr().out
