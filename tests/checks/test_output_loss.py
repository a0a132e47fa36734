"""Output activation against loss and metrics (SL316-SL320) and layer design (SL501-SL502),
judged by real TensorFlow: each bug's symptom is measured by training the program a few
epochs on a small learnable problem, and the correct program next to it stays silent.

The programs put what they measure in `MEASURED` (the oracle returns it). The problem: 256
samples of 4 features, the class is the largest of the first three (a model that learns
reaches 0.85-0.9 accuracy in 5 epochs; chance is 0.34).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

import pytest

from shape_engine import analyze_source
from tests.checks.support import (
    apply,
    check_against_tf,
    dedent,
    describe,
    finding,
    run_tf,
    verify_fix,
)
from tests.oracle import Oracle

pytestmark = pytest.mark.tensorflow

DATA = """
import warnings
import numpy as np
import keras
from keras import layers

keras.utils.set_random_seed(1)
x = np.random.rand(256, 4)
classes = np.argmax(x[:, :3], axis=1)
one_hot = keras.utils.to_categorical(classes, 3)
yes_no = (x[:, 0] > 0.5).astype("float32")
"""

FIT = """
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    history = model.fit(x, {labels}, epochs=5, batch_size=32, verbose=0)
predictions = model.predict(x, verbose=0)
MEASURED = {{
    "loss": [float(v) for v in history.history["loss"]],
    "accuracy": history.history.get("accuracy", [None])[-1],
    "low": float(predictions.min()), "high": float(predictions.max()),
    "row_sums": [float(predictions.sum(axis=-1).min()), float(predictions.sum(axis=-1).max())],
    "warnings": [str(w.message) for w in caught],
}}
"""


def program(head: str, loss: str, labels: str, metrics: str = '["accuracy"]') -> str:
    return DATA + f"""
