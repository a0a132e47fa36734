"""Data as scripts build it (loops, comprehensions, tf.data, directory helpers, partial
shapes), each case run in real TensorFlow: the array shapes and dataset element shapes the
engine infers must be those TensorFlow makes, and correct programs stay silent."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from shape_engine import analyze_source
from shape_engine.data.datasets import DatasetValue
from shape_engine.evaluation.evaluator import Evaluator
from shape_engine.findings import Severity
from shape_engine.source import LineIndex
from shape_engine.values import ArrayValue, Seq, Value
from tests.oracle import Oracle

IMPORTS = """\
import numpy as np
import tensorflow as tf
import keras
from keras.utils import pad_sequences
"""

# Directories the directory helpers read: made on the TensorFlow side only (the engine never
# reads them; their element shapes come from the helpers' arguments).
DIRECTORIES = """\
import os, tempfile
root = tempfile.mkdtemp()
for cls in ("cats", "dogs", "birds"):
    os.makedirs(os.path.join(root, cls))
    for k in range(3):
        image = tf.cast(tf.random.uniform((20, 24, 3), maxval=255), tf.uint8)
        tf.io.write_file(os.path.join(root, cls, f"{k}.png"), tf.io.encode_png(image))
        with open(os.path.join(root, cls, f"{k}.txt"), "w") as f:
            f.write("some text")
"""

CHECKS = """\
def _fits(actual, inferred):
    actual = tuple(actual)
    return len(actual) == len(inferred) and all(
        d is None or d == a for a, d in zip(actual, inferred))

def _fits_spec(spec, inferred):
    if isinstance(inferred, list):
        return isinstance(spec, tuple) and len(spec) == len(inferred) and all(
            _fits_spec(s, i) for s, i in zip(spec, inferred))
    return _fits(spec.shape, inferred)
