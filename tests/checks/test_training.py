"""Data against the model at fit/evaluate/predict (SL2xx), each case judged by real TensorFlow.

Each case gives a program, the codes the engine must report (nothing else), and whether
TensorFlow raises; an error finding must sit on the statement TensorFlow raised at.
"""

from __future__ import annotations

import pytest

from shape_engine import analyze_source
from shape_engine.analysis import Analysis
from shape_engine.source import LineIndex
from tests.checks.support import check_against_tf, finding

pytestmark = pytest.mark.tensorflow

H = """
import numpy as np
import keras
from keras import layers
"""

CASES: dict[str, tuple[str, list[str], bool]] = {
    # -- x against the model's input -----------------------------------------------------
    "dense_feature_count": (H + """
model = keras.Sequential([layers.Dense(64, input_shape=(100,)), layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
model.fit(np.random.rand(1000, 200), np.random.rand(1000), epochs=1, verbose=0)
""", ["SL201"], True),
    "flatten_multiplies_the_difference": (H + """
model = keras.Sequential([keras.Input((10, 3)), layers.Conv1D(4, 3), layers.Flatten(),
                          layers.Dense(1)])
model.compile("adam", "mse")
model.fit(np.random.rand(8, 12, 3), np.random.rand(8), epochs=1, verbose=0)
""", ["SL201"], True),
    # Convolutions without data_format take the global one: channels are axis 1 here.
    "global_channels_first_other_image_size": (H + """
keras.config.set_image_data_format("channels_first")
model = keras.Sequential([keras.Input((3, 8, 8)), layers.Conv2D(4, 3),
                          layers.GlobalAveragePooling2D(), layers.Dense(1)])
model.compile("adam", "mse")
model.fit(np.random.rand(4, 3, 10, 10), np.random.rand(4), epochs=1, verbose=0)
""", [], False),
    "global_channels_first_channel_count": (H + """
keras.config.set_image_data_format("channels_first")
model = keras.Sequential([keras.Input((3, 8, 8)), layers.Conv2D(4, 3),
                          layers.GlobalAveragePooling2D(), layers.Dense(1)])
model.compile("adam", "mse")
model.fit(np.random.rand(4, 5, 8, 8), np.random.rand(4), epochs=1, verbose=0)
""", ["SL201"], True),
    "rnn_takes_other_timesteps": (H + """
model = keras.Sequential([keras.Input((10, 3)), layers.LSTM(4), layers.Dense(1)])
model.compile("adam", "mse")
model.fit(np.random.rand(8, 12, 3), np.random.rand(8), epochs=1, verbose=0)
""", [], False),
    "rnn_feature_count": (H + """
model = keras.Sequential([keras.Input((10, 3)), layers.LSTM(4), layers.Dense(1)])
model.compile("adam", "mse")
model.fit(np.random.rand(8, 10, 5), np.random.rand(8), epochs=1, verbose=0)
""", ["SL201"], True),
    "embedding_takes_other_lengths": (H + """
model = keras.Sequential([keras.Input((10,)), layers.Embedding(50, 4),
                          layers.GlobalAveragePooling1D(), layers.Dense(1)])
model.compile("adam", "mse")
model.fit(np.random.randint(0, 50, (8, 12)), np.random.rand(8), epochs=1, verbose=0)
""", [], False),
    "embedding_then_flatten_length": (H + """
model = keras.Sequential([keras.Input((10,)), layers.Embedding(50, 4), layers.Flatten(),
                          layers.Dense(1)])
model.compile("adam", "mse")
model.fit(np.random.randint(0, 50, (8, 12)), np.random.rand(8), epochs=1, verbose=0)
""", ["SL201"], True),
    "sequences_as_2d_to_an_rnn": (H + """
model = keras.Sequential([layers.LSTM(16, input_shape=(None, 10)), layers.Dense(1)])
model.compile("adam", "mse")
model.fit(np.random.rand(100, 10), np.random.rand(100), epochs=1, verbose=0)
""", ["SL201"], True),
    "images_flattened_for_a_cnn": (H + """
model = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(4, 3), layers.Flatten(),
                          layers.Dense(10, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(np.random.rand(16, 784), np.random.randint(0, 10, 16), epochs=1, verbose=0)
""", ["SL201"], True),
    "extra_trailing_axis_of_one_is_squeezed": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
model.compile("adam", "mse")
model.fit(np.random.rand(20, 4, 1), np.random.rand(20), epochs=1, verbose=0)
""", [], False),
    "missing_channel_axis_is_added": (H + """
model = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(4, 3), layers.Flatten(),
                          layers.Dense(10, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(np.random.rand(16, 28, 28), np.random.randint(0, 10, 16), epochs=1, verbose=0)
""", [], False),
    "missing_channel_axis_undeclared_model": (H + """
model = keras.Sequential([layers.Conv2D(4, 3), layers.Flatten(), layers.Dense(10)])
model.compile("adam", "mse")
model.fit(np.zeros((10, 28, 28)), np.zeros((10, 10)), epochs=1, verbose=0)
""", ["SL101"], True),  # built by its data: the engine points at Conv2D
    "missing_channel_axis_rgb": (H + """
model = keras.Sequential([keras.Input((32, 32, 3)), layers.Conv2D(4, 3), layers.Flatten(),
                          layers.Dense(1)])
model.compile("adam", "mse")
model.fit(np.random.rand(8, 32, 32), np.random.rand(8), epochs=1, verbose=0)
""", ["SL201"], True),
    # -- one sample without its batch axis -----------------------------------------------
    "predict_single_sample": (H + """
model = keras.Sequential([layers.Dense(10, input_shape=(5,))])
model.predict(np.random.rand(5), verbose=0)
""", ["SL202"], True),
    "call_single_sample": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
model(np.random.rand(4))
""", ["SL202"], True),
    "predict_on_batch_single_sample": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
model.predict_on_batch(np.random.rand(4))
""", ["SL202"], True),
    "evaluate_single_sample": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
model.compile("adam", "mse")
model.evaluate(np.random.rand(4), np.random.rand(1), verbose=0)
""", ["SL202", "SL204"], True),
    "single_image_fails_deep_inside": (H + """
model = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(4, 3), layers.Flatten(),
                          layers.Dense(2)])
model.predict(np.random.rand(28, 28, 1), verbose=0)
""", ["SL202"], True),
    "single_image_read_as_a_batch": (H + """
model = keras.Sequential([keras.Input((28, 28, 1)), layers.GlobalAveragePooling2D(),
                          layers.Dense(2)])
predictions = model.predict(np.random.rand(28, 28, 1), verbose=0)
""", ["SL203"], False),
    "single_sample_given_as_a_batch_of_one": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