model = keras.Sequential([
    keras.Input((4,)),
    layers.Dense(16, activation="relu"),
    {head},
])
model.compile(optimizer=keras.optimizers.Adam(0.01), loss={loss}, metrics={metrics})
""" + FIT.format(labels=labels)


Measure = Callable[[dict[str, object]], bool]


def nan_or_chance(m: dict[str, object]) -> bool:
    losses = m["loss"]
    assert isinstance(losses, list)
    accuracy = m["accuracy"]
    return "nan" in losses or (isinstance(accuracy, float) and accuracy < 0.5)


def learns(m: dict[str, object]) -> bool:
    accuracy = m["accuracy"]
    return isinstance(accuracy, float) and accuracy > 0.8


def trains(m: dict[str, object]) -> bool:
    """The loss falls at every epoch, and accuracy is well above chance (0.34)."""
    losses, accuracy = m["loss"], m["accuracy"]
    assert isinstance(losses, list)
    return ("nan" not in losses and all(b < a for a, b in pairwise(losses))
            and isinstance(accuracy, float) and accuracy > 0.5)


def loss_falls(m: dict[str, object]) -> bool:
    losses = m["loss"]
    assert isinstance(losses, list)
    return "nan" not in losses and losses[-1] < 0.8 * losses[0]


def outside_unit_interval(m: dict[str, object]) -> bool:
    low, high = m["low"], m["high"]
    assert isinstance(low, float) and isinstance(high, float)
    return low < 0.0 or high > 1.0


def rows_do_not_sum_to_one(m: dict[str, object]) -> bool:
    sums = m["row_sums"]
    assert isinstance(sums, list)
    return sums[0] < 0.9 or sums[1] > 1.1


def keras_warns_about_logits(m: dict[str, object]) -> bool:
    caught = m["warnings"]
    assert isinstance(caught, list)
    return any("from_logits=True" in text for text in caught)


# name: (program, codes the engine reports, the symptom TensorFlow shows)
CASES: dict[str, tuple[str, list[str], Measure]] = {
    # -- a probability loss on an output that is not a probability -------------------------
    "relu_output_with_categorical_loss": (program(
        'layers.Dense(3, activation="relu")', '"categorical_crossentropy"', "one_hot"),
        ["SL316"], nan_or_chance),
    "linear_output_with_categorical_loss_function": (program(
        "layers.Dense(3)", "keras.losses.categorical_crossentropy", "one_hot"),
        ["SL316"], nan_or_chance),
    "linear_output_with_sparse_loss_instance": (program(
        "layers.Dense(3)", "keras.losses.SparseCategoricalCrossentropy()", "classes"),
        ["SL316"], outside_unit_interval),
    "relu_layer_after_dense_with_categorical_loss_class_name": (program(
        "layers.Dense(3), layers.ReLU()", '"CategoricalCrossentropy"', "one_hot"),
        ["SL316"], nan_or_chance),
    "linear_unit_with_binary_loss_instance": (program(
        "layers.Dense(1)", "keras.losses.BinaryCrossentropy(from_logits=False)", "yes_no"),
        ["SL316"], outside_unit_interval),
    "tanh_unit_with_bce_alias": (program(
        'layers.Dense(1, activation="tanh")', '"bce"', "yes_no"),
        ["SL316"], outside_unit_interval),
    # -- sigmoids for one class of several ----------------------------------------------------
    "sigmoid_units_with_categorical_loss": (program(
        'layers.Dense(3, activation="sigmoid")', '"categorical_crossentropy"', "one_hot"),
        ["SL317"], rows_do_not_sum_to_one),
    # -- from_logits=True on probabilities: Keras' TF backend undoes it, with a warning ---
    "softmax_output_with_logits_loss": (program(
        'layers.Dense(3, activation="softmax")',
        "keras.losses.CategoricalCrossentropy(from_logits=True)", "one_hot"),
        ["SL318"], keras_warns_about_logits),
    "sigmoid_unit_with_logits_loss": (program(
        'layers.Dense(1, activation="sigmoid")',
        "keras.losses.BinaryCrossentropy(from_logits=True)", "yes_no"),
        ["SL318"], keras_warns_about_logits),
    # -- correct programs: silent ---------------------------------------------------------------
    "linear_output_with_logits_loss": (program(
        "layers.Dense(3)", "keras.losses.CategoricalCrossentropy(from_logits=True)",
        "one_hot"), [], learns),
    "linear_output_with_sparse_logits_loss": (program(
        "layers.Dense(3)", "keras.losses.SparseCategoricalCrossentropy(True)", "classes"),
        [], learns),
    "softmax_output_with_categorical_loss": (program(
        'layers.Dense(3, activation="softmax")', '"categorical_crossentropy"', "one_hot"),
        [], learns),
    "sigmoid_unit_with_binary_loss": (program(
        'layers.Dense(1, activation="sigmoid")', "keras.losses.binary_crossentropy", "yes_no"),
        [], learns),
    "sigmoid_multi_label_with_binary_loss": (program(
        'layers.Dense(3, activation="sigmoid")', '"binary_crossentropy"',
        "(x[:, :3] > 0.5).astype('float32')"), [], loss_falls),
    "softmax_regression_on_proportions": (program(
        'layers.Dense(3, activation="softmax")', '"mse"',
        "x[:, :3] / x[:, :3].sum(axis=1, keepdims=True)", metrics='["mae"]'), [],
        lambda m: not rows_do_not_sum_to_one(m)),
    "softmax_on_proportions_with_categorical_loss": (program(
        'layers.Dense(3, activation="softmax")', '"categorical_crossentropy"',
        "x[:, :3] / x[:, :3].sum(axis=1, keepdims=True)", metrics="[]"), [],
        lambda m: not rows_do_not_sum_to_one(m)),
    "custom_loss_function_is_not_read": (program(
        "layers.Dense(3)",
        "lambda y, p: keras.losses.categorical_crossentropy(y, p, from_logits=True)",
        "one_hot"), [], learns),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_symptom_measured_in_tensorflow(name: str, oracle: Oracle) -> None:
    source, expected, symptom = CASES[name]
    _, result = check_against_tf(source, oracle, expected, raises=False)
    assert isinstance(result.measured, dict), result.error
    assert symptom(result.measured), f"{name}: TensorFlow measured {result.measured}"


def test_accuracy_of_a_perfect_regression_is_zero(oracle: Oracle) -> None:
    source = DATA + """