"""

# name -> (program, the names whose shapes are compared)
SHAPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "append_loop_windows": ("""
        series = np.sin(np.arange(500) * 0.1)
        X, y = [], []
        for i in range(len(series) - 20):
            X.append(series[i:i + 20])
            y.append(series[i + 20])
        X = np.array(X)
        y = np.array(y)
        X3 = X.reshape((X.shape[0], X.shape[1], 1))
    """, ("X", "y", "X3")),
    "append_loop_in_a_function": ("""
        def create_dataset(dataset, look_back=1):
            data_x, data_y = [], []
            for i in range(len(dataset) - look_back - 1):
                a = dataset[i:(i + look_back), 0]
                data_x.append(a)
                data_y.append(dataset[i + look_back, 0])
            return np.array(data_x), np.array(data_y)
        train_x, train_y = create_dataset(np.random.rand(144, 1), 3)
        train_x = np.reshape(train_x, (train_x.shape[0], 1, train_x.shape[1]))
    """, ("train_x", "train_y")),
    "append_loop_of_arrays_then_stack": ("""
        frames = []
        for _ in range(40):
            frames.append(np.random.rand(16, 16))
        S = np.stack(frames)[..., np.newaxis]
        A = np.asarray(frames, dtype="float32")
        C = np.concatenate(frames, axis=0)
    """, ("S", "A", "C")),
    "comprehension_windows": ("""
        data = np.random.rand(300, 1)
        k = 60
        x_train = np.array([data[i - k:i, 0] for i in range(k, len(data))])
        x_train = np.reshape(x_train, (x_train.shape[0], x_train.shape[1], 1))
    """, ("x_train",)),
    "long_comprehension": ("""
        data = np.random.rand(3000, 1)
        k = 60
        x_long = np.array([data[i - k:i, 0] for i in range(k, len(data))])
        y_long = np.array([data[i, 0] for i in range(k, len(data))])
    """, ("x_long", "y_long")),
    "for_row_in_array": ("""
        X = np.random.rand(10, 4)
        for row in X:
            one = row.reshape(1, -1)
    """, ("row", "one")),
    "reshape_minus_one": ("""
        raw = np.random.rand(600)
        R = raw.reshape(-1, 6, 1)
        Z = np.random.rand(R.shape[0])
    """, ("R", "Z")),
    "pad_sequences_of_2d_arrays": ("""
        sequences = [np.random.rand(n, 3) for n in (5, 8, 3, 7)]
        P = pad_sequences(sequences, padding="post", dtype="float32")
        Q = pad_sequences(sequences, maxlen=4, dtype="float32")
        T = pad_sequences([[1, 2], [3], [4, 5, 6]])
    """, ("P", "Q", "T")),
    "from_tensor_slices_batched": ("""
        x = np.random.rand(100, 28, 28).astype("float32")
        y = np.random.randint(0, 10, size=(100,))
        ds = tf.data.Dataset.from_tensor_slices((x, y))
        batched = ds.shuffle(100).batch(32).prefetch(tf.data.AUTOTUNE)
        dropped = ds.batch(32, drop_remainder=True).repeat().cache()
        single = tf.data.Dataset.from_tensor_slices(x).take(10)
    """, ("ds", "batched", "dropped", "single")),
    "map_unbatch_zip": ("""
        images = np.random.randint(0, 255, size=(64, 32, 32, 3)).astype("uint8")
        labels = np.random.randint(0, 10, size=(64,))
        ds = tf.data.Dataset.from_tensor_slices((images, labels))
        scaled = ds.map(lambda a, b: (tf.cast(a, tf.float32) / 255.0, b)).batch(16)

        def add_axis(a, b):
            return tf.expand_dims(tf.cast(a[:, :, 0], tf.float32), -1), b

        gray = ds.map(add_axis)
        flat = scaled.unbatch().skip(3).batch(8)
        features = tf.data.Dataset.from_tensor_slices(np.random.rand(64, 8))
        targets = tf.data.Dataset.from_tensor_slices(np.random.rand(64, 1))
        zipped = tf.data.Dataset.zip((features, targets)).batch(4)
        tensors = tf.data.Dataset.from_tensors(np.zeros((5, 2)))
    """, ("scaled", "gray", "flat", "zipped", "tensors")),
    "generator_padded_batch": ("""
        ds = tf.data.Dataset.from_generator(
            lambda: iter([([1, 2, 3], 0), ([4, 5], 1)]),
            output_signature=(tf.TensorSpec(shape=(None,), dtype=tf.int32),
                              tf.TensorSpec(shape=(), dtype=tf.int32)))
        padded = ds.padded_batch(2)
    """, ("ds", "padded")),
    "timeseries_dataset_from_array": ("""
        data = np.random.rand(200, 7).astype("float32")
        series = keras.utils.timeseries_dataset_from_array(
            data, data[24:, 0], sequence_length=24, batch_size=16)
        windows = keras.utils.timeseries_dataset_from_array(
            data, None, sequence_length=10, batch_size=None)
    """, ("series", "windows")),
    "image_and_text_directories": ("""
        rgb = keras.utils.image_dataset_from_directory(root, image_size=(32, 40), batch_size=4)
        gray = keras.utils.image_dataset_from_directory(
            root, image_size=(28, 28), color_mode="grayscale", label_mode="categorical",
            class_names=["birds", "cats", "dogs"], batch_size=2)
        binary = keras.utils.image_dataset_from_directory(
            os.path.join(root, "..", os.path.basename(root)), image_size=(8, 8),
            label_mode=None, batch_size=None)
        texts = keras.utils.text_dataset_from_directory(root, batch_size=8)
    """, ("rgb", "gray", "binary", "texts")),
}


def _values(source: str) -> dict[str, Value]:
    program = Evaluator(ast.parse(source), LineIndex(source)).run()
    return dict(program.module_scope.vars)


def _literal(value: Value) -> object:
    """The shape structure to compare with TensorFlow's (raises when not inferred)."""
    if isinstance(value, DatasetValue):
        return _literal(value.element)
    if isinstance(value, Seq) and value.kind == "tuple":
        return [_literal(item) for item in value.items]
    assert isinstance(value, ArrayValue) and value.shape is not None, value
    return value.shape


def _ranks(inferred: object) -> object:
    """Only the ranks of an inferred structure: every dim None."""
    if isinstance(inferred, list):
        return [_ranks(item) for item in inferred]
    assert isinstance(inferred, tuple)
    return (None,) * len(inferred)


@pytest.mark.tensorflow
def test_inferred_shapes_are_tensorflows(oracle: Oracle) -> None:
    lines = [IMPORTS, DIRECTORIES, CHECKS]
    for case, (body, names) in SHAPES.items():
        body = textwrap.dedent(body)
        values = _values(IMPORTS + "import os\n" + body)
        lines.append(f"# {case}\n{body}")
        for name in names:
            value = values.get(name)
            assert value is not None, (case, name)
            inferred = _literal(value)  # fails when the engine did not infer it
            if isinstance(value, DatasetValue):
                # The rank of the static spec, the dims of a real element (the spec leaves
                # the window of timeseries_dataset_from_array None; its elements have it).
                lines.append(f"assert _fits_spec({name}.element_spec, {_ranks(inferred)!r}), "
                             f"({case!r}, {name!r}, {name}.element_spec)")
                lines.append(f"assert _fits_spec(next(iter({name})), {inferred!r}), "
                             f"({case!r}, {name!r}, next(iter({name})))")
            else:
                lines.append(f"assert _fits(np.shape({name}), {inferred!r}), "
                             f"({case!r}, {name!r}, np.shape({name}))")
    result = oracle.run("\n".join(lines) + "\n")
    assert result.error is None, result.error


