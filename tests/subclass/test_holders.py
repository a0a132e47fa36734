"""Objects that hold models: `self.model = Sequential(...)` in any class, layers added to it
in other methods, models returned by methods, lists of models. The models are found,
checked and shown on the command line, and real TensorFlow agrees on each verdict."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from shape_engine import analyze_source
from shape_engine.cli import main
from tests.compare import statement_span
from tests.oracle import Oracle

HELD_ACROSS_METHODS = textwrap.dedent("""\
    import numpy as np
    from tensorflow import keras
    from tensorflow.keras import layers


    class Trainer:
        def __init__(self, units=64):
            self.units = units
            self.model = keras.Sequential([keras.Input((28, 28, 1)), layers.Flatten()])
            self.build_head()

        def build_head(self):
            self.model.add(layers.Dense(self.units, activation="relu"))
            self.model.add(layers.Dense(10, activation="softmax"))
            self.model.compile(loss="categorical_crossentropy", optimizer="adam")

        def train(self, x, y):
            self.model.fit(x, y, epochs=1, verbose=0)
            return self.model


    trainer = Trainer()
    model = trainer.train(np.zeros((8, 28, 28, 1)), np.zeros((8, 3)))
    """)
RETURNED_BY_METHOD = textwrap.dedent("""\
    from tensorflow import keras
    from tensorflow.keras import layers


    class Factory:
        def make(self, width):
            return keras.Sequential([
                keras.Input((16,)),
                layers.Dense(width),
                layers.Reshape((4, 4)),
            ])


    factory = Factory()
    models = [factory.make(16), factory.make(12)]
    """)
CLEAN_HOLDER = textwrap.dedent("""\
    import numpy as np
    from tensorflow import keras
    from tensorflow.keras import layers


    class Experiment:
        def __init__(self):
            self.model = keras.Sequential([keras.Input((8,)), layers.Dense(4), layers.Dense(1)])
            self.model.trainable = True

        def run(self):
            self.model.compile(loss="mse", optimizer="adam")
            self.model.fit(np.zeros((10, 8)), np.zeros((10, 1)), epochs=1, verbose=0)


    experiments = [Experiment(), Experiment()]
    for experiment in experiments:
        experiment.run()
    """)
PYTHON_CLASSES_CLEAN = textwrap.dedent("""\
    from dataclasses import dataclass
    import numpy as np
    from tensorflow import keras
    from tensorflow.keras import layers


    @dataclass
    class Config:
        units: int = 4
        classes: int = 3


    class Holder:
        size = 2

        @property
        def width(self):
            return self._width

        @width.setter
        def width(self, value):
            self._width = value * 2


    cfg = Config(units=8, classes=5)
    Holder.size = 5
    h = Holder()
    h.width = 7
    model = keras.Sequential([keras.Input((h.size,)), layers.Dense(cfg.units),
                              layers.Dense(cfg.classes, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    model.fit(np.zeros((4, 5)), np.zeros((4, 5)), epochs=1, verbose=0)
    model2 = keras.Sequential([keras.Input((3,)), layers.Dense(h.width), layers.Reshape((14, 1))])
    """)
DICT_OF_MODELS = textwrap.dedent("""\
    import numpy as np
    from tensorflow import keras
    from tensorflow.keras import layers


    def build(width):
        return keras.Sequential([keras.Input((16,)), layers.Dense(width), layers.Dense(3)])


    models = {"small": build(8), "wide": build(32)}
    models["extra"] = build(16)
    for name in models:
        models[name].compile(loss="mse", optimizer="adam")
    for name, model in models.items():
        model.fit(np.zeros((8, 16)), np.zeros((8, 5)), epochs=1, verbose=0)
    """)
CASES = {
    "held_across_methods": (HELD_ACROSS_METHODS, 18, "SL303"),
    "returned_by_method": (RETURNED_BY_METHOD, 10, "SL104"),
    "clean_holder": (CLEAN_HOLDER, None, None),
    "dict_of_models": (DICT_OF_MODELS, 15, "SL303"),
    # A dataclass's fields, a class attribute written, a property with a setter: none is
    # taken for what it is not.
    "python_classes_clean": (PYTHON_CLASSES_CLEAN, None, None),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_findings_on_the_command_line(case: str, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    source, line, code = CASES[case]
    path = tmp_path / "holder.py"
    path.write_text(source)
    main(["check", "--output-format", "json", str(path)])
    found = [(f["code"], f["location"]["row"]) for f in json.loads(capsys.readouterr().out)]
    assert found == ([] if line is None else [(code, line)])


def test_a_model_held_by_an_object_is_shown(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "holder.py"
    path.write_text(HELD_ACROSS_METHODS)
    assert main(["shapes", "--format", "json", str(path)]) == 0
    (model,) = json.loads(capsys.readouterr().out)[0]["models"]
    assert [(r["output_shape"], r["params"]) for r in model["layers"]][1:] == [
        ([None, 784], 0), ([None, 64], 50240), ([None, 10], 650)]
    assert model["total_params"] == 50890


def test_a_class_never_used_still_builds_its_model() -> None:
    source = textwrap.dedent("""\
        from tensorflow import keras
        from tensorflow.keras import layers

        class Builder:
            def build(self):
                self.model = keras.Sequential([keras.Input((4,)), layers.Conv2D(3, 3)])
        """)
    assert [f.code for f in analyze_source(source).findings] == ["SL101"]


def test_an_attribute_set_on_a_path_that_may_not_run_is_not_known() -> None:
    source = textwrap.dedent("""\
        import numpy as np
        import sys
        from tensorflow import keras
        from tensorflow.keras import layers

        class Holder:
            def __init__(self):
                self.model = keras.Sequential([keras.Input((4,)), layers.Dense(2)])

        holder = Holder()
        if len(sys.argv) > 1:
            holder.model = keras.Sequential([keras.Input((4,)), layers.Dense(5)])
        holder.model.compile(loss="mse", optimizer="adam")
        holder.model.fit(np.zeros((8, 4)), np.zeros((8, 5)))
        """)
    assert analyze_source(source).findings == []


@pytest.mark.tensorflow
@pytest.mark.parametrize("case", sorted(CASES))
def test_tensorflow_agrees(case: str, oracle: Oracle) -> None:
    source, line, _ = CASES[case]
    result = oracle.run(source, calls=True, script=True)
    if line is None:
        assert result.error is None, result.error
    else:
        assert result.error is not None and result.error_line is not None
        first, last = statement_span(source, result.error_line)
        assert first <= line <= last, result.error


def test_a_dict_changed_by_code_not_followed_is_unknown() -> None:
    source = DICT_OF_MODELS.replace('models["extra"] = build(16)', "models.update(other)")
    assert analyze_source(source).findings == []
    plain = DICT_OF_MODELS.replace("build(8)", "8").replace("build(32)", "32")
    assert analyze_source(plain).findings == []  # holds no model: not followed


def test_a_callbacks_hooks_are_left_to_the_framework() -> None:
    # Keras calls on_epoch_end with what it has; run with guessed arguments it could only
    # cost steps (a generation loop) or report what never happens.
    source = textwrap.dedent("""\
        from tensorflow import keras
        from tensorflow.keras import layers

        class Sampler(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                self.probe = keras.Sequential([keras.Input((4,)), layers.Conv2D(3, 3)])
        """)
    analysis = analyze_source(source)
    assert analysis.findings == [] and analysis.models == []
