"""Labels, output and loss (SL3xx) and ignored arguments (SL4xx), judged by real TensorFlow.

Warnings are the silent bugs: TensorFlow runs those programs without an error.
"""

from __future__ import annotations

import pytest

from tests.checks.support import check_against_tf

pytestmark = pytest.mark.tensorflow

H = """
import numpy as np
import keras
from keras import layers
"""


def classifier(units: int, activation: str, loss: str, labels: str, inputs: int = 4) -> str:
    return H + f"""
model = keras.Sequential([keras.Input(({inputs},)), layers.Dense(8, activation="relu"),
                          layers.Dense({units}, activation="{activation}")])
model.compile(optimizer="adam", loss={loss}, metrics=["accuracy"])
x = np.random.rand(40, {inputs})
y = {labels}
model.fit(x, y, epochs=1, batch_size=8, verbose=0)
"""


CASES: dict[str, tuple[str, list[str], bool]] = {
    # -- silent bugs -----------------------------------------------------------------------
    "categorical_loss_on_one_sigmoid_unit": (classifier(
        1, "sigmoid", '"categorical_crossentropy"', "np.random.randint(0, 2, 40)"),
        ["SL311"], False),
    "softmax_on_one_unit": (classifier(
        1, "softmax", '"binary_crossentropy"', "np.random.randint(0, 2, 40)"),
        ["SL312"], False),
    "softmax_and_categorical_loss_on_one_unit": (classifier(
        1, "softmax", '"categorical_crossentropy"', "np.random.randint(0, 2, 40)"),
        ["SL311", "SL312"], False),
    "softmax_activation_layer_on_one_unit": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(1), layers.Activation("softmax")])
model.compile("adam", "binary_crossentropy")
model.fit(np.random.rand(16, 4), np.random.randint(0, 2, 16), epochs=1, verbose=0)
""", ["SL312"], False),
    "binary_loss_on_multiclass_softmax": (classifier(
        5, "softmax", '"binary_crossentropy"',
        "keras.utils.to_categorical(np.random.randint(0, 5, 40), 5)"), ["SL313"], False),
    "sparse_loss_with_fractional_labels": (classifier(
        5, "softmax", '"sparse_categorical_crossentropy"', "np.random.rand(40)"),
        ["SL314"], False),
    "sparse_loss_with_whole_float_labels": (classifier(
        5, "softmax", '"sparse_categorical_crossentropy"',
        'np.random.randint(0, 5, 40).astype("float32")'), [], False),
    "mse_broadcasts_silently_when_batch_equals_units": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(10)])
model.compile("adam", "mse")
model.fit(np.random.rand(20, 4), np.random.rand(20), batch_size=10, epochs=1, verbose=0)
""", ["SL315"], False),
    "mse_labels_against_a_sequence_output": (H + """
model = keras.Sequential([keras.Input((6, 4)), layers.Dense(1)])
model.compile("adam", "mse")
model.fit(np.random.rand(20, 6, 4), np.random.rand(20), epochs=1, verbose=0)
""", ["SL315"], False),
    # -- errors ----------------------------------------------------------------------------
    "mse_labels_cannot_broadcast": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(10)])
model.compile("adam", "mse")
model.fit(np.random.rand(64, 4), np.random.rand(64), epochs=1, verbose=0)
""", ["SL303"], True),
    "mse_label_columns_differ": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(5)])
model.compile("adam", loss="mean_squared_error")
model.fit(np.random.rand(20, 4), np.random.rand(20, 3), epochs=1, verbose=0)
""", ["SL303"], True),
    "label_values_beyond_units": (classifier(
        5, "softmax", '"sparse_categorical_crossentropy"', "np.random.randint(0, 10, 40)"),
        ["SL305"], True),
    "negative_label_values": (classifier(
        5, "softmax", '"sparse_categorical_crossentropy"', "np.random.randint(-1, 4, 40)")
        .replace("(40, 4)", "(400, 4)").replace("-1, 4, 40", "-1, 4, 400"), ["SL305"], True),
    # Three draws from 0..5 hold no 5 about half of the time: not a certain error, silent.
    "few_labels_may_stay_in_range": (H + """
np.random.seed(3)
labels = np.random.randint(0, 6, 3)
model = keras.Sequential([keras.Input((4,)), layers.Dense(5, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(np.random.rand(3, 4), labels, epochs=1, verbose=0)
""", [], False),
    "label_values_beyond_units_in_evaluate": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy")
