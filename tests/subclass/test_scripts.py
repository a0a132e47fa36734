"""Models made under `if __name__ == "__main__":` or in a `main()` called there are analysed
like module code, and attribute writes that change no shape (`model.trainable = False`)
keep the model's shapes: the command line shows the findings and the shapes, and real
TensorFlow, running each program as a script, agrees."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from shape_engine import analyze_source
from shape_engine.cli import main
from tests.oracle import Oracle

IN_MAIN_GUARD = textwrap.dedent("""\
    import numpy as np
    from tensorflow import keras
    from tensorflow.keras import layers

    if __name__ == "__main__":
        model = keras.Sequential()
        model.add(keras.Input((28,)))
        model.add(layers.Dense(64))
        model.add(layers.Conv1D(8, 3))
    """)
IN_MAIN_FUNCTION = textwrap.dedent("""\
    import numpy as np
    from tensorflow import keras
    from tensorflow.keras import layers


    def build():
        model = keras.Sequential()
        model.add(keras.Input((28,)))
        model.add(layers.Dense(64))
        model.add(layers.Dense(10, activation="softmax"))
        return model


    def main():
        model = build()
        model.compile(loss="categorical_crossentropy", optimizer="adam")
        x = np.zeros((32, 28))
        y = np.zeros((32, 3))
        model.fit(x, y, epochs=1, verbose=0)


    if __name__ == "__main__":
        main()
    """)
FROZEN_BASE = textwrap.dedent("""\
    from tensorflow import keras
    from tensorflow.keras import layers

    base = keras.Sequential([keras.Input((28,)), layers.Dense(64)])
    base.trainable = False
    base.layers[0].trainable = False
    model = keras.Sequential([base, layers.Dense(10), layers.Conv2D(3, 3)])
    """)
FROZEN_CLEAN = textwrap.dedent("""\
    from tensorflow import keras
    from tensorflow.keras import layers


    def main():
        model = keras.Sequential()
        model.add(keras.Input((28,)))
        model.add(layers.Dense(64))
        model.trainable = False
        model.stop_training = True
        model.add(layers.Dense(10))
        model.summary()


    if __name__ == "__main__":
        main()
    """)
# (program, the line of the finding, its code) for the failing ones; None: clean.
CASES = {
    "main_guard": (IN_MAIN_GUARD, 9, "SL101"),
    "main_function": (IN_MAIN_FUNCTION, 19, "SL303"),
    "frozen_base": (FROZEN_BASE, 7, "SL101"),
    "frozen_clean": (FROZEN_CLEAN, None, None),
}


def _check(path: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    main(["check", "--output-format", "json", str(path)])
    found: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return found


def _shapes(path: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    assert main(["shapes", "--format", "json", str(path)]) == 0
    models: list[dict[str, object]] = json.loads(capsys.readouterr().out)[0]["models"]
    return models


@pytest.mark.parametrize("case", sorted(CASES))
def test_findings_on_the_command_line(case: str, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    source, line, code = CASES[case]
    path = tmp_path / "script.py"
    path.write_text(source)
    found = [(f["code"], f["location"]["row"]) for f in _check(path, capsys)]  # type: ignore[index]
    assert found == ([] if line is None else [(code, line)])


def test_model_in_main_function_has_every_shape_and_its_parameters(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "script.py"
    path.write_text(IN_MAIN_FUNCTION)
    (model,) = _shapes(path, capsys)
    rows = [(r["output_shape"], r["params"]) for r in model["layers"]  # type: ignore[attr-defined]
            if not str(r["layer"]).startswith("Input")]
    assert rows == [([None, 64], 1856), ([None, 10], 650)]
    assert model["total_params"] == 2506


def test_frozen_model_keeps_its_shapes_and_total(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "script.py"
    path.write_text(FROZEN_CLEAN)
    (model,) = _shapes(path, capsys)
    assert [r["output_shape"] for r in model["layers"]  # type: ignore[attr-defined]
            if not str(r["layer"]).startswith("Input")] == [[None, 64], [None, 10]]
    assert model["total_params"] == 1856 + 650


def test_a_write_that_may_change_the_stack_still_gives_the_model_up() -> None:
    source = FROZEN_BASE.replace("base.trainable = False", "base.layers = []")
    assert not [f for f in analyze_source(source).findings if f.code == "SL101"]


def test_an_imported_module_does_not_run_its_main_guard(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    (tmp_path / "lib.py").write_text(textwrap.dedent("""\
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([keras.Input((4,)), layers.Dense(2)])
        if __name__ == "__main__":
            model.add(layers.Conv2D(3, 3))
        """))
    (tmp_path / "use.py").write_text(textwrap.dedent("""\
        import numpy as np
        from lib import model
        model.compile(loss="mse", optimizer="adam")
        model.fit(np.zeros((8, 4)), np.zeros((8, 2)))
        """))
    assert _check(tmp_path / "use.py", capsys) == []


@pytest.mark.tensorflow
@pytest.mark.parametrize("case", sorted(CASES))
def test_tensorflow_agrees(case: str, oracle: Oracle) -> None:
    source, line, _ = CASES[case]
    result = oracle.run(source, calls=True, script=True)
    if line is None:
        assert result.error is None, result.error
    else:
        assert result.error is not None
        assert result.error_line == line, result.error
