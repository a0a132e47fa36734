"""Every quick fix, verified three ways: the edited file parses, the engine no longer reports
the finding, and real TensorFlow runs the fixed program without an error."""

from __future__ import annotations

import pytest

from tests.checks.support import verify_fix

pytestmark = pytest.mark.tensorflow

H = """
import numpy as np
import keras
from keras import layers
"""

# name: (program, code, title of the fix (None: the preferred one), codes left afterwards)
CASES: dict[str, tuple[str, str, str | None, list[str]]] = {
    # -- build refusals ----------------------------------------------------------------------
    "reshape_before_conv2d": (H + """
model = keras.Sequential([
    layers.Dense(128, input_shape=(784,)),
    layers.Conv2D(32, 3),
])
model.predict(np.zeros((2, 784)), verbose=0)
""", "SL101", "Reshape((8, 16, 1))", []),
    "dense_units_for_reshape": (H + """
model = keras.Sequential([
    layers.Dense(128, input_shape=(784,)),
    layers.Reshape((28, 28, 1)),
    layers.Conv2D(32, 3),
])
model.predict(np.zeros((2, 784)), verbose=0)
""", "SL104", "784 units", []),
    "reshape_target_with_the_right_count": (H + """
model = keras.Sequential([
    layers.Dense(128, input_shape=(784,)),
    layers.Reshape((28, 28, 1)),
    layers.Conv2D(32, 3),
])
model.predict(np.zeros((2, 784)), verbose=0)
""", "SL104", "Reshape to (8, 16, 1)", []),
    "remove_flatten_between_rnns": (H + """
model = keras.Sequential([
    layers.LSTM(32, return_sequences=True, input_shape=(None, 10)),
    layers.Flatten(),
    layers.LSTM(16),
    layers.Dense(1),
])
model.compile("adam", "mse")
model.fit(np.random.rand(8, 5, 10), np.random.rand(8), epochs=1, verbose=0)
""", "SL101", "Remove Flatten()", []),
    "return_sequences_on_the_previous_rnn": (H + """
model = keras.Sequential()
model.add(layers.LSTM(32, input_shape=(20, 10)))
model.add(layers.Dropout(0.2))
model.add(layers.LSTM(16))
model.add(layers.Dense(1))
model.compile("adam", "mse")
model.fit(np.random.rand(8, 20, 10), np.random.rand(8), epochs=1, verbose=0)
""", "SL101", "return_sequences=True", []),
    "return_sequences_inside_bidirectional": (H + """
model = keras.Sequential([
    keras.Input((20, 10)),
    layers.Bidirectional(layers.GRU(8)),
    layers.GRU(4),
    layers.Dense(1),
])
model.predict(np.zeros((2, 20, 10)), verbose=0)
""", "SL101", "return_sequences=True", []),
    "channel_axis_in_input_shape": (H + """
model = keras.Sequential([
    layers.Conv2D(8, 3, activation="relu", input_shape=(28, 28)),
    layers.Flatten(),
    layers.Dense(10, activation="softmax"),
])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(np.random.rand(16, 28, 28), np.random.randint(0, 10, 16), epochs=1, verbose=0)
""", "SL101", None, []),
    "channel_axis_in_keras_input": (H + """
model = keras.Sequential([keras.Input(shape=(28, 28)), layers.Conv2D(8, 3), layers.Flatten(),
                          layers.Dense(1)])
model.predict(np.zeros((2, 28, 28)), verbose=0)
""", "SL101", None, []),
    "batch_dimension_in_input_shape": (H + """
model = keras.Sequential([
    layers.Conv2D(8, 3, input_shape=(None, 28, 28, 1)),
    layers.Flatten(),
    layers.Dense(10),
])
model.predict(np.zeros((2, 28, 28, 1)), verbose=0)
""", "SL101", None, []),
    "declare_the_input_of_a_model_built_by_data": (H + """
model = keras.Sequential([layers.Conv2D(4, 3), layers.Flatten(), layers.Dense(10)])
model.compile("adam", "mse")
model.fit(np.zeros((10, 28, 28)), np.zeros((10, 10)), epochs=1, verbose=0)
""", "SL101", None, []),
    "channel_axis_on_the_data": (H + """
model = keras.Sequential([layers.Conv2D(4, 3), layers.Flatten(), layers.Dense(10)])
model.compile("adam", "mse")
x_train = np.zeros((10, 28, 28))
model.fit(x_train / 255.0, np.zeros((10, 10)), epochs=1, verbose=0)
model.predict(x_train, verbose=0)
""", "SL101", "to the data", []),
    "pooling_instead_of_flatten_over_unknown_sizes": (H + """
model = keras.Sequential([keras.Input((None, None, 3)), layers.Conv2D(4, 3), layers.Flatten(),
                          layers.Dense(2)])
model.predict(np.zeros((2, 16, 16, 3)), verbose=0)
""", "SL102", None, []),
    # -- data ---------------------------------------------------------------------------------
    "batch_axis_for_one_sample": (H + """
model = keras.Sequential([layers.Dense(10, input_shape=(5,))])
sample = np.random.rand(5)
print(model.predict(sample, verbose=0))
""", "SL202", None, []),
    "batch_axis_for_one_image": (H + """
model = keras.Sequential([keras.Input((28, 28, 1)), layers.GlobalAveragePooling2D(),
                          layers.Dense(2)])
image = np.random.rand(28, 28, 1)
model.predict(image, verbose=0)
""", "SL203", None, []),
    "timestep_axis_for_sequences": (H + """
model = keras.Sequential([layers.LSTM(16, input_shape=(None, 10)), layers.Dense(1)])
model.compile("adam", "mse")
model.fit(np.random.rand(100, 10), np.random.rand(100), epochs=1, verbose=0)
""", "SL201", "np.expand_dims(x, 1)", []),
    "flatten_images_for_a_dense_model": (H + """
model = keras.Sequential([keras.Input((784,)), layers.Dense(10, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy")
images = np.random.rand(16, 28, 28)
model.fit(images, np.random.randint(0, 10, 16), epochs=1, verbose=0)
""", "SL201", "Reshape x", []),
    "numpy_import_added_when_missing": ("""
import tensorflow as tf
model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])
model.predict(tf.constant([1.0, 2.0, 3.0]), verbose=0)
""", "SL202", None, []),
    # An added import must run before its use (TensorFlow would raise a NameError).
    "numpy_import_outside_a_type_checking_block": ("""
import tensorflow as tf
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    from collections.abc import Sequence
model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])
model.predict(tf.constant([1.0, 2.0, 3.0]), verbose=0)
""", "SL202", None, []),
    "numpy_import_outside_a_try_block": ("""
import tensorflow as tf
try:
    import ujson as json
except ImportError:
    import json
model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])
model.predict(tf.constant([1.0, 2.0, 3.0]), verbose=0)
""", "SL202", None, []),
    "numpy_import_before_its_use": ("""
import tensorflow as tf
model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])
model.predict(tf.constant([1.0, 2.0, 3.0]), verbose=0)
import sys
""", "SL202", None, []),
    "numpy_import_under_a_free_name": ("""
import tensorflow as tf
np = None  # set by the plotting helpers
model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])
model.predict(tf.constant([1.0, 2.0, 3.0]), verbose=0)
""", "SL202", None, []),
    "numpy_import_that_may_be_rebound": ("""
import tensorflow as tf
try:
    import numpy as np
except ImportError:
    np = None
model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(1)])
model.predict(tf.constant([1.0, 2.0, 3.0]), verbose=0)
""", "SL202", None, []),
    "drop_the_batch_dimension_of_the_input": (H + """
model = keras.Sequential([layers.Dense(64, input_shape=(32, 784)),
                          layers.Dense(10, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(np.random.rand(100, 784), np.random.randint(0, 10, 100), epochs=1, verbose=0)
""", "SL201", "Drop the batch dimension from the input shape: (784,)", []),
    "drop_an_unknown_batch_dimension_of_the_input": (H + """
model = keras.Sequential([layers.Dense(64, input_shape=(None, 784)),
                          layers.Dense(10, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(np.random.rand(100, 784), np.random.randint(0, 10, 100), epochs=1, verbose=0)
""", "SL201", None, []),
    # -- losses and activations -------------------------------------------------------------
    "binary_loss_for_one_unit": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss='categorical_crossentropy')