sample = np.random.rand(4)
model.predict(sample[np.newaxis], verbose=0)
model.predict(np.expand_dims(sample, 0), verbose=0)
model.predict(sample.reshape(1, -1), verbose=0)
""", [], False),
    # Keras adds the trailing axis of size 1: (1,) for an input (None, 1) is one sample.
    "one_sample_of_one_feature": (H + """
xs = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0])
ys = np.array([-3.0, -1.0, 1.0, 3.0, 5.0, 7.0])
model = keras.Sequential([layers.Dense(units=1, input_shape=[1])])
model.compile(optimizer="sgd", loss="mean_squared_error")
model.fit(xs, ys, epochs=5, verbose=0)
print(model.predict(np.array([10.0]), verbose=0))
""", [], False),
    "fit_and_evaluate_one_sample_of_one_feature": (H + """
model = keras.Sequential([keras.Input((1,)), layers.Dense(1)])
model.compile(optimizer="sgd", loss="mse")
model.fit(np.array([1.0]), np.array([2.0]), epochs=1, verbose=0)
model.evaluate(np.array([1.0]), np.array([2.0]), verbose=0)
model.predict_on_batch(np.array([1.0]))
""", [], False),
    "one_sample_of_ones": (H + """
model = keras.Sequential([keras.Input((1, 1)), layers.Flatten(), layers.Dense(2)])
model.predict(np.ones((1, 1)), verbose=0)
""", [], False),
    "batch_dimension_in_input_shape": (H + """
