"""keras.applications models as whole layers, against real TensorFlow.

Four small models are built in TensorFlow on every run; the others are checked through the
table `shape_engine/layers/applications_table.py`, which `python -m
tests.layers.keras_applications` measures in TensorFlow (all of them: slow, minutes), and
`test_table_is_what_tensorflow_measures` re-measures when SHAPELENS_ALL_APPLICATIONS=1.
"""

from __future__ import annotations

import os

import pytest

from shape_engine import analyze_source
from shape_engine.keras_names import layer_kind
from shape_engine.layers.applications_table import APPLICATIONS, FAMILIES
from tests.compare import assert_agrees
from tests.layers import keras_applications

HEAD = "import keras\nfrom keras import layers\n"

SEQUENTIAL: dict[str, tuple[str, str | None]] = {
    "mobilenet_v2_features_then_head": ("""
base = keras.applications.MobileNetV2(include_top=False, weights=None, input_shape=(96, 96, 3))
model = keras.Sequential([base, layers.GlobalAveragePooling2D(), layers.Dense(5)])
""", None),
    "mobilenet_v3_small_flatten_head": ("""
base = keras.applications.MobileNetV3Small(include_top=False, weights=None,
                                           input_shape=(96, 96, 3))
model = keras.Sequential([base, layers.Flatten(), layers.Dense(3)])
""", None),
    "resnet50_ten_classes": ("""
from tensorflow.keras.applications import ResNet50
model = keras.Sequential([ResNet50(weights=None, classes=10), layers.Dense(2)])
""", None),
    "resnet50_pooled_odd_size": ("""
base = keras.applications.resnet50.ResNet50(include_top=False, weights=None,
                                            input_shape=(97, 130, 3), pooling="max")
model = keras.Sequential([base, layers.Dense(2)])
""", None),
    "efficientnet_b0_features_into_lstm": ("""
base = keras.applications.EfficientNetB0(include_top=False, weights=None,
                                         input_shape=(96, 96, 3))
model = keras.Sequential([base, layers.LSTM(8)])
""", "SL101"),
}

@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted(SEQUENTIAL))
def test_sequential_agrees_with_tensorflow(name: str, oracle) -> None:  # type: ignore[no-untyped-def]
    source, code = SEQUENTIAL[name]
    assert_agrees(HEAD + source, oracle, expect_error=code, expect_raises=code is not None)


def test_called_on_a_tensor_of_any_size() -> None:
    """Called on a tensor, the model runs on its shape (here one it declares as any size)."""
    analysis = analyze_source(HEAD + """
inputs = keras.Input((128, 160, 3))
x = keras.applications.EfficientNetB0(include_top=False, weights=None)(inputs)
pooled = keras.applications.MobileNetV2(include_top=False, weights=None, pooling="avg")(inputs)
""")
    shapes = [(node.label.split("(")[0], node.outputs[0].shape)
              for node in analysis.graph_nodes if not node.is_input]
    assert shapes == [("EfficientNetB0", (None, 4, 5, 1280)), ("MobileNetV2", (None, 1280))]


def test_every_measured_model_is_modelled_under_its_spellings() -> None:
    measured = {name for members in keras_applications.FAMILIES.values() for name in members}
    assert set(APPLICATIONS) == measured
    assert set(FAMILIES) == set(keras_applications.FAMILIES)
    for name in APPLICATIONS:
        assert layer_kind(f"keras.applications.{name}") == name
        assert layer_kind(f"keras.applications.some_module.{name}") == name


@pytest.mark.parametrize("name", sorted(APPLICATIONS))
def test_table_gives_shapes_and_parameters(name: str) -> None:
    """With the top at 10 classes: (None, 10) and the 1,000-class count less 990 classifier
    columns; without it, pooled: (None, channels) and the measured count."""
    _, _, top, width, notop, channels = APPLICATIONS[name]
    source = (f"{HEAD}a = keras.Sequential([keras.applications.{name}(weights=None, "
              f"classes=10), layers.Dense(2)])\n"
              f"b = keras.Sequential([keras.applications.{name}(include_top=False, "
              f"weights=None, pooling='avg'), layers.Dense(2)])\n")
    analysis = analyze_source(source)
    assert not [f for f in analysis.findings if f.code.startswith("SL1")]
    with_top, without_top = analysis.models
    assert (with_top.layers[-2].output_shape, with_top.layers[-2].params) == (
        (None, 10), top - 990 * (width + 1))
    assert (without_top.layers[-2].output_shape, without_top.layers[-2].params) == (
        (None, channels), notop)


@pytest.mark.tensorflow
@pytest.mark.skipif(os.environ.get("SHAPELENS_ALL_APPLICATIONS") != "1",
                    reason="builds every keras.applications model (minutes, GBs): set "
                           "SHAPELENS_ALL_APPLICATIONS=1")
def test_table_is_what_tensorflow_measures() -> None:
    for family, members in keras_applications.FAMILIES.items():
        for index, name in enumerate(members):
            entry = keras_applications.measure(name, index == 0)
            assert APPLICATIONS[name] == (family, entry["default_size"], entry["top_params"],
                                          entry["classifier_width"], entry["notop_params"],
                                          entry["channels"]), name
            if index == 0:
                sizes = entry["sizes"]
                assert isinstance(sizes, dict)
                formula, _ = keras_applications.formula_for(sizes)
                assert FAMILIES[family][0] == formula, family


def test_engine_formulas_are_the_measured_ones() -> None:
    from shape_engine.layers.applications import FORMULAS

    assert set(FORMULAS) == set(keras_applications.FORMULAS)
    for name, formula in FORMULAS.items():
        measured = keras_applications.FORMULAS[name]
        assert [formula(s) for s in range(32, 700)] == [measured(s) for s in range(32, 700)]
