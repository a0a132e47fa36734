"""Data against the model at fit/evaluate/predict (SL2xx), each case judged by real TensorFlow.

Each case gives a program, the codes the engine must report (nothing else), and whether
TensorFlow raises; an error finding must sit on the statement TensorFlow raised at.
"""

from __future__ import annotations

import pytest

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