def test_a_loop_that_carries_state_is_not_summarised() -> None:
    values = _values(IMPORTS + textwrap.dedent("""
        window = np.zeros((1, 4))
        grown = []
        for i in range(300):
            window = np.concatenate([window, np.zeros((1, 4))])
            grown.append(window)
        G = np.array(grown)
        ragged = []
        for i in range(300):
            ragged.append(np.zeros(i))
        R = np.array(ragged)
    """))
    # Each turn's window is bigger; the first and last turns differ in shape: not known.
    for name in ("G", "R"):
        value = values[name]
        assert not (isinstance(value, ArrayValue) and value.shape is not None), (name, value)


def test_partial_shapes_keep_their_rank() -> None:
    values = _values(IMPORTS + textwrap.dedent("""
        X = np.array(load())
        X = X.reshape(X.shape[0], X.shape[1], 1)
    """))
    x = values["X"]
    assert isinstance(x, ArrayValue) and x.shape == (None, None, 1)


REAL_SCRIPTS = Path(__file__).resolve().parents[1] / "fixtures" / "real_scripts"
# Scripts that read files or directories not in the repository: not run in TensorFlow.
READS_FILES = {"so_06_image_dataset_from_directory.py", "so_07_text_dataset_from_directory.py",
               "so_09_input_shape_from_data.py", "so_23_grayscale_directory.py"}


def _problems(source: str) -> list[str]:
    return [f"{f.code} {f.message}" for f in analyze_source(source).findings
            if f.severity in (Severity.ERROR, Severity.WARNING)]


@pytest.mark.tensorflow
@pytest.mark.parametrize("script", sorted(p.name for p in REAL_SCRIPTS.glob("*.py")))
def test_real_scripts_are_silent_and_run(script: str, oracle: Oracle) -> None:
    source = (REAL_SCRIPTS / script).read_text(encoding="utf-8")
    assert _problems(source) == []
    if script in READS_FILES:
        return  # their data is not here: the engine's silence is what is checked
    result = oracle.run(source)
    assert result.error is None, result.error


# Programs TensorFlow refuses, each with the finding the engine gives at the line it raised.
BUGS: dict[str, tuple[str, str]] = {
    "dataset_never_batched": ("""
        x = np.random.rand(128, 8).astype("float32")
        y = np.random.randint(0, 2, size=(128, 1))
        ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(128)
        model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(ds, epochs=1, verbose=0)
    """, "SL211"),
    "dataset_never_batched_undeclared_input": ("""
        x = np.random.rand(128, 8).astype("float32")
        y = np.random.randint(0, 2, size=(128, 1))
        ds = tf.data.Dataset.from_tensor_slices((x, y))
        model = keras.Sequential([keras.layers.Dense(4), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(ds, epochs=1, verbose=0)
    """, "SL211"),
    "validation_dataset_never_batched": ("""
        x = np.random.rand(128, 8).astype("float32")
        y = np.random.randint(0, 2, size=(128, 1))
        train = tf.data.Dataset.from_tensor_slices((x, y)).batch(32)
        val = tf.data.Dataset.from_tensor_slices((x[:16], y[:16]))
        model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(train, validation_data=val, epochs=1, verbose=0)
    """, "SL211"),
    "unbatched_again_after_unbatch": ("""
        x = np.random.rand(64, 28, 28).astype("float32")
        y = np.random.randint(0, 10, size=(64,))
        ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(8).unbatch()
        model = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),
                                  keras.layers.Dense(10)])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(ds, epochs=1, verbose=0)
    """, "SL211"),
    "batched_dataset_wrong_features": ("""
        x = np.random.rand(64, 12).astype("float32")
        y = np.random.rand(64, 1).astype("float32")
        ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)
        model = keras.Sequential([keras.Input(shape=(10,)), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(ds, epochs=1, verbose=0)
    """, "SL201"),
    "grayscale_directory_into_rgb_model": ("""
        ds = keras.utils.image_dataset_from_directory(
            root, image_size=(28, 28), color_mode="grayscale", batch_size=4)
        model = keras.Sequential([keras.Input(shape=(28, 28, 3)),
                                  keras.layers.Conv2D(4, 3), keras.layers.Flatten(),
                                  keras.layers.Dense(3)])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(ds, epochs=1, verbose=0)
    """, "SL201"),
    "window_loop_without_feature_axis": ("""
        series = np.sin(np.arange(300) * 0.1)
        X, y = [], []
        for i in range(len(series) - 10):
            X.append(series[i:i + 10])
            y.append(series[i + 10])
        X, y = np.array(X), np.array(y)
        model = keras.Sequential([keras.Input(shape=(10, 1)), keras.layers.LSTM(8),
                                  keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(X, y, epochs=1, verbose=0)
        model.predict(X[0], verbose=0)
    """, "SL201"),
    "partial_input_shape_lstm_stack": ("""
        import random
        X = np.random.rand(40, random.choice([6, 7]))  # a width the engine does not know
        X = X.reshape(X.shape[0], X.shape[1], 1)
        model = keras.Sequential()
        model.add(keras.layers.LSTM(8, input_shape=(X.shape[1], 1)))
        model.add(keras.layers.LSTM(4))
    """, "SL101"),
    "input_known_apart_from_time_axis": ("""
        inputs = keras.Input(shape=(None, 12))
        x = keras.layers.LSTM(32)(inputs)
        x = keras.layers.LSTM(16)(x)
    """, "SL101"),
}


