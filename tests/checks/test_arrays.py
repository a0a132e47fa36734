"""Data shapes the engine infers, compared with what numpy and TensorFlow really make.

numpy cases run here (the tests may import numpy; the engine never does); TensorFlow and
keras.utils cases run in the oracle as assertions on the engine's answers.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from shape_engine import analyze_source
from shape_engine.values import ArrayValue

SETUP = """
import numpy as np
a = np.random.rand(6, 2)
b = np.zeros((3, 1, 2))
c = np.zeros((2, 3, 4))
v = np.arange(5)
rng = np.random.default_rng(0)
"""

NUMPY = [
    "np.random.rand(3, 4)", "np.random.randn(2, 5, 1)", "np.random.random((10, 3))",
    "np.random.random(size=(10,))", "np.random.random_sample((2, 2))",
    "np.random.uniform(0, 1, (4, 2))", "np.random.uniform(-3, 3, size=7)",
    "np.random.normal(0, 1, size=(3, 3))", "np.random.randint(0, 10, size=(5, 2))",
    "np.random.randint(10, size=6)", "np.random.randint(3, 8, 4)",
    "np.random.choice(5, 10)", "np.random.choice([2, 4, 6], size=(2, 3))",
    "np.random.permutation(12)", "np.random.binomial(4, 0.5, size=(3,))",
    "np.zeros((2, 3))", "np.ones(4)", "np.empty((2, 2))", "np.full((3, 2), 7)",
    "np.zeros((2, 3), dtype='int32')", "np.ones((2,), dtype=np.float32)", "np.zeros_like(a)",
    "np.ones_like(v)", "np.array([[1, 2], [3, 4]])", "np.array([1.0, 2.5])",
    "np.array([[True, False]])", "np.array([a, a])", "np.asarray([[0.5], [1.5]])",
    "np.arange(10)", "np.arange(2, 11, 3)", "np.arange(0.0, 1.0, 0.25)",
    "np.arange(12).reshape(3, 4)", "np.arange(24).reshape(2, -1, 3)", "np.linspace(0, 1, 5)",
    "np.eye(4)", "np.eye(3)[np.array([0, 2, 1, 1])]", "np.identity(2)",
    "a.reshape(-1, 3)", "a.reshape((3, 4))", "a.T", "a.flatten()", "a.ravel()",
    "a.astype('int64')", "b.squeeze()", "b.squeeze(1)", "a.copy()",
    "np.expand_dims(a, 0)", "np.expand_dims(a, -1)", "np.expand_dims(a, axis=1)",
    "np.squeeze(b)", "np.squeeze(b, axis=1)", "np.reshape(c, (4, -1))",
    "a[0]", "a[:2]", "a[1:]", "a[::2]", "a[-3:, 1:]", "a[..., None]", "a[None]",
    "a[:, None]", "c[:, :, None]", "a[np.newaxis, ...]", "c[..., 0]", "a[:, 1]",
    "a[[0, 2]]", "c[0, 1]", "c[1, :, 2:]",
    "a / 255.0", "a * 2 + 1", "a - a.mean(axis=0)", "(a > 0.5).astype('float32')", "-a",
    "v * 2 - 1", "v // 2", "v % 3", "a + v[:2]", "c * c[:1]",
    "np.concatenate([a, a])", "np.concatenate([a, a], axis=1)", "np.stack([a, a])",
    "np.stack([a, a], axis=-1)", "np.vstack([v, v])", "np.hstack([v, v])",
    "np.column_stack([v, v])", "np.argmax(a, axis=1)", "a.argmax(axis=-1)", "a.sum(axis=0)",
    "a.mean(axis=1, keepdims=True)", "np.max(a, axis=0)", "np.transpose(c, (0, 2, 1))",
    "np.transpose(c)", "c.transpose(2, 0, 1)", "np.clip(a, 0.2, 0.8)", "np.round(a * 10)",
    "np.exp(a)", "rng.integers(0, 3, size=(4, 2))", "rng.integers(5, size=3)",
    "rng.random((2, 3))", "rng.normal(size=(5,))", "rng.uniform(1, 2, 4)",
    "np.zeros((len(a), 3))", "np.zeros(a.shape)", "np.zeros((a.shape[0], 1))",
    "np.ones(c.shape[1:])",
]

KINDS = {"i": "int", "u": "int", "f": "float", "b": "bool"}


def infer(expression: str) -> ArrayValue:
    analysis = analyze_source(SETUP + f"result = {expression}\n")
    values = [b.value for b in analysis.data if b.name == "result"]
    assert values, f"the engine made no array of {expression}"
    return values[-1]


@pytest.mark.parametrize("expression", NUMPY)
def test_numpy(expression: str) -> None:
    namespace: dict[str, object] = {}
    exec(SETUP, namespace)
    for _ in range(20):  # values are random: the bounds must hold for every draw
        exec(SETUP, namespace)
        actual = eval(expression, namespace)
        inferred = infer(expression)
        assert inferred.shape == actual.shape, expression
        assert inferred.dtype == KINDS[actual.dtype.kind], expression
        if inferred.bounds is not None and actual.size:
            low, high = inferred.bounds
            assert low <= actual.min() and actual.max() <= high, (
                f"{expression}: values [{actual.min()}, {actual.max()}] outside {low, high}")
        if ("fractional", True) in inferred.extra:
            assert not np.all(np.equal(np.mod(actual, 1), 0)), expression


@pytest.mark.parametrize("expression", ["x[i]", "np.random.rand(n, 3)", "a[k]", "np.tile(a, 2)",
                                        "a[mask]", "np.where(a > 0)", "a @ a.T"])
def test_unknown_stays_unknown(expression: str) -> None:
    analysis = analyze_source(SETUP + f"result = {expression}\n")
    values = [b.value for b in analysis.data if b.name == "result"]
    assert not values or values[-1].shape is None or None in values[-1].shape


def test_train_test_split_keeps_trailing_dims() -> None:
    analysis = analyze_source(textwrap.dedent("""
        import numpy as np
        from sklearn.model_selection import train_test_split
        x = np.zeros((1000, 28, 28))
        y = np.zeros(1000)
        x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.15)
        a, b = train_test_split(x, train_size=0.7)
        c, d = train_test_split(x, test_size=33)
        e, f = train_test_split(x)
        """))
    shapes = {b.name: b.value.shape for b in analysis.data}
    # sklearn: test = ceil(test_size * n), train = floor(train_size * n) or the rest.
    assert shapes["x_train"] == (850, 28, 28) and shapes["x_test"] == (150, 28, 28)
    assert shapes["y_train"] == (850,) and shapes["y_test"] == (150,)
    assert shapes["a"] == (700, 28, 28) and shapes["b"] == (300, 28, 28)
    assert shapes["c"] == (967, 28, 28) and shapes["d"] == (33, 28, 28)
    assert shapes["e"] == (750, 28, 28) and shapes["f"] == (250, 28, 28)


def test_datasets_have_their_documented_shapes() -> None:
    analysis = analyze_source(textwrap.dedent("""
        from tensorflow import keras
        (a, b), (c, d) = keras.datasets.mnist.load_data()
        (e, f), (g, h) = keras.datasets.cifar10.load_data()
        (i, j), _ = keras.datasets.cifar100.load_data(label_mode="coarse")
        (k, l), (m, n) = keras.datasets.imdb.load_data(num_words=10000)
        (o, p), (q, r) = keras.datasets.reuters.load_data()
        (s, t), (u, w) = keras.datasets.boston_housing.load_data()
        (x, y), _ = keras.datasets.california_housing.load_data()
        (z, _), _ = keras.datasets.imdb.load_data(maxlen=100)
        """))
    values = {b.name: b.value for b in analysis.data}
    assert values["a"].shape == (60000, 28, 28) and values["b"].shape == (60000,)
    assert values["c"].shape == (10000, 28, 28) and values["b"].bounds == (0, 9)
    assert values["e"].shape == (50000, 32, 32, 3) and values["f"].shape == (50000, 1)
    assert values["h"].shape == (10000, 1)
    assert values["j"].bounds == (0, 19)
    assert values["k"].shape == (25000,) and values["k"].bounds == (0, 9999)
    assert values["l"].bounds == (0, 1) and values["l"].dtype == "int"
    assert values["o"].shape == (8982,) and values["q"].shape == (2246,)
    assert values["p"].bounds == (0, 45)
    assert values["s"].shape == (404, 13) and values["u"].shape == (102, 13)
    assert values["t"].dtype == "float"
    assert values["x"].shape == (16512, 8) and values["y"].shape == (16512,)
    assert values["z"].shape == (None,)  # maxlen drops the longer reviews


TENSORFLOW = [
    "tf.random.normal((3, 4))", "tf.random.uniform((5,), maxval=10, dtype=tf.int32)",
    "tf.random.uniform([2, 2], minval=-1.0, maxval=1.0)", "tf.zeros((2, 3))", "tf.ones([4])",
    "tf.zeros((2,), dtype=tf.int64)", "tf.constant([[1, 2], [3, 4]])",
    "tf.constant([1.0, 2.0, 3.0])", "tf.constant(0.0, shape=(2, 3))",
    "tf.one_hot(tf.constant([0, 2, 1]), 3)", "tf.one_hot([1, 0], depth=4)",
    "tf.reshape(tf.zeros((2, 6)), (3, 4))", "tf.reshape(tf.zeros((2, 6)), [-1])",
    "tf.expand_dims(tf.zeros((2, 3)), 0)", "tf.expand_dims(tf.zeros((2, 3)), axis=-1)",
    "tf.squeeze(tf.zeros((2, 1, 3)), 1)", "tf.squeeze(tf.zeros((1, 3, 1)))",
    "tf.cast(tf.zeros((2, 2), dtype=tf.int32), tf.float32)",
    "tf.concat([tf.zeros((2, 3)), tf.ones((4, 3))], axis=0)",
    "tf.stack([tf.zeros(3), tf.ones(3)], axis=1)", "tf.transpose(tf.zeros((2, 3)))",
    "tf.range(5)", "tf.zeros((4, 5))[:, 1:]", "tf.zeros((4, 5))[None]",
    "tf.zeros((4, 5))[..., tf.newaxis]", "tf.zeros((2, 3)) / 2.0 + 1",
    "keras.utils.to_categorical([0, 1, 2])",
    "keras.utils.to_categorical(np.array([[1], [2]]), 4)",
    "keras.utils.to_categorical(np.arange(6) % 3)",
    "keras.utils.to_categorical(np.zeros((2, 3)), 5)",
    "keras.preprocessing.sequence.pad_sequences([[1, 2], [3], [4, 5, 6]], maxlen=4)",
    "keras.utils.pad_sequences(np.array([[1, 2, 3]]), maxlen=2)",
    "np.random.rand(4, 3).astype('float32') @ np.ones((3, 2))",
]


@pytest.mark.tensorflow
def test_tensorflow(oracle) -> None:  # type: ignore[no-untyped-def]
    lines = ["import numpy as np", "import tensorflow as tf", "import keras",
             "def fits(shape, inferred):",
             "    return len(shape) == len(inferred) and all(",
             "        d is None or d == s for s, d in zip(tuple(shape), inferred))"]
    for index, expression in enumerate(TENSORFLOW):
        program = "\n".join(lines[:3]) + f"\nresult = {expression}\n"
        inferred = [b.value for b in analyze_source(program).data if b.name == "result"]
        if not inferred or inferred[-1].shape is None:
            assert "@" in expression, f"the engine made no array of {expression}"
            continue
        value = inferred[-1]
        lines.append(f"value_{index} = {expression}")
        lines.append(f"assert fits(value_{index}.shape, {value.shape!r}), "
                     f"({expression!r}, value_{index}.shape)")
        kind = {"int": "iu", "float": "f", "bool": "b"}.get(value.dtype or "", "")
        if kind:
            lines.append(f"assert np.asarray(value_{index}).dtype.kind in {kind!r}, "
                         f"({expression!r}, value_{index}.dtype)")
        if value.bounds is not None:
            low, high = value.bounds
            lines.append(f"assert {low} <= np.min(value_{index}) and np.max(value_{index}) "
                         f"<= {high}, {expression!r}")
    result = oracle.run("\n".join(lines) + "\n")
    assert result.error is None, result.error