model = keras.Sequential([layers.Dense(64, input_shape=(32, 784)),
                          layers.Dense(10, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(np.random.rand(100, 784), np.random.randint(0, 10, 100), epochs=1, verbose=0)
""", ["SL201", "SL304"], True),
    # -- models built by their first data ------------------------------------------------
    "undeclared_model_then_single_sample": (H + """
model = keras.Sequential([layers.Dense(3), layers.Dense(1)])
model.compile("adam", "mse")
model.fit(np.random.rand(20, 5), np.random.rand(20), epochs=1, verbose=0)
model.predict(np.random.rand(5), verbose=0)
""", ["SL202"], True),
    "undeclared_model_then_other_features": (H + """
model = keras.Sequential([layers.Dense(3), layers.Dense(1)])
model.compile("adam", "mse")
model.fit(np.random.rand(20, 5), np.random.rand(20), epochs=1, verbose=0)
model.predict(np.random.rand(4, 6), verbose=0)
""", ["SL201"], True),
    "undeclared_model_squeezes_later": (H + """
model = keras.Sequential([layers.Dense(3), layers.Dense(1)])
model.compile("adam", "mse")
model.fit(np.random.rand(20, 5), np.random.rand(20), epochs=1, verbose=0)
model.predict(np.random.rand(4, 5, 1), verbose=0)
""", [], False),
    # -- sample counts -------------------------------------------------------------------
    "fit_sample_counts": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
model.compile("adam", "mse")
model.fit(np.random.rand(8, 4), np.random.rand(7), verbose=0)
""", ["SL204"], True),
    "validation_sample_counts": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
model.compile("adam", "mse")
model.fit(np.random.rand(8, 4), np.random.rand(8), verbose=0,
          validation_data=(np.random.rand(6, 4), np.random.rand(5)))
""", ["SL204"], True),
    "evaluate_sample_counts": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
model.compile("adam", "mse")
model.evaluate(np.random.rand(8, 4), np.random.rand(7), verbose=0)
""", ["SL204"], True),
    "train_on_batch_sample_counts": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
model.compile("adam", "mse")
model.train_on_batch(np.random.rand(8, 4), np.random.rand(7))
""", ["SL204"], True),
    "labels_of_the_other_split": (H + """
x = np.random.rand(100, 8)
y = np.random.randint(0, 2, 100)
split = int(len(x) * 0.8)
x_train, x_test = x[:split], x[split:]
y_train, y_test = y[:split], y[split:]
model = keras.Sequential([keras.Input((8,)), layers.Dense(1, activation="sigmoid")])
model.compile("adam", "binary_crossentropy")
model.fit(x_train, y_test, epochs=1, verbose=0)
""", ["SL204"], True),
    # -- compile -------------------------------------------------------------------------
    "fit_before_compile": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
model.fit(np.random.rand(8, 4), np.random.rand(8), verbose=0)
model.compile("adam", "mse")
""", ["SL205"], True),
    "evaluate_before_compile": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
model.evaluate(np.random.rand(8, 4), np.random.rand(8), verbose=0)
""", ["SL205"], True),
    "train_on_batch_before_compile": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
model.train_on_batch(np.random.rand(8, 4), np.random.rand(8))
""", ["SL205"], True),
    "predict_needs_no_compile": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
model.predict(np.random.rand(8, 4), verbose=0)
""", [], False),
    "compile_in_a_function": (H + """
def build():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
    model.compile("adam", "mse")
    return model

model = build()
model.fit(np.random.rand(8, 4), np.random.rand(8), epochs=1, verbose=0)
""", [], False),
    # -- the scenario of the issue -------------------------------------------------------
    "dense_stack_fits_its_data": (H + """