model.fit(np.random.rand(16, 4), np.random.randint(0, 2, 16), epochs=1, verbose=0)
""", "SL311", None, []),
    "binary_loss_in_the_loss_constant": (H + """
LOSS = "categorical_crossentropy"
model = keras.Sequential([keras.Input((4,)), layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss=LOSS)
model.fit(np.random.rand(16, 4), np.random.randint(0, 2, 16), epochs=1, verbose=0)
""", "SL311", None, []),
    "sigmoid_for_one_unit": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(1, activation='softmax')])
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(np.random.rand(16, 4), np.random.randint(0, 2, 16), epochs=1, verbose=0)
""", "SL312", None, []),
    "sigmoid_instead_of_a_softmax_layer": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(1), layers.Softmax()])
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(np.random.rand(16, 4), np.random.randint(0, 2, 16), epochs=1, verbose=0)
""", "SL312", None, []),
    "categorical_loss_for_a_softmax_head": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")])
model.compile(optimizer="adam", loss="binary_crossentropy")
y = keras.utils.to_categorical(np.random.randint(0, 3, 16), 3)
model.fit(np.random.rand(16, 4), y, epochs=1, verbose=0)
""", "SL313", None, []),
    "sparse_loss_for_integer_labels": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")])
model.compile(optimizer="adam", loss="categorical_crossentropy")
model.fit(np.random.rand(16, 4), np.random.randint(0, 3, 16), epochs=1, verbose=0)
""", "SL301", "sparse_categorical_crossentropy", []),
    "one_hot_encode_integer_labels": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")])
model.compile(optimizer="adam", loss="categorical_crossentropy")
labels = np.random.randint(0, 3, 16)
model.fit(np.random.rand(16, 4), labels, epochs=1, verbose=0)
""", "SL301", "to_categorical", []),
    "sparse_loss_object_for_integer_labels": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")])
