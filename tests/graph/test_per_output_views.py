"""`checks.per_output` sees a model through one output at a time by copying its report, model,
compile() and training calls with a few fields changed. It copies them without
`dataclasses.replace` (once per output of every model, that was a cost on large files); this
keeps the copy equal to what `dataclasses.replace` makes."""

from __future__ import annotations

import dataclasses
from functools import cached_property
from typing import Any

import pytest

from shape_engine import analyze_source
from shape_engine.checks.per_output import Viewed, _view
from shape_engine.interpret import ModelReport
from shape_engine.ir import CompileCall, ModelIR, TrainingCall

VIEWED = (ModelReport, ModelIR, CompileCall, TrainingCall)

TWO_OUTPUTS = """
import numpy as np
import keras
from keras import layers

image = keras.Input((16,), name="image")
score = layers.Dense(1, name="score")(image)
kind = layers.Dense(3, activation="softmax", name="kind")(image)
model = keras.Model(image, [score, kind])
model.compile(optimizer="adam", loss=["mse", "sparse_categorical_crossentropy"])
model.fit(np.random.rand(8, 16), [np.random.rand(8, 1), np.random.randint(0, 3, 8)])
"""


@pytest.mark.parametrize("kind", VIEWED, ids=lambda k: k.__name__)
def test_the_viewed_classes_are_copied_field_by_field_by_replace(kind: type) -> None:
    # What would make dataclasses.replace differ from a copy of the fields.
    assert not hasattr(kind, "__post_init__")
    assert not hasattr(kind, "__slots__")
    assert all(f.init for f in dataclasses.fields(kind))
    cached = [name for klass in kind.__mro__ for name, member in vars(klass).items()
              if isinstance(member, cached_property)]
    assert cached == []


def test_a_view_has_the_fields_replace_gives() -> None:
    (report,) = analyze_source(TWO_OUTPUTS).models
    (compile_,) = report.model.compiles
    (training,) = report.model.trainings
    _assert_like_replace(report, layers=report.layers[:1], findings=[], graph_output_rows=(0,))
    _assert_like_replace(report.model, compiles=[], trainings=[])
    _assert_like_replace(compile_, kwargs={}, kwarg_value_ranges={}, args=())
    _assert_like_replace(training, args=(), arg_ranges=())


def _assert_like_replace(original: Viewed, **changes: Any) -> None:
    view, replaced = _view(original, **changes), dataclasses.replace(original, **changes)
    assert type(view) is type(replaced)
    assert view is not original
    for field in dataclasses.fields(replaced):
        assert getattr(view, field.name) is getattr(replaced, field.name), field.name
    assert vars(view).keys() == vars(replaced).keys()