model = keras.Sequential([layers.Dense(10, input_shape=(784,)), layers.Dense(20),
                          layers.Dense(5)])
model.compile("adam", "mse")
model.fit(np.random.rand(32, 784), np.random.rand(32, 5), epochs=1, verbose=0)
""", [], False),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_agrees_with_tensorflow(name: str, oracle) -> None:  # type: ignore[no-untyped-def]
    source, expected, raises = CASES[name]
    check_against_tf(source, oracle, expected, raises, built_by_data="SL101" in expected)


def test_one_sample_read_as_one_sample_of_another_shape(oracle) -> None:  # type: ignore[no-untyped-def]
    source = H + """
model = keras.Sequential([keras.Input((1, 5, 1)), layers.Flatten(), layers.Dense(2)])
model.predict(np.zeros((1, 5, 1)), verbose=0)
"""
    analysis, _ = check_against_tf(source, oracle, ["SL203"], raises=False)
    assert finding(analysis, "SL203").message.endswith(
        "Keras reads it as 1 sample of shape (5, 1, 1)")


# -- related locations: where the shapes that disagree come from --------------------------------


def related_of(analysis: Analysis, code: str) -> list[tuple[str, str]]:
    """(source text, message) of each related location of the one `code` finding."""
    index = LineIndex(analysis.text)
    return [(index.text_of(r.range), r.message) for r in finding(analysis, code).related
            if r.file is None]


def test_a_mismatch_points_at_the_data_and_the_declared_input(oracle) -> None:  # type: ignore[no-untyped-def]
    analysis, _ = check_against_tf(H + """
x_train = np.random.rand(64, 32, 32, 1)
y_train = np.random.rand(64, 10)
model = keras.Sequential([keras.Input((28, 28, 1)), layers.Flatten(), layers.Dense(10)])
model.compile("adam", "mse")
model.fit(x_train, y_train, epochs=1, verbose=0)
""", oracle, ["SL201"], raises=True)
    assert related_of(analysis, "SL201") == [
        ("x_train", "x (x_train) is defined here"),
        ("keras.Input((28, 28, 1))", "the model input is declared here: (None, 28, 28, 1)"),
        ("layers.Dense(10)", "Dense(10) is added here"),
    ]


def test_a_rank_mismatch_points_at_input_shape(oracle) -> None:  # type: ignore[no-untyped-def]
    analysis, _ = check_against_tf(H + """
model = keras.Sequential([layers.Dense(8, input_shape=(28, 28)), layers.Flatten(),
                          layers.Dense(1)])
model.compile("adam", "mse")
x = np.random.rand(16, 784)
model.fit(x, np.random.rand(16), epochs=1, verbose=0)
""", oracle, ["SL201"], raises=True)
    assert related_of(analysis, "SL201") == [
        ("x", "x is defined here"),
        ("input_shape=(28, 28)", "the model input is declared here: (None, 28, 28)"),
    ]


def test_a_model_built_by_build_points_at_build(oracle) -> None:  # type: ignore[no-untyped-def]
    analysis, _ = check_against_tf(H + """
model = keras.Sequential([layers.Dense(8), layers.Dense(1)])
model.build((None, 20))
model.compile("adam", "mse")
features = np.random.rand(16, 10)
model.fit(features, np.random.rand(16), epochs=1, verbose=0)
""", oracle, ["SL201"], raises=True)
    assert related_of(analysis, "SL201") == [
        ("features", "x (features) is defined here"),
        ("model.build((None, 20))", "the model input is set here: (None, 20)"),
        ("layers.Dense(8)", "Dense(8) is added here"),
    ]


def test_a_sample_without_batch_axis_points_at_its_definition(oracle) -> None:  # type: ignore[no-untyped-def]
    analysis, _ = check_against_tf(H + """