targets = x @ np.array([3.0, 2.0, 1.0, 5.0]) + 10.0
model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
model.compile("adam", "mse", metrics=["accuracy"])
model.fit(x, targets, epochs=1, verbose=0)
model.layers[0].set_weights([np.array([[3.0], [2.0], [1.0], [5.0]]), np.array([10.0])])
loss, accuracy = model.evaluate(x, targets, verbose=0)
MEASURED = {"loss": float(loss), "accuracy": float(accuracy)}
"""
    analysis, result = check_against_tf(source, oracle, ["SL320"], raises=False)
    assert isinstance(result.measured, dict), result.error
    assert result.measured["loss"] < 1e-6 and result.measured["accuracy"] == 0.0
    fixed = apply(dedent(source), finding(analysis, "SL320").fixes[0])
    assert 'metrics=["mae"]' in fixed
    assert analyze_source(fixed).findings == []


def test_classification_labels_keep_accuracy_on_a_linear_output(oracle: Oracle) -> None:
    source = DATA + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
model.compile("adam", "mse", metrics=["accuracy"])
model.fit(x, yes_no, epochs=1, verbose=0)
"""
    check_against_tf(source, oracle, [], raises=False)


def test_softmax_applied_twice_flattens_the_probabilities(oracle: Oracle) -> None:
    source = DATA + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(10, activation="softmax"),
                          layers.Activation("softmax")])
predictions = model.predict(x, verbose=0)
MEASURED = {"low": float(predictions.min()), "high": float(predictions.max())}
"""
    _, result = check_against_tf(source, oracle, ["SL502"], raises=False)
    assert isinstance(result.measured, dict), result.error
    assert result.measured["low"] > 0.09 and result.measured["high"] < 0.25


def test_two_linear_dense_layers_are_one_matrix(oracle: Oracle) -> None:
    source = DATA + """
model = keras.Sequential([keras.Input((4,)), layers.Dense(16), layers.Dropout(0.3),
                          layers.Dense(2)])
(w1, b1), (w2, b2) = model.layers[0].get_weights(), model.layers[2].get_weights()
single = x @ (w1 @ w2) + (b1 @ w2 + b2)
MEASURED = {"difference": float(np.abs(model.predict(x, verbose=0) - single).max())}
"""
    source = dedent(source)
    assert analyze_source(source).findings == []  # off by default
    selected = analyze_source(source, extend_select=frozenset({"SL501"}))
    assert [f.code for f in selected.findings] == ["SL501"]
    result = run_tf(oracle, source)
    assert isinstance(result.measured, dict), result.error
    assert result.measured["difference"] < 1e-4


# -- Stack Overflow-style programs: each bug on its line, a fix that makes it train ---------

# name: (program, code, text of the line it is reported on, title of the fix applied, what
# the fixed program shows in TensorFlow); the bug's own symptom is in BUGGY_SHOWS.
SO_PROGRAMS: dict[str, tuple[str, str, str, str, Measure]] = {
    # "My model's loss is nan from the first epoch" (relu on the last layer).
    "iris_like_relu_head": (DATA + """
model = keras.Sequential()
model.add(layers.Dense(16, input_dim=4, activation="relu"))
model.add(layers.Dense(3, activation="relu"))
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
""" + FIT.format(labels="one_hot"), "SL316", "model.compile(", "Use softmax", trains),
    # "Accuracy stuck at 33%": no activation on the output, probabilities expected.
    "missing_softmax": (DATA + """
def build(classes):
    net = keras.Sequential([layers.Dense(32, activation="relu"), layers.Dense(classes)])
    net.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                metrics=["accuracy"])
    return net

