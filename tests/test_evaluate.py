"""The evaluator: every way users spell Keras and build models, against real TensorFlow."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from shape_engine import analyze_source
from shape_engine.evaluation import python, syntax
from tests.compare import assert_agrees
from tests.oracle import Oracle

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

IMPORT_STYLES = {
    "tf_keras_layers": """
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.Input((8,)), tf.keras.layers.Dense(4)])
        """,
    "tf_keras_models_sequential": """
        import tensorflow as tf
        model = tf.keras.models.Sequential([tf.keras.layers.Dense(4, input_shape=(8,))])
        """,
    "from_tensorflow_import_keras": """
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Dense(4, input_shape=(8,)), keras.layers.Dense(2)])
        """,
    "import_keras": """
        import keras
        model = keras.models.Sequential([keras.layers.InputLayer(shape=(8,)),
                                         keras.layers.Dense(4)])
        """,
    "from_keras_import_layers": """
        import keras
        from keras import layers
        model = keras.Sequential([layers.Input(shape=(8,)), layers.Dense(4)])
        """,
    "from_tensorflow_keras_layers_import": """
        from tensorflow.keras.layers import Dense, Flatten
        from tensorflow.keras.models import Sequential
        model = Sequential([Flatten(input_shape=(4, 2)), Dense(3)])
        """,
    "star_import": """
        from keras.layers import *
        from keras.models import Sequential
        model = Sequential([Input((4, 2)), Flatten(), Dense(3)])
        """,
    "module_alias": """
        import tensorflow.keras.layers as L
        from tensorflow.keras import Sequential
        model = Sequential([L.Dense(6, input_shape=(3,)), L.Dense(1)])
        """,
    "local_aliases": """
        import tensorflow as tf
        L = tf.keras.layers
        Dense = L.Dense
        model = tf.keras.Sequential([L.Input((5,)), Dense(7), Dense(2)])
        """,
    "try_import_fallback": """
        try:
            from tensorflow import keras
        except ImportError:
            import keras
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        """,
    "keras_import_as": """
        import keras as K
        model = K.Sequential([K.Input((3,)), K.layers.Dense(2)])
        """,
}

MODEL_STYLES = {
    "layers_keyword_and_name": """
        import keras
        model = keras.Sequential(layers=[keras.Input((3,)), keras.layers.Dense(2)], name="tiny")
        """,
    "add_style": """
        import keras
        model = keras.Sequential()
        model.add(keras.Input(shape=(10,)))
        model.add(keras.layers.Dense(32, activation="relu"))
        model.add(keras.layers.Dense(1))
        """,
    "add_in_literal_loop": """
        import keras
        model = keras.Sequential()
        model.add(keras.Input((20,)))
        for units in [64, 32, 16]:
            model.add(keras.layers.Dense(units))
        """,
    "add_in_range_loop": """
        import keras
        model = keras.Sequential([keras.Input((20,))])
        for i in range(3):
            model.add(keras.layers.Dense(8 * (i + 1)))
        """,
    "built_in_function": """
        import keras
        def build_model(n_features, n_classes=3):
            model = keras.Sequential([keras.Input((n_features,)),
                                      keras.layers.Dense(n_classes)])
            return model
        model = build_model(12)
        """,
    "build_call": """
        import keras
        model = keras.Sequential([keras.layers.Dense(3), keras.layers.Dense(2)])
        model.build((None, 4))
        """,
    "pop": """
        import keras
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(2)])
        model.pop()
        """,
    "list_comprehension": """
        import keras
        model = keras.Sequential([keras.Input((4,))] + [keras.layers.Dense(u) for u in (8, 4)])
        """,
    "layer_list_variable": """
        import keras
        stack = [keras.layers.Dense(8), keras.layers.Dense(2)]
        model = keras.Sequential([keras.Input((4,)), *stack])
        """,
    "nested_sequential": """
        import keras
        block = keras.Sequential([keras.layers.Dense(8), keras.layers.Dense(4)])
        model = keras.Sequential([keras.Input((3,)), block, keras.layers.Dense(1)])
        """,
    "input_layer_batch_input_shape": """
        import keras
        model = keras.Sequential([keras.layers.InputLayer(batch_input_shape=(16, 5)),
                                  keras.layers.Dense(3)])
        """,
    "input_dim": """
        import keras
        model = keras.Sequential([keras.layers.Dense(3, input_dim=5), keras.layers.Dense(1)])
        """,
    "input_shape_ignored_on_later_layers": """
        import keras
        model = keras.Sequential([keras.layers.Dense(3, input_shape=(5,)),
                                  keras.layers.Dense(2, input_shape=(99,))])
        """,
}

VALUES = {
    "module_constants_and_arithmetic": """
        import keras
        HIDDEN = 32
        FEATURES = 4 * 5
        model = keras.Sequential([keras.Input((FEATURES,)), keras.layers.Dense(HIDDEN // 2),
                                  keras.layers.Dense(HIDDEN * 2 + 1)])
        """,
    "tuple_concatenation": """
        import keras
        IMG_SIZE = (6, 6)
        model = keras.Sequential([keras.Input(IMG_SIZE + (3,)), keras.layers.Flatten(),
                                  keras.layers.Dense(2)])
        """,
    "unpacking": """
        import keras
        height, width = 5, 7
        shape = (height, width)
        model = keras.Sequential([keras.Input(shape), keras.layers.Dense(3)])
        """,
    "len_of_literal": """
        import keras
        CLASSES = ["cat", "dog", "bird"]
        model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(len(CLASSES))])
        """,
    "keyword_and_positional": """
        import keras
        model = keras.Sequential([keras.Input(shape=(10,)),
                                  keras.layers.Dense(units=5, use_bias=False),
                                  keras.layers.Dense(3, None, False)])
        """,
    "conditional_constant": """
        import keras
        DEBUG = False
        units = 4 if DEBUG else 16
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(units)])
        """,
    "function_level_names": """
        import keras
        def make():
            n_in, n_out = 9, 2
            hidden = [n_in * 2, n_in]
            model = keras.Sequential([keras.Input((n_in,))])
            for h in hidden:
                model.add(keras.layers.Dense(h))
            model.add(keras.layers.Dense(n_out))
            return model
        model = make()
        """,
}

BROKEN = {
    "batch_input_shape_on_a_layer": ("""
        import keras
        model = keras.Sequential([keras.layers.Dense(3, batch_input_shape=(16, 5))])
        """, "SL105"),
    "dense_rank_into_flattened_input": ("""
        import keras
        model = keras.Sequential([keras.Input(()), keras.layers.Dense(3)])
        """, "SL101"),
    "second_input_via_add": ("""
        import keras
        model = keras.Sequential()
        model.add(keras.Input((3,)))
        model.add(keras.layers.Dense(2))
        model.add(keras.layers.InputLayer(shape=(2,)))
        """, "SL106"),
    "broken_model_in_function": ("""
        import keras
        def build():
            return keras.Sequential([keras.Input((3,)), keras.layers.Dropout(2.0)])
        model = build()
        """, "SL105"),
}


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted(IMPORT_STYLES))
def test_import_styles(name: str, oracle: Oracle) -> None:
    analysis, _ = assert_agrees(IMPORT_STYLES[name], oracle, expect_raises=False)
    assert analysis.models and analysis.models[0].output_shape is not None


def test_keras_core_is_read_as_keras() -> None:
    # keras_core, Keras 3 before its release, is not installed next to TensorFlow: the oracle
    # for this spelling is the same program spelled `keras`.
    program = textwrap.dedent("""
        import keras_core as keras
        from keras_core import layers
        model = keras.Sequential([keras.Input((28, 28, 1)), layers.Dense(8), layers.Conv1D(4, 3)])
        """)
    as_keras = analyze_source(program.replace("keras_core", "keras"))
    as_keras_core = analyze_source(program)
    assert as_keras_core.models[0].layers[1].output_shape == (None, 28, 28, 8)
    assert [f.message for f in as_keras_core.findings] == [f.message for f in as_keras.findings]
    assert [f.code for f in as_keras_core.findings] == ["SL101"]


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted(MODEL_STYLES))
def test_model_styles(name: str, oracle: Oracle) -> None:
    analysis, _ = assert_agrees(MODEL_STYLES[name], oracle, expect_raises=False)
    assert any(report.output_shape is not None for report in analysis.models)


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted(VALUES))
def test_values_from_constants(name: str, oracle: Oracle) -> None:
    analysis, _ = assert_agrees(VALUES[name], oracle, expect_raises=False)
    assert analysis.models[-1].output_shape is not None


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted(BROKEN))
def test_refusals_through_styles(name: str, oracle: Oracle) -> None:
    source, code = BROKEN[name]
    assert_agrees(source, oracle, expect_error=code, expect_raises=True)


def _engine(source: str):  # type: ignore[no-untyped-def]
    return analyze_source(textwrap.dedent(source))


UNKNOWABLE = {
    "custom_layer_class": """
        import keras
        class Mine(keras.layers.Layer):
            def call(self, x):
                return x
        model = keras.Sequential([keras.Input((4,)), Mine(), keras.layers.Conv2D(3, 3)])
        """,
    "lambda_without_output_shape": """
        import keras
        model = keras.Sequential([keras.Input((4,)),
                                  keras.layers.Lambda(lambda t: t[:, :, None]),
                                  keras.layers.Conv1D(2, 1)])
        """,
    "value_from_parameter_of_uncalled_function": """
        import keras
        def build(shape):
            return keras.Sequential([keras.Input(shape), keras.layers.Conv2D(3, 3)])
        """,
    "value_from_environment": """
        import os
        import keras
        units = int(os.environ["UNITS"])
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(units),
                                  keras.layers.Reshape((units, 1))])
        """,
    "layers_added_in_unknown_branch": """
        import sys
        import keras
        model = keras.Sequential([keras.Input((4,))])
        if len(sys.argv) > 1:
            model.add(keras.layers.Reshape((2, 2)))
        model.add(keras.layers.Conv1D(2, 1))
        """,
    "model_handed_to_unknown_function": """
        import keras
        from mylib import add_head
        model = keras.Sequential([keras.Input((4,))])
        add_head(model)
        model.add(keras.layers.LSTM(2))
        """,
    "layer_from_unknown_module": """
        import keras
        from mylib import Block
        model = keras.Sequential([keras.Input((4,)), Block(), keras.layers.LSTM(2)])
        """,
    "layer_with_unpacked_kwargs": """
        import keras
        from mylib import CONFIG
        model = keras.Sequential([keras.Input((4,)), keras.layers.Reshape(**CONFIG),
                                  keras.layers.LSTM(2)])
        """,
}


@pytest.mark.parametrize("name", sorted(UNKNOWABLE))
def test_unknowable_stays_silent(name: str) -> None:
    analysis = _engine(UNKNOWABLE[name])
    assert analysis.findings == []
    assert analysis.models[-1].output_shape is None


def test_step_budget_bounds_huge_loops() -> None:
    source = "import keras\nm = keras.Sequential([keras.Input((2,))])\n" + (
        "for i in range(200):\n    for j in range(200):\n        x = i * j\n")
    analysis = _engine(source)
    assert analysis.models[0].output_shape == (None, 2)


def test_nested_training_loops_are_unrolled_only_within_the_bound() -> None:
    # keras-io's generation loops: epochs x samples x steps, a predict at each turn. Unrolled
    # in full they spent the step budget and hid the problem after them (SL005).
    analysis = _engine("""
        import numpy as np
        import keras
        model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4)])
        model.compile(loss="mse")
        for epoch in range(60):
            for sample in range(40):
                for step in range(30):
                    model.predict(np.zeros((1, 8)))
        model.fit(np.zeros((2, 9)), np.zeros((2, 4)))
        """)
    assert [f.code for f in analysis.findings] == ["SL201"]


def test_small_nested_loops_are_still_unrolled() -> None:
    analysis = _engine("""
        import keras
        model = keras.Sequential([keras.Input((8,))])
        for block in range(3):
            for units in (16, 8):
                model.add(keras.layers.Dense(units))
        """)
    assert len(analysis.models[0].layers) == 7
    assert analysis.models[0].output_shape == (None, 8)


def test_recursive_function_terminates() -> None:
    analysis = _engine("""
        import keras
        def f(n):
            return f(n - 1)
        model = keras.Sequential([keras.Input((f(3),)), keras.layers.Dense(2)])
        """)
    assert analysis.findings == []
    # A partly known shape keeps its rank; the size f(3) is not known.
    assert analysis.models[0].input_shape == (None, None)


@pytest.mark.tensorflow
def test_self_referential_aliases_terminate(oracle: Oracle) -> None:
    # `a` ends up None, and Keras refuses Dense(None): the engine must follow that far.
    assert_agrees("""
        a = b = None
        a = b
        b = a
        import keras
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(a)])
        """, oracle, expect_error="SL105", expect_raises=True)


def test_syntax_error_is_the_only_finding() -> None:
    analysis = _engine("""
        import keras
        model = keras.Sequential([keras.Input((3,)), keras.layers.Conv2D(3, 3)
        """)
    assert [f.code for f in analysis.findings] == ["SL001"]
    assert not analysis.parsed


def _related(source: str) -> list[tuple[int, str]]:
    (finding,) = analyze_source(textwrap.dedent(source)).findings
    return [(r.range.start.line, r.message) for r in finding.related]


def test_a_rank_mismatch_points_at_the_layer_that_made_the_shape(oracle: Oracle) -> None:
    source = """
        import keras
        model = keras.Sequential([
            keras.Input((784,)),
            keras.layers.Dense(128),
            keras.layers.Conv2D(8, 3),
        ])
        """
    assert_agrees(source, oracle, expect_error="SL101", expect_raises=True)
    assert _related(source) == [(4, "Dense(128) is added here: (None, 128)")]


def test_a_rank_mismatch_after_a_merge_points_at_the_merge(oracle: Oracle) -> None:
    source = """
        import keras
        model = keras.Sequential([
            keras.Input((18, 1)),
            keras.layers.LSTM(5, return_state=True),
            keras.layers.Concatenate(),
            keras.layers.Conv2D(3, 3),
        ])
        """
    assert_agrees(source, oracle, expect_error="SL101", expect_raises=True)
    assert _related(source) == [(5, "Concatenate() is added here: (None, 15)")]


def test_a_rank_mismatch_on_the_first_layer_points_at_the_input() -> None:
    assert _related("""
        import keras
        model = keras.Sequential([
            keras.Input((784,)),
            keras.layers.LSTM(8),
        ])
        """) == [(3, "the model input is declared here: (None, 784)")]


def test_the_evaluator_walks_every_node_ast_walk_finds() -> None:
    """`nodes_within` stands in for `ast.walk` on the evaluator's hot path."""
    for path in [*sorted(EXAMPLES.glob("*.py")), Path(python.__file__)]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert sorted(map(id, syntax.nodes_within(tree))) == sorted(map(id, ast.walk(tree)))