def _line_of(source: str, code: str) -> list[int]:
    return [f.range.start.line + 1 for f in analyze_source(source).findings if f.code == code]


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", sorted(BUGS))
def test_data_bugs_reported_where_tensorflow_raises(name: str, oracle: Oracle) -> None:
    body, code = BUGS[name]
    body = textwrap.dedent(body)
    uses_root = "root" in body
    # The engine sees the program without the TensorFlow-side directory setup.
    source = IMPORTS + ("root = 'images'\n" if uses_root else "") + body
    lines = _line_of(source, code)
    assert lines, f"the engine does not report {code}: {_problems(source)}"
    tf_source = IMPORTS + (DIRECTORIES if uses_root else "") + body
    result = oracle.run(tf_source)
    assert result.error is not None, "TensorFlow ran it"
    shift = len(DIRECTORIES.splitlines()) - 1 if uses_root else 0
    assert result.error_line_top is not None
    assert result.error_line_top - shift in lines, (result.error, lines)


def test_a_validation_dataset_never_batched_is_one_finding_without_a_fix() -> None:
    """Its elements are single samples: neither a sample without its batch axis to expand
    (SL202) nor x and y of other sample counts (SL204), which they were reported as."""
    source = IMPORTS + textwrap.dedent(BUGS["validation_dataset_never_batched"][0])
    (found,) = analyze_source(source).findings
    assert (found.code, found.fixes) == ("SL211", ())
    assert found.message == (
        "fit validation_data gets a dataset that was never batched: each element, x of shape "
        "(8,), is taken as one batch, so the model sees (8,) instead of (None, 8); add "
        ".batch(32) to the dataset")
    assert [r.message for r in found.related] == [
        "the dataset is made here, one sample per element"]


def test_the_first_layer_refusal_of_a_model_built_from_data_is_at_the_data() -> None:
    source = IMPORTS + textwrap.dedent("""
        X = np.random.rand(100, 20)
        y = np.random.rand(100)
        model = keras.Sequential([keras.layers.LSTM(32), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(X, y, epochs=1, verbose=0)
    """)
    [finding] = [f for f in analyze_source(source).findings if f.code == "SL101"]
    assert finding.range.start.line + 1 == 10 and "fit: x of shape (100, 20)" in finding.message
    related = [r.range.start.line + 1 for r in finding.related]
    assert related[0] == 8 and related[-1] == 6  # the first layer; where X is made
    assert finding.fix is not None  # the fix (declare the input) is kept


@pytest.mark.tensorflow
def test_the_first_layer_refusal_at_the_data_is_where_tensorflow_raises(
        oracle: Oracle) -> None:
    source = IMPORTS + textwrap.dedent("""
        X = np.random.rand(100, 20)
        y = np.random.rand(100)
        model = keras.Sequential([keras.layers.LSTM(32), keras.layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse")
        model.fit(X, y, epochs=1, verbose=0)
    """)
    result = oracle.run(source)
    assert result.error is not None and result.error_line_top == 10
    assert _line_of(source, "SL101") == [10]