model = keras.Sequential([keras.Input((5,)), layers.Dense(2)])
sample = np.random.rand(5)
model.predict(sample, verbose=0)
""", oracle, ["SL202"], raises=True)
    assert related_of(analysis, "SL202") == [
        ("sample", "x (sample) is defined here"),
        ("keras.Input((5,))", "the model input is declared here: (None, 5)"),
    ]


def test_a_sample_read_as_a_batch_points_at_its_definition(oracle) -> None:  # type: ignore[no-untyped-def]
    analysis, _ = check_against_tf(H + """
model = keras.Sequential([keras.Input((1, 5, 1)), layers.Flatten(), layers.Dense(2)])
image = np.zeros((1, 5, 1))
model.predict(image, verbose=0)
""", oracle, ["SL203"], raises=False)
    assert related_of(analysis, "SL203") == [
        ("image", "x (image) is defined here"),
        ("keras.Input((1, 5, 1))", "the model input is declared here: (None, 1, 5, 1)"),
    ]


def test_a_sample_count_mismatch_points_at_both_definitions(oracle) -> None:  # type: ignore[no-untyped-def]
    source, codes_, raises = CASES["labels_of_the_other_split"]
    analysis, _ = check_against_tf(source, oracle, codes_, raises)
    assert related_of(analysis, "SL204") == [
        ("x_train", "x: (80, 8)"),
        ("y_test", "y (y_test) is defined here"),
        ("x_train", "x (x_train) is defined here"),
    ]
    lines = [r.range.start.line for r in finding(analysis, "SL204").related]
    assert analysis.text.split("\n")[lines[1]].startswith("y_train, y_test = ")
    assert analysis.text.split("\n")[lines[2]].startswith("x_train, x_test = ")


MODEL = """
model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
model.compile("adam", "mse")
"""


@pytest.mark.parametrize("program", [
    # Bound in a branch: which binding reaches the call is not known from the source.
    "x = np.random.rand(8, 5)\nif len(x):\n    x = np.random.rand(8, 6)\n"
    "model.fit(x, np.random.rand(8), verbose=0)",
    # A loop may rebind it after the call, before the next one.
    "x = np.random.rand(8, 5)\nfor _ in range(2):\n"
    "    model.fit(x, np.random.rand(8), verbose=0)\n    x = np.random.rand(8, 4)",
    # A parameter: the data comes from the caller.
    "def train(x):\n    model.fit(x, np.random.rand(8), verbose=0)\ntrain(np.random.rand(8, 5))",
    # Written in the call itself: the argument is its own definition.
    "model.fit(np.random.rand(8, 5), np.random.rand(8), verbose=0)",
], ids=["branch", "loop", "parameter", "inline"])
def test_no_definition_when_the_source_does_not_make_it_certain(program: str) -> None:
    analysis = analyze_source(H + MODEL + program + "\n")
    assert [message for _, message in related_of(analysis, "SL201")] == [
        "the model input is declared here: (None, 4)", "Dense(1) is added here"]


def test_a_definition_in_a_with_block_and_in_the_loop_it_runs_in() -> None:
    analysis = analyze_source(H + MODEL + """
import contextlib
with contextlib.suppress(ValueError):
    x = np.random.rand(8, 5)
model.fit(x, np.random.rand(8), verbose=0)
for _ in range(2):
    batch = np.random.rand(8, 6)
    model.fit(batch, np.random.rand(8), verbose=0)
def train():
    data = np.random.rand(8, 7)
    model.fit(data, np.random.rand(8), verbose=0)
train()
""")
    lines = analysis.text.split("\n")
    index = LineIndex(analysis.text)
    first = [f.related[0] for f in analysis.findings if f.code == "SL201"]
    assert [(index.text_of(r.range), lines[r.range.start.line].strip()) for r in first] == [
        ("x", "x = np.random.rand(8, 5)"),
        ("batch", "batch = np.random.rand(8, 6)"),
        ("data", "data = np.random.rand(8, 7)"),
    ]