model = build(3)
""" + FIT.format(labels="classes"), "SL316", 'loss="sparse', "from_logits=True", trains),
    # "Binary classifier predicts values above 1": a linear unit with a binary loss, the
    # classifier in a nested model.
    "nested_linear_binary_head": (DATA + """
head = keras.Sequential([layers.Dense(8, activation="relu"), layers.Dense(1)])
model = keras.Sequential([keras.Input((4,)), layers.Dense(16, activation="relu"), head])
model.compile(optimizer=keras.optimizers.Adam(0.01), loss=keras.losses.BinaryCrossentropy(),
              metrics=["accuracy"])
""" + FIT.format(labels="yes_no"), "SL316", "BinaryCrossentropy()", "Use sigmoid", trains),
    # "Why do my predicted class probabilities not sum to 1?" (sigmoid over the classes).
    "sigmoid_over_the_classes": (DATA + """
import tensorflow as tf

model = tf.keras.models.Sequential([
    tf.keras.layers.Dense(32, activation="relu", input_shape=(4,)),
    tf.keras.layers.Dense(3, activation="sigmoid"),
])
model.compile(optimizer="adam", loss=tf.keras.losses.CategoricalCrossentropy(),
              metrics=["accuracy"])
""" + FIT.format(labels="one_hot"), "SL317", "CategoricalCrossentropy()", "softmax",
        lambda m: trains(m) and not rows_do_not_sum_to_one(m)),
    # "House price model: accuracy is always 0": accuracy on a regression.
    "accuracy_of_prices": (DATA + """
prices = x @ np.array([1.2, 0.8, 0.3, 0.55]) + 1.0
model = keras.Sequential([keras.Input((4,)), layers.Dense(32, activation="relu"),
                          layers.Dense(1)])
model.compile(optimizer="adam", loss="mse", metrics=["accuracy"])
""" + FIT.format(labels="prices"), "SL320", 'metrics=["accuracy"]', "mae", loss_falls),
    # "CNN on images: loss is nan" (MNIST-style, written with model.add and no activation on
    # the classifier, from_logits forgotten).
    "cnn_without_softmax": (DATA + """