labels = np.arange(12) // 3
model.evaluate(np.random.rand(12, 4), labels, verbose=0)
""", ["SL305"], True),
    "sparse_loss_on_one_unit": (classifier(
        1, "sigmoid", '"sparse_categorical_crossentropy"', "np.random.randint(0, 2, 40)"),
        ["SL305"], True),
    "one_hot_labels_with_sparse_loss": (classifier(
        5, "softmax", '"sparse_categorical_crossentropy"',
        "keras.utils.to_categorical(np.random.randint(0, 5, 40), 5)"), ["SL302"], True),
    "one_hot_labels_with_sparse_loss_function": (classifier(
        5, "softmax", "keras.losses.sparse_categorical_crossentropy",
        "np.eye(5)[np.random.randint(0, 5, 40)]"), ["SL302"], True),
    "integer_labels_with_categorical_loss": (classifier(
        5, "softmax", '"categorical_crossentropy"', "np.random.randint(0, 5, 40)"),
        ["SL301"], True),
    "integer_label_column_with_categorical_loss": (classifier(
        5, "softmax", '"categorical_crossentropy"', "np.random.randint(0, 5, (40, 1))"),
        ["SL301"], True),
    "integer_labels_with_categorical_loss_object": (classifier(
        5, "softmax", "keras.losses.CategoricalCrossentropy()", "np.random.randint(0, 5, 40)"),
        ["SL301"], True),
    "integer_labels_with_binary_loss_on_softmax": (classifier(
        5, "softmax", '"binary_crossentropy"', "np.random.randint(0, 5, 40)"),
        ["SL303", "SL313"], True),
    "one_hot_labels_for_fewer_classes": (classifier(
        10, "softmax", '"categorical_crossentropy"',
        "keras.utils.to_categorical(np.random.randint(0, 5, 40), 5)"), ["SL303"], True),
    "sequence_output_with_per_sample_labels": (H + """
model = keras.Sequential([
    keras.Input((20, 8)),
    layers.LSTM(16, return_sequences=True),
    layers.Dense(5, activation="softmax"),
])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(np.random.rand(32, 20, 8), np.random.randint(0, 5, 32), epochs=1, verbose=0)
""", ["SL304"], True),
    "dense_on_images_with_per_sample_labels": (H + """
model = keras.Sequential([layers.Dense(128, input_shape=(28, 28), activation="relu"),
                          layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
x_train = np.random.rand(64, 28, 28, 1)
y_train = np.random.randint(0, 10, 64)
model.fit(x_train, y_train, epochs=1, verbose=0)
""", ["SL304"], True),
    # -- correct combinations ----------------------------------------------------------------
    "sparse_labels_as_a_column": (classifier(
        5, "softmax", '"sparse_categorical_crossentropy"', "np.random.randint(0, 5, (40, 1))"),
        [], False),
    "one_hot_labels_with_categorical_loss": (classifier(
        5, "softmax", '"categorical_crossentropy"',
        "keras.utils.to_categorical(np.random.randint(0, 5, 40))"), [], False),
    "binary_labels_for_one_sigmoid_unit": (classifier(
        1, "sigmoid", '"binary_crossentropy"', "np.random.randint(0, 2, 40)"), [], False),
    "logits_with_sparse_loss_object": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
model.fit(np.random.rand(16, 4), np.random.randint(0, 3, 16), epochs=1, verbose=0)
""", [], False),
    "binary_loss_on_two_unit_softmax": (classifier(
        2, "softmax", '"binary_crossentropy"',
        "keras.utils.to_categorical(np.random.randint(0, 2, 40), 2)"), [], False),
    "softmax_over_another_axis": (H + """
model = keras.Sequential([keras.Input((5, 1)), layers.Softmax(axis=1), layers.Flatten(),
                          layers.Dense(1, activation="sigmoid")])
model.compile("adam", "binary_crossentropy")
model.fit(np.random.rand(16, 5, 1), np.random.randint(0, 2, 16), epochs=1, verbose=0)
""", [], False),
    "labels_shifted_into_range": (classifier(
        10, "softmax", '"sparse_categorical_crossentropy"', "np.random.randint(1, 11, 40) - 1"),
        [], False),
    "labels_of_a_dataset": (H + """
(x_train, y_train), _ = keras.datasets.cifar10.load_data()
model = keras.Sequential([keras.Input((32, 32, 3)), layers.GlobalAveragePooling2D(),
                          layers.Dense(10, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(x_train[:64] / 255.0, y_train[:64], epochs=1, verbose=0)
""", [], False),
    "dataset_labels_beyond_units": (H + """
(x_train, y_train), _ = keras.datasets.cifar100.load_data()
model = keras.Sequential([keras.Input((32, 32, 3)), layers.GlobalAveragePooling2D(),
                          layers.Dense(10, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(x_train[:64] / 255.0, y_train[:64], epochs=1, verbose=0)
""", ["SL305"], True),
    "regression_labels_per_sample": (H + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
model.compile("adam", "mae")
model.fit(np.random.rand(16, 4), np.random.rand(16), epochs=1, verbose=0)
""", [], False),
    # -- ignored arguments -------------------------------------------------------------------
    "embedding_input_length": (H + """
model = keras.Sequential([layers.Embedding(10, 5, input_length=4), layers.LSTM(8),
                          layers.Dense(1, activation="sigmoid")])
model.compile("adam", "binary_crossentropy")
model.fit(np.random.randint(0, 10, (16, 4)), np.random.randint(0, 2, 16), epochs=1, verbose=0)
""", ["SL401"], False),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_agrees_with_tensorflow(name: str, oracle) -> None:  # type: ignore[no-untyped-def]
    source, expected, raises = CASES[name]
    check_against_tf(source, oracle, expected, raises, datasets="load_data" in source)