model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy())
model.fit(np.random.rand(16, 4), np.random.randint(0, 3, 16), epochs=1, verbose=0)
""", "SL301", None, []),
    "categorical_loss_for_one_hot_labels": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
y = keras.utils.to_categorical(np.random.randint(0, 3, 16), 3)
model.fit(np.random.rand(16, 4), y, epochs=1, verbose=0)
""", "SL302", "Use categorical_crossentropy", []),
    "argmax_of_one_hot_labels": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
y = keras.utils.to_categorical(np.random.randint(0, 3, 16), 3)
model.fit(np.random.rand(16, 4), y, epochs=1, verbose=0)
""", "SL302", "argmax", []),
    "flatten_before_the_head": (H + """
model = keras.Sequential([layers.Dense(128, input_shape=(28, 28), activation="relu"),
                          layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(np.random.rand(32, 28, 28, 1), np.random.randint(0, 10, 32), epochs=1, verbose=0)
""", "SL304", "Flatten", []),
    "pooling_before_the_head": (H + """
model = keras.Sequential([
    keras.Input((20, 8)),
    layers.LSTM(16, return_sequences=True),
    layers.Dense(5, activation="softmax"),
])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(np.random.rand(32, 20, 8), np.random.randint(0, 5, 32), epochs=1, verbose=0)
""", "SL304", "GlobalAveragePooling1D", []),
    "last_rnn_returns_its_last_output": (H + """
model = keras.Sequential([
    keras.Input((20, 8)),
    layers.LSTM(16, return_sequences=True),
    layers.Dense(5, activation="softmax"),
])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(np.random.rand(32, 20, 8), np.random.randint(0, 5, 32), epochs=1, verbose=0)
""", "SL304", "return_sequences=False", []),
    "units_for_the_label_values": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(5, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(np.random.rand(40, 4), np.random.randint(0, 10, 40), epochs=1, verbose=0)
""", "SL305", None, []),
    "units_for_the_label_columns": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="categorical_crossentropy")
y = keras.utils.to_categorical(np.random.randint(0, 5, 16), 5)
model.fit(np.random.rand(16, 4), y, epochs=1, verbose=0)
""", "SL303", None, []),
    "input_instead_of_input_length": (H + """
model = keras.Sequential([
    layers.Embedding(10, 5, input_length=4),
    layers.LSTM(8),
    layers.Dense(1, activation="sigmoid"),
])
model.compile("adam", "binary_crossentropy")
model.summary()
print(model.count_params())
""", "SL401", None, []),
    "input_from_the_layers_module": ("""
import numpy as np
from keras import layers, models
model = models.Sequential([
    layers.Embedding(10, 5, input_length=4),
    layers.LSTM(8),
    layers.Dense(1, activation="sigmoid"),
])
model.compile("adam", "binary_crossentropy")
print(model.count_params())
""", "SL401", None, []),
    "input_added_to_the_layers_import": ("""
from tensorflow.keras.layers import Embedding, LSTM, Dense
from tensorflow.keras.models import Sequential
model = Sequential()
model.add(Embedding(10, 5, input_length=4))
model.add(LSTM(8))
model.add(Dense(1, activation="sigmoid"))
print(model.count_params())
""", "SL401", None, []),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_fix_really_fixes(name: str, oracle) -> None:  # type: ignore[no-untyped-def]
    source, code, title, remaining = CASES[name]
    verify_fix(source, code, oracle, title=title, remaining=remaining)