images = np.repeat(np.repeat(x[:, :3], 3, axis=1)[:, None, :, None], 9, axis=1)
model = keras.Sequential()
model.add(layers.Conv2D(8, (3, 3), activation="relu", input_shape=(9, 9, 1)))
model.add(layers.Flatten())
model.add(layers.Dense(3, activation="relu"))
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
""" + FIT.format(labels="one_hot").replace("model.fit(x,", "model.fit(images,").replace(
        "model.predict(x,", "model.predict(images,"), "SL316", "model.compile(",
        "from_logits=True", trains),
}


BUGGY_SHOWS: dict[str, Measure] = {
    "iris_like_relu_head": nan_or_chance,
    "missing_softmax": outside_unit_interval,
    "nested_linear_binary_head": outside_unit_interval,
    "sigmoid_over_the_classes": rows_do_not_sum_to_one,
    "accuracy_of_prices": lambda m: m["accuracy"] == 0.0,
    "cnn_without_softmax": nan_or_chance,
}


@pytest.mark.parametrize("name", sorted(SO_PROGRAMS))
def test_stack_overflow_style_bug_is_found_and_fixed(name: str, oracle: Oracle) -> None:
    source, code, line_text, title, fixed_shows = SO_PROGRAMS[name]
    source = dedent(source)
    buggy = run_tf(oracle, source)
    assert isinstance(buggy.measured, dict), buggy.error
    assert BUGGY_SHOWS[name](buggy.measured), f"no symptom measured: {buggy.measured}"
    analysis = analyze_source(source)
    found = finding(analysis, code)
    assert line_text in source.splitlines()[found.range.start.line], describe(analysis)
    chosen = [f for f in found.fixes if title in f.title]
    assert chosen, [f.title for f in found.fixes]
    fixed = apply(source, chosen[0])
    assert analyze_source(fixed).findings == [], describe(analyze_source(fixed))
    result = run_tf(oracle, fixed)
    assert isinstance(result.measured, dict), result.error
    assert fixed_shows(result.measured), f"the fixed program does not learn: {result.measured}"


def test_mse_on_a_saturated_sigmoid_learns_nothing_where_crossentropy_does(
        oracle: Oracle) -> None:
    source = dedent("""
        import numpy as np
        import keras
        from keras import layers

        keras.utils.set_random_seed(1)
        x = np.random.rand(256, 4) * 30
        labels = (x[:, 0] > 15).astype("float32")
        model = keras.Sequential([keras.Input((4,)), layers.Dense(16, activation="relu"),
                                  layers.Dense(1, activation="sigmoid")])
        model.compile(keras.optimizers.Adam(0.01), "mse", metrics=["accuracy"])
        history = model.fit(x, labels, epochs=3, batch_size=32, verbose=0)
        MEASURED = {"accuracy": [float(a) for a in history.history["accuracy"]]}
        """)
    analysis, result = check_against_tf(source, oracle, ["SL319"], raises=False)
    assert isinstance(result.measured, dict), result.error
    assert max(result.measured["accuracy"]) <= 0.55, result.measured
    fixed = apply(source, finding(analysis, "SL319").fixes[0])
    assert '"binary_crossentropy"' in fixed and analyze_source(fixed).findings == []
    after = run_tf(oracle, fixed)
    assert isinstance(after.measured, dict), after.error
    assert after.measured["accuracy"][-1] >= 0.75, after.measured


# -- every fix, verified: the file parses, the engine is satisfied, TensorFlow runs it -------

FIXES: dict[str, tuple[str, str, str]] = {
    "from_logits_on_a_string_loss": (program(
        "layers.Dense(3)", '"categorical_crossentropy"', "one_hot"), "SL316",
        "from_logits=True"),
    "softmax_on_a_linear_head": (program(
        "layers.Dense(3)", "keras.losses.CategoricalCrossentropy()", "one_hot"), "SL316",
        "Use softmax"),
    "activation_layer_instead_of_relu_layer": (program(
        "layers.Dense(3), layers.ReLU()", '"categorical_crossentropy"', "one_hot"), "SL316",
        'Activation("softmax")'),
    "sigmoid_on_a_tanh_unit": (program(
        'layers.Dense(1, activation="tanh")', '"bce"', "yes_no"), "SL316", "Use sigmoid"),
    "softmax_instead_of_sigmoids": (program(
        'layers.Dense(3, activation="sigmoid")', '"categorical_crossentropy"', "one_hot"),
        "SL317", "softmax"),
    "binary_loss_for_sigmoids": (program(
        'layers.Dense(3, activation="sigmoid")', '"categorical_crossentropy"', "one_hot"),
        "SL317", "binary_crossentropy"),
    "no_logits_on_a_softmax": (program(
        'layers.Dense(3, activation="softmax")',
        "keras.losses.CategoricalCrossentropy(from_logits=True)", "one_hot"), "SL318",
        "from_logits=False"),
    "crossentropy_for_a_softmax": (program(
        'layers.Dense(3, activation="softmax")', '"mse"', "one_hot"), "SL319",
        "categorical_crossentropy"),
    "mae_instead_of_accuracy": (program(
        "layers.Dense(1)", '"mse"', "np.random.rand(256) * 10"), "SL320", "mae"),
    "remove_the_second_relu": (program(
        'layers.Dense(8, activation="relu"), layers.Activation("relu"), '
        'layers.Dense(3, activation="softmax")', '"categorical_crossentropy"', "one_hot"),
        "SL502", "Remove"),
}


@pytest.mark.parametrize("name", sorted(FIXES))
def test_fix_is_verified_in_tensorflow(name: str, oracle: Oracle) -> None:
    source, code, title = FIXES[name]
    verify_fix(source, code, oracle, title)
