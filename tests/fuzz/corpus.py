"""What the engine fuzz suite feeds the engine: realistic programs (the seeds), what a user
produces while typing them (prefixes, one-character edits), generated programs that mix valid
and invalid layer arguments, and stress files (deep nesting, long lines, 20,000 lines, odd
bytes and line breaks, code that redefines Keras or the builtins).

Generators draw from `Choices`, so the same code runs from a seeded `random.Random` (the deep
profile: fast, reproducible) or from hypothesis (the CI suite: shrinking).
"""

from __future__ import annotations

import codecs
import functools
import random
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Protocol, TypeVar

from shape_engine.data import arrays, datasets
from shape_engine.layers import MULTI_INPUT_LAYERS, RULES

T = TypeVar("T")
REPO = Path(__file__).resolve().parents[2]
SEED_FOLDERS = (REPO / "examples", REPO / "tests" / "fixtures" / "correct",
                REPO / "tests" / "fixtures" / "real_scripts")

# -- seeds ---------------------------------------------------------------------------------------

# Realistic programs besides the examples and the correct fixtures: the spellings and
# statements those do not use much (model.add in loops, builders, nested models, wrappers,
# data made in several steps, branches, a class, a main guard).
EXTRA_SEEDS = {
    "builder_loop.py": '''\
import numpy as np
import tensorflow as tf
from tensorflow.keras import layers

UNITS = [128, 64, 32]


def build(input_dim, classes=10, dropout=0.2):
    model = tf.keras.Sequential(name="mlp")
    model.add(layers.Input(shape=(input_dim,)))
    for units in UNITS:
        model.add(layers.Dense(units, activation="relu"))
        if dropout:
            model.add(layers.Dropout(dropout))
    model.add(layers.Dense(classes, activation="softmax"))
    return model


x = np.random.rand(256, 20).astype("float32")
y = tf.keras.utils.to_categorical(np.random.randint(0, 10, size=(256,)), 10)
model = build(x.shape[1])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x, y, batch_size=32, epochs=2, validation_split=0.1)
print(model.summary())
''',
    "video_wrappers.py": '''\
import keras
from keras import layers as L

frames, height, width = 8, 32, 32
encoder = keras.Sequential([
    L.Conv2D(16, (3, 3), padding="same", activation="relu"),
    L.MaxPooling2D(2),
    L.Conv2D(32, 3, strides=(2, 2)),
    L.GlobalAveragePooling2D(),
])
model = keras.Sequential([
    keras.Input(shape=(frames, height, width, 3)),
    L.TimeDistributed(encoder),
    L.Bidirectional(L.LSTM(32, return_sequences=True), merge_mode="concat"),
    L.GRU(16),
    L.Dense(1, activation="sigmoid"),
])
model.compile("rmsprop", "binary_crossentropy")
model.fit(keras.random.normal((4, frames, height, width, 3)), keras.ops.ones((4, 1)))
''',
    "branches_and_class.py": '''\
from __future__ import annotations

import sys

import numpy as np
from keras.models import Sequential
from keras.layers import Conv1D, Dense, Flatten, MaxPooling1D, Reshape

DEBUG = "--debug" in sys.argv
steps, channels = (100, 3)


class Config:
    filters = 32
    kernel = 5


def make(config=Config, pool=True):
    model = Sequential()
    model.add(Reshape((steps, channels), input_shape=(steps * channels,)))
    model.add(Conv1D(config.filters, config.kernel, activation="relu"))
    if pool:
        model.add(MaxPooling1D(pool_size=2))
    model.add(Flatten())
    model.add(Dense(1))
    return model


if __name__ == "__main__":
    net = make()
    data = np.zeros((10, steps * channels))
    target = np.zeros((10, 1))
    try:
        net.compile(loss="mse", optimizer="sgd")
        net.fit(data, target, epochs=1 if DEBUG else 10)
    except ValueError as error:
        print(error)
    else:
        net.evaluate(data, target)
''',
    "conv3d_and_shapes.py": '''\
import tensorflow as tf

K = tf.keras
shape = (16, 64, 64, 1)
depth, *spatial, channels = shape
volume = K.Sequential(
    layers=[
        K.layers.InputLayer(shape=shape),
        K.layers.Conv3D(8, kernel_size=(3, 3, 3), padding="valid"),
        K.layers.MaxPool3D(pool_size=(2, 2, 2)),
        K.layers.Cropping3D(((1, 1), (2, 2), (2, 2))),
        K.layers.ZeroPadding3D(1),
        K.layers.UpSampling3D(size=2),
        K.layers.Conv3DTranspose(4, 3, strides=2),
        K.layers.GlobalMaxPooling3D(),
        K.layers.Dense(len(spatial) * 2),
    ],
    name="volume_net",
)
volume.build((None, *shape))
volume.summary()
''',
    "text_embedding.py": '''\
from tensorflow import keras
import numpy as np

vocab_size = 20_000
maxlen = 200
embed = 64
(x_train, y_train), _ = keras.datasets.imdb.load_data(num_words=vocab_size)
x_train = keras.utils.pad_sequences(x_train, maxlen=maxlen)
model = keras.Sequential([
    keras.layers.Embedding(vocab_size, embed, input_length=maxlen),
    keras.layers.SpatialDropout1D(0.2),
    keras.layers.Conv1D(embed, 7, padding="causal", dilation_rate=2),
    keras.layers.LayerNormalization(),
    keras.layers.GlobalMaxPooling1D(),
    keras.layers.Dense(2, activation="softmax"),
])
model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
model.fit(x_train[:1000], y_train[:1000], batch_size=64)
scores = model.predict(np.array([x_train[0]]))
''',
}


@functools.cache
def seeds() -> dict[str, str]:
    """Name -> source text of every realistic program."""
    found = {f"{folder.name}/{path.name}": path.read_text(encoding="utf-8")
             for folder in SEED_FOLDERS for path in sorted(folder.glob("*.py"))}
    return {**found, **{f"extra/{name}": text for name, text in EXTRA_SEEDS.items()}}


def seed_names() -> list[str]:
    return sorted(seeds())


# -- choices -------------------------------------------------------------------------------------


class Choices(Protocol):
    def integer(self, low: int, high: int) -> int: ...

    def pick(self, options: Sequence[T]) -> T: ...


class RandomChoices:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def pick(self, options: Sequence[T]) -> T:
        return options[self.rng.randrange(len(options))]


class DrawChoices:
    """Choices drawn by hypothesis (`st.data()`): they shrink towards the first option."""

    def __init__(self, draw: Callable[..., object]) -> None:
        from hypothesis import strategies as st

        self._draw = draw
        self._st = st

    def integer(self, low: int, high: int) -> int:
        return self._draw(self._st.integers(low, high))  # type: ignore[return-value]

    def pick(self, options: Sequence[T]) -> T:
        return options[self.integer(0, len(options) - 1)]


def chance(choices: Choices, percent: int) -> bool:
    return choices.integer(0, 99) < percent


# -- typing: prefixes and one-character edits ----------------------------------------------------

# What a user's keyboard, a paste or a broken file puts into a program.
EDIT_CHARACTERS = (
    "()[]{},:;=.'\"#\\@*+-/%<>!~^&|_ \n\t\r\x0c\x0b\x00"
    "0123456789aeiorstxyzADSNT" "\u00e9\u00df\u03bb\u4e2d\ufeff\u2028\u0085\U0001f600\ufffd"
)


def prefix(text: str, cut: int) -> str:
    return text[:cut]


def delete(text: str, at: int) -> str:
    return text[:at] + text[at + 1:]


def insert(text: str, at: int, character: str) -> str:
    return text[:at] + character + text[at:]


def swap(text: str, at: int) -> str:
    if at + 1 >= len(text):
        return text
    return text[:at] + text[at + 1] + text[at] + text[at + 2:]


def mutated(text: str, choices: Choices, edits: int = 1) -> str:
    """`edits` random one-character deletions, insertions or swaps (mostly), or edits of a
    line or a span: a line pasted twice, deleted, indented; a selection deleted."""
    for _ in range(edits):
        at = choices.integer(0, max(len(text) - 1, 0))
        kind = choices.pick(("delete", "insert", "swap") * 3 + ("line", "span"))
        if kind == "delete":
            text = delete(text, at)
        elif kind == "insert":
            text = insert(text, at, choices.pick(EDIT_CHARACTERS))
        elif kind == "swap":
            text = swap(text, at)
        elif kind == "line":
            text = _line_edit(text, choices)
        else:
            text = text[:at] + text[choices.integer(at, len(text)):]
    return text


def _line_edit(text: str, choices: Choices) -> str:
    lines = text.split("\n")
    at = choices.integer(0, len(lines) - 1)
    kind = choices.pick(("duplicate", "drop", "indent", "dedent", "move"))
    if kind == "duplicate":
        lines.insert(at, lines[at])
    elif kind == "drop":
        del lines[at]
    elif kind == "indent":
        lines[at] = "    " + lines[at]
    elif kind == "dedent":
        lines[at] = lines[at].lstrip()
    else:
        lines.insert(choices.integer(0, len(lines) - 1), lines.pop(at))
    return "\n".join(lines)


# -- generated programs ----------------------------------------------------------------------------

# Argument values as source text: the valid kinds first (hypothesis shrinks towards them), then
# every kind of wrong one.
VALID_VALUES = (
    "4", "1", "32", "3", "(3, 3)", "2", "(2, 2)", "'same'", "'valid'", "'relu'", "'softmax'",
    "0.5", "True", "False", "None", "(28, 28, 1)", "(10,)", "[2, 2]", "(1, 2)", "-1",
    "'channels_first'", "'channels_last'", "((1, 1), (2, 2))", "'concat'", "64", "(8, 4)",
)
INVALID_VALUES = (
    "'32'", "0", "-5", "10**100", "-10**100", "10**10**10", "2**64", "2**63 - 1", "1e308",
    "1e999", "-1e999", "float('nan')", "float('inf')", "((1, 2), (3, (4,)))", "()", "[]", "{}",
    "{'a': 1}", "{1, 2}", "lambda x: x", "b'bytes'", "1j", "...", "undefined_name", "alias_a",
    "self_list", "recurse(3)", "print", "Dense", "keras.layers", "model", "(None,)",
    "(None, None)", "[None]", "True + True", "'a' * 10**9", "(1,) * 10**9", "[0] * -3",
    "not 0", "-(-3)", "3 if flag else 4", "[i for i in range(3)]", "(i for i in range(3))",
    "f'{1}'", "'%d' % 3", "int('7')", "len('abc')", "range(3)", "range(10**30)",
    "tuple(range(3))", "min(3, 'a')", "sum([1, 2])", "abs(-3)", "round(2.5)", "np.zeros((3,))",
    "np.int64(7)", "x_data.shape[1:]", "x_data.shape", "(yield)", "await thing", "*[1, 2]",
    "*undefined_name", "**{'units': 3}", "**kwargs", "(x := 5)", "Sequential()", "len",
    "keras.layers.Dense(3)", "keras.Input((3,))", "'\\x00'", "'\u00e9' * 3", "0x7fffffff",
    "3.0", "-0.0", "2.5", "(3.5, 2)", "[[[[[[1]]]]]]", "(((((((1,),),),),),),)", "self_tuple",
    "deep_value", "big_int", "shadow",
)
KEYWORDS_MISUSED = ("units", "filters", "kernel_size", "input_shape", "input_dim",
                    "batch_input_shape", "shape", "batch_shape", "name", "activation",
                    "padding", "strides", "data_format", "bogus_keyword", "layer", "rate",
                    "return_sequences", "return_state", "target_shape", "dims", "n", "axis")
UNMODELLED = ("Foo", "MultiHeadAttention", "Add", "Concatenate", "Layer", "Normalization",
              "TextVectorization", "StringLookup", "Hashing", "Discretization", "CategoryEncoding",
              "RandomFlip", "RandomRotation", "experimental.preprocessing.Rescaling", "core.Dense")
IMPORT_HEADERS = (
    "import keras\nfrom keras import layers\nSequential = keras.Sequential\nL = layers\n",
    "from tensorflow import keras\nL = keras.layers\nSequential = keras.models.Sequential\n",
    "import tensorflow as tf\nkeras = tf.keras\nL = tf.keras.layers\n"
    "Sequential = tf.keras.Sequential\n",
    "from keras.layers import *\nfrom keras.models import Sequential\nimport keras\n"
    "class _L:\n    pass\nL = keras.layers\n",
    "import tensorflow.keras.layers as L\nfrom tensorflow.keras import Sequential\nimport keras\n",
    # Code that defines its own Sequential, keras, np or layers.
    "import keras\nL = keras.layers\nclass Sequential(list):\n    def add(self, x):\n"
    "        self.append(x)\n",
    "import keras\nL = keras.layers\ndef Sequential(*layers, **options):\n    return layers\n",
    "keras = None\nL = None\nSequential = list\n",
    "import numpy as keras\nimport keras as np\nL = np.layers\nSequential = np.Sequential\n",
    "import keras\nL = keras.layers\nSequential = keras.Sequential\nkeras.Sequential = dict\n",
    "from keras import layers as np\nimport keras\nL = np\nSequential = keras.Sequential\n",
    "class keras:\n    class layers:\n        Dense = int\n    Sequential = list\n"
    "L = keras.layers\nSequential = keras.Sequential\n",
    "import keras\nL = keras.layers\nSequential = keras.Sequential\nlayers = [1, 2]\n"
    "Dense = L.Conv2D\n",
)
# Builtins and names the evaluator knows, rebound.
SHADOWING = ("range = 5\n", "len = None\n", "list = dict\n", "tuple = 3\n", "int = str\n",
             "print = exit\n", "__builtins__ = {}\n", "min = max\n", "float = lambda x: x\n",
             "np = keras\n", "np = 5\n", "str = bytes\n", "isinstance = None\n",
             "__import__ = None\n", "object = 1\n", "super = None\n", "sum = len\n")
PREAMBLES = (
    "import numpy as np\nx_data = np.random.rand(64, 10)\ny_data = np.zeros((64, 1))\n",
    "flag = input()\nthing = None\nkwargs = {}\n",
    "alias_a = alias_b\nalias_b = alias_a\nalias_a = alias_a\n",
    "self_list = []\nself_list.append(self_list)\nself_list[0] = self_list\n"
    "self_tuple = (1,)\nfor _ in range(60):\n    self_tuple = (self_tuple, self_tuple)\n",
    "def recurse(n):\n    return recurse(n - 1) + recurse(n - 2)\n",
    "def ping(n):\n    return pong(n)\ndef pong(n):\n    return ping(n)\nping(1)\n",
    "fact = lambda n: n * fact(n - 1)\nboom = lambda: [boom(), boom()]\nfact(5)\nboom()\n",
    "deep_value = " + "(" * 60 + "1" + ")" * 60 + "\n",
    "big_int = 9\nfor _ in range(40):\n    big_int = big_int * big_int\n",
    "text = 'ab'\nfor _ in range(40):\n    text = text + text\n",
    "blob = b'ab'\nfor _ in range(40):\n    blob += blob\n",
    "grow = [1]\nfor _ in range(40):\n    grow = grow + grow\n",
    "for a in range(256):\n    for b in range(256):\n        for c in range(256):\n"
    "            counter = a + b + c\n",
    "shadow = 1\nglobal shadow\nnonlocal_thing = 2\ndel shadow\n",
    "async def agen():\n    yield 1\n    await agen()\n",
    "@recurse\n@undefined_decorator(1)\ndef decorated(x=recurse(2), *a, k=..., **kw):\n"
    "    return decorated\n",
    "match thing:\n    case [1, *rest]:\n        shadow = 3\n    case {'a': b}:\n"
    "        pass\n    case _:\n        pass\n",
    "try:\n    import keras\nexcept* ImportError:\n    pass\n",
    "with open('x') as (a, b), undefined() as c[0]:\n    pass\n",
    "while True:\n    pass\n",
    "x_data = y_data = None\n(x_data, y_data), (a, *b) = 1, 2\n",
    "class Dense(L.Layer if L else object):\n    def __init__(self, *a, **k):\n"
    "        super().__init__()\n",
)


# Imports of the user's own modules (see `user_modules`): another program, a seed, itself.
USER_IMPORTS = ("from helpers import *", "import helpers\nhelpers.model.add(helpers.model)",
                "from helpers import build_model, model, UNITS", "from . import models",
                "from .models import model as imported_model", "import fuzz", "from fuzz import *",
                "from .. import fuzz", "from models import *", "import models.sub.deeper")


def user_modules(program: str, choices: Choices) -> dict[str, str]:
    """The modules a generated program imports: a seed (maybe edited), another generated
    program, and the program itself (an import cycle)."""
    helper = seeds()[choices.pick(seed_names())]
    if chance(choices, 30):
        helper = mutated(helper, choices)
    return {"helpers": helper, "models": generated_program(choices, with_imports=False),
            "fuzz": program}


def _value(choices: Choices) -> str:
    pool = VALID_VALUES if chance(choices, 60) else INVALID_VALUES
    value = choices.pick(pool)
    if chance(choices, 5):
        value = f"({value}, {choices.pick(pool)})"
    return value


def _layer(choices: Choices, depth: int = 0) -> str:
    if chance(choices, 90):
        kind = choices.pick(sorted(RULES))
        params = RULES[kind].params
    else:
        kind = choices.pick(sorted(MULTI_INPUT_LAYERS) + list(UNMODELLED))
        params = ()
    arguments: list[str] = []
    for _ in range(choices.integer(0, min(len(params), 3) + 1)):
        if depth < 2 and kind in ("Bidirectional", "TimeDistributed") and not arguments:
            arguments.append(_layer(choices, depth + 1))
        else:
            arguments.append(_value(choices))
    for _ in range(choices.integer(0, 3)):
        names = list(params) + list(KEYWORDS_MISUSED)
        keyword = choices.pick(names) if names else "units"
        arguments.append(f"{keyword}={_value(choices)}")
    if chance(choices, 5):
        arguments.append(choices.pick(("*args_list", "**kwargs", "*[4]", "**{'units': 2}")))
    if chance(choices, 3):
        # Keyword before positional, a repeated keyword: syntax errors.
        arguments.reverse()
    spelling = choices.pick(("L.{}", "keras.layers.{}", "{}", "tf.keras.layers.{}"))
    return spelling.format(kind) + "(" + ", ".join(arguments) + ")"


def _model_statements(choices: Choices, name: str) -> list[str]:
    layers = [_layer(choices) for _ in range(choices.integer(0, 6))]
    if chance(choices, 60):
        first = choices.pick(("keras.Input(shape=(28, 28, 1))", "keras.Input((10,))",
                              "L.Input(shape=(None, 8))", "L.InputLayer(input_shape=(5,))",
                              "keras.Input(" + _value(choices) + ")"))
        layers.insert(0, first)
    style = choices.integer(0, 3)
    if style == 0:
        return [f"{name} = Sequential([{', '.join(layers)}])"]
    if style == 1:
        return [f"{name} = Sequential(layers=[\n    " + ",\n    ".join(layers) + "\n])"]
    if style == 2:
        return [f"{name} = Sequential()"] + [f"{name}.add({layer})" for layer in layers]
    body = ["def build_" + name + "(units=4, *rest, **options):",
            f"    {name} = Sequential()"]
    body += [f"    {name}.add({layer})" for layer in layers]
    body += [f"    return {name}", f"{name} = build_{name}({_value(choices)})"]
    return body


def _after(choices: Choices, name: str) -> list[str]:
    calls = (
        f"{name}.compile(optimizer='adam', loss={choices.pick(('mse', 'None', '3', 'loss'))})",
        f"{name}.fit(x_data, y_data, epochs={_value(choices)})",
        f"{name}.fit({_value(choices)}, {_value(choices)})",
        f"{name}.predict(np.zeros({_value(choices)}))",
        f"{name}.evaluate(*{_value(choices)})",
        f"{name}.build({_value(choices)})",
        f"{name}.pop()",
        f"{name}.summary()",
        f"{name}({_value(choices)})",
        f"{name}.layers[0] = {name}",
        f"{name}.add({name})",
        f"other = Sequential([{name}, {name}])",
        f"for layer in {name}.layers:\n    {name}.add(layer)",
        f"if flag:\n    {name}.add(L.Dense(3))\nelse:\n    {name}.pop()",
        f"{name} = {name}",
        f"{name}, {name} = {name}",
    )
    return [choices.pick(calls) for _ in range(choices.integer(0, 3))]


# Data: every numpy, TensorFlow, Keras and scikit-learn function the engine models, with
# arguments of every kind (shapes huge, negative, of many dimensions, unknown, of wrong types).
DATA_FUNCTIONS = tuple(sorted(arrays._CALLS)) + tuple(sorted(datasets._CALLS))
DATA_VALUES = (
    "(64, 10)", "(64, 28, 28, 1)", "64", "(8,)", "10", "(64, 1)", "x_data", "y_data",
    "x_data.shape", "x_data.shape[1:]", "(10**9, 10**9)", "(-1, 3)", "(0,)", "()", "(None,)",
    "(3.5, 2)", "('a', 2)", "-5", "10**100", "[2, 3]", "(1,) * 64", "tuple(range(40))",
    "x_data[::-1]", "x_data[..., None]", "x_data[:, 0]", "x_data > 0.5", "x_data.T", "-1",
    "0.25", "'float32'", "None", "True", "[[1, 2], [3]]", "[[1, 2], [3, 4]]", "[]",
    "[x_data, y_data]", "(x_data, x_data)", "np.float32", "undefined_name", "'auto'", "...",
)
DATA_KEYWORDS = ("axis", "size", "shape", "num_classes", "maxlen", "dtype", "test_size",
                 "keepdims", "newshape", "axes", "padding", "low", "high", "replace", "depth")
DATA_METHODS = ("reshape", "astype", "sum", "mean", "max", "argmax", "squeeze", "flatten",
                "transpose", "clip", "copy", "ravel", "round", "numpy", "std", "bogus",
                # tf.data's, on whatever the receiver is
                "batch", "unbatch", "map", "padded_batch", "shuffle", "take", "zip", "repeat")


def _spelled(name: str) -> str:
    module, _, last = name.rpartition(".")
    for canonical, alias in (("numpy", "np"), ("tensorflow", "tf"),
                             ("sklearn.model_selection", "model_selection")):
        if name.startswith(canonical + "."):
            return alias + name[len(canonical):]
    return name if module else last


def _data_value(choices: Choices, known: Sequence[str] = ()) -> str:
    """Half the time a plausible shape or array, else anything."""
    if chance(choices, 50):
        return choices.pick(DATA_VALUES[:8])
    return choices.pick(DATA_VALUES + tuple(known))


def _data_expression(choices: Choices, known: list[str]) -> str:
    kind = choices.integer(0, 9)
    if kind <= 4:
        name = _spelled(choices.pick(DATA_FUNCTIONS)).replace("Generator()", "default_rng()")
        arguments = [_data_value(choices, known) for _ in range(choices.integer(0, 3))]
        arguments += [f"{choices.pick(DATA_KEYWORDS)}={_data_value(choices)}"
                      for _ in range(choices.integer(0, 2))]
        return f"{name}({', '.join(arguments)})"
    source = choices.pick(known)
    if kind <= 6:
        listed = ", ".join(_data_value(choices) for _ in range(choices.integer(0, 2)))
        return f"{source}.{choices.pick(DATA_METHODS)}({listed})"
    if kind == 7:
        index = choices.pick(("0", "-1", ":, 0", "::0", "..., None", "None", "1:3, ::2",
                              "x_data > 0", "10**100", "'a'", "[0, 1]", ":, :, :, :, :"))
        return f"{source}[{index}]"
    operator = choices.pick(("+", "*", "@", "-", "/", "**", ">", "=="))
    return f"{source} {operator} {_data_value(choices, known)}"


def _data_statements(choices: Choices) -> list[str]:
    known = ["x_data", "y_data"]
    lines = ["from sklearn import model_selection",
             "from sklearn.model_selection import train_test_split"]
    for index in range(choices.integer(0, 5)):
        name = f"data{index}"
        if chance(choices, 10):
            lines.append(f"({name}, labels{index}), _ = keras.datasets."
                         f"{choices.pick(('mnist', 'imdb', 'cifar10', 'boston_housing'))}"
                         f".load_data({choices.pick(('', 'num_words=100', 'path=None'))})")
        else:
            lines.append(f"{name} = {_data_expression(choices, known)}")
        known.append(name)
    if chance(choices, 30):
        lines.append(f"x_data, x_test, y_data, y_test = train_test_split("
                     f"{choices.pick(known)}, {choices.pick(known)}, "
                     f"test_size={_data_value(choices)})")
    if chance(choices, 50):
        lines.append(f"x_data = {choices.pick(known)}")
    if chance(choices, 20):
        lines += _frame_statements(choices)
    return lines


# pandas: frames read (from a file that is not there: columns unknown) or made, then taken
# apart in every way the engine follows, and some it does not.
FRAME_SOURCES = ("pd.read_csv('data.csv')", "pd.read_csv(path, sep=';')",
                 "pd.DataFrame(x_data)", "pd.DataFrame(x_data, columns=['a', 'b'])",
                 "pd.DataFrame({'a': [1, 2], 'b': [3, 4]})", "pd.get_dummies(frame)")
FRAME_STEPS = (
    "frame[['a', 'b']]", "frame['a']", "frame.drop(columns=['a'])", "frame.drop('a', axis=1)",
    "frame.drop(['a'], axis=0)", "frame.iloc[:, :-1]", "frame.iloc[:, -1]", "frame.iloc[0]",
    "frame.iloc[1:3, [0, 1]]", "frame.loc[:, ['a']]", "frame.loc['x']", "frame.values",
    "frame.to_numpy()", "frame.T", "frame.shape", "frame.columns", "frame[frame['a'] > 0]",
    "frame.dropna()", "frame.drop(columns=['zz'])", "frame.iloc[::0]", "frame.iloc[10**100]",
    "frame[x_data]", "frame.pop('a')", "frame.reset_index()", "frame.astype('float32')",
)
FRAME_CHANGES = ("frame['new'] = 1", "frame.columns = ['p', 'q']", "del frame['a']",
                 "frame.drop(columns=['a'], inplace=True)", "unknown(frame)",
                 "frame.columns = undefined_name")


def _frame_statements(choices: Choices) -> list[str]:
    lines = ["import pandas as pd", f"frame = {choices.pick(FRAME_SOURCES)}"]
    for _ in range(choices.integer(1, 4)):
        if chance(choices, 30):
            lines.append(choices.pick(FRAME_CHANGES))
        else:
            lines.append(f"frame = {choices.pick(FRAME_STEPS)}" if chance(choices, 50)
                         else f"x_data = {choices.pick(FRAME_STEPS)}")
    return lines


def generated_program(choices: Choices, with_imports: bool = True) -> str:
    """A program mixing valid and invalid layer arguments of every type, in every spelling,
    and data made by every function the engine models, with arguments of every kind."""
    lines = [choices.pick(IMPORT_HEADERS), "import tensorflow as tf", PREAMBLES[0]]
    for _ in range(choices.integer(0, 2) if with_imports else 0):
        lines.append(choices.pick(USER_IMPORTS))
    for _ in range(choices.integer(0, 3)):
        lines.append(choices.pick(PREAMBLES))
    for _ in range(choices.integer(0, 2)):
        lines.append(choices.pick(SHADOWING))
    lines.append("args_list = [1, 2]\nkwargs = {'units': 3}\nflag = input()\n")
    if chance(choices, 50):
        lines += _data_statements(choices)
    for index in range(choices.integer(1, 3)):
        name = f"model{index}" if index else "model"
        lines += _model_statements(choices, name)
        lines += _after(choices, name)
    return "\n".join(lines) + "\n"


# -- stress inputs ---------------------------------------------------------------------------------

TWENTY_THOUSAND = 20_000


def _lines_of(text: str, count: int) -> str:
    """`text` repeated (whole lines) up to about `count` lines."""
    lines = text.splitlines(keepends=True)
    copies = max(count // max(len(lines), 1), 1)
    return "".join(lines * copies)


def _realistic(name: str) -> str:
    return seeds()[name]


def big_files() -> Iterator[tuple[str, bytes]]:
    """20,000-line files: a realistic program repeated, and generated code of several kinds."""
    mnist = _realistic("examples/mnist_cnn.py")
    yield "20k lines: examples/mnist_cnn.py repeated", _lines_of(mnist, TWENTY_THOUSAND).encode()
    broken = _realistic("examples/training_mistakes.py")
    yield ("20k lines: examples/training_mistakes.py repeated",
           _lines_of(broken, TWENTY_THOUSAND).encode())
    adds = "import keras\nmodel = keras.Sequential([keras.Input((8,))])\n" + (
        "model.add(keras.layers.Dense(8))\n" * TWENTY_THOUSAND)
    yield "20k lines: one model, 20,000 model.add", adds.encode()
    names = "".join(f"value_{i} = {i} * 2 + value_{max(i - 1, 0)}\nif value_{i} > flag:\n"
                    f"    other_{i} = value_{i}\n" for i in range(TWENTY_THOUSAND // 3))
    yield "20k lines: assignments and unknown branches", ("flag = input()\n" + names).encode()
    functions = "".join(f"def build_{i}(units={i}):\n    import keras\n"
                        f"    return keras.Sequential([keras.Input((units,)), "
                        f"keras.layers.Dense(units), keras.layers.Conv2D(1, 3)])\n\n"
                        for i in range(TWENTY_THOUSAND // 4))
    yield "20k lines: 5,000 uncalled model builders", functions.encode()
    models = "import keras\n" + "".join(
        f"m{i} = keras.Sequential([keras.Input(({i % 7 + 1},)), keras.layers.Dense(3), "
        f"keras.layers.LSTM(2)])\nm{i}.compile(loss='mse')\n" for i in range(TWENTY_THOUSAND // 2))
    yield "20k lines: 10,000 broken models", models.encode()
    comments = "# " + "\u00e9" * 60 + "\n"
    yield "20k lines: non-ASCII comments", (comments * TWENTY_THOUSAND).encode()
    blank = "\n" * TWENTY_THOUSAND + mnist
    yield "20k lines: blank then a program", blank.encode()


def deep_nesting() -> Iterator[tuple[str, bytes]]:
    for depth in (50, 99, 100, 150, 199, 200, 250, 1000, 100_000):
        yield f"{depth} nested parentheses", ("x = " + "(" * depth + "1" + ")" * depth).encode()
        yield f"{depth} nested lists", ("x = " + "[" * depth + "]" * depth).encode()
    for depth in (100, 1000, 10_000, 100_000):
        yield f"{depth} chained additions", ("x = " + "1 + " * depth + "1\n").encode()
        yield f"{depth} chained attributes", ("x = keras" + ".layers" * depth + "\n").encode()
        yield f"{depth} chained calls", ("x = f" + "()" * depth + "\n").encode()
        yield f"{depth} chained subscripts", ("x = a" + "[0]" * depth + "\n").encode()
        yield f"{depth} unary minus", ("x = " + "-" * depth + "1\n").encode()
        yield f"{depth} not", ("x = " + "not " * depth + "1\n").encode()
        yield f"{depth} comparisons", ("x = " + "1 < " * depth + "2\n").encode()
        yield f"{depth} boolean operands", ("x = " + "a and " * depth + "b\n").encode()
        yield f"{depth} lambdas", ("f = " + "lambda: " * min(depth, 5000) + "1\n").encode()
    for depth in (20, 99, 100, 101, 200):
        body = "".join("    " * i + "if x:\n" for i in range(depth)) + "    " * depth + "y = 1\n"
        yield f"{depth} nested ifs", body.encode()
        calls = "x = " + "keras.Sequential([" * depth + "]" + ")]" * (depth - 1) + ")\n"
        yield f"{depth} nested Sequential", ("import keras\n" + calls).encode()
        layers = "L.Bidirectional(" * depth + "L.LSTM(2)" + ")" * depth
        yield f"{depth} nested wrappers", (
            "import keras\nL = keras.layers\nm = keras.Sequential([keras.Input((3, 4)), "
            f"{layers}])\n").encode()
        functions = "".join("    " * i + f"def f{i}():\n" for i in range(depth))
        yield f"{depth} nested functions", (functions + "    " * depth + "return 1\n").encode()


def long_lines() -> Iterator[tuple[str, bytes]]:
    for count in (1_000, 20_000):
        layers = ", ".join(["keras.layers.Dense(4)"] * count)
        source = f"import keras\nm = keras.Sequential([keras.Input((4,)), {layers}])\n"
        yield f"{count} layers on one line", source.encode()
        yield f"{count} layers on one line, non-ASCII comment", (source.rstrip("\n")
                                                               + "  # \u00e9\u4e2d\n").encode()
        yield f"{count} layers on one non-ASCII line", source.replace(
            "Dense(4)", "Dense(4, name='\u00e9')").encode()
    yield "1 MB string literal", ("x = '" + "a" * 1_000_000 + "'\nfor c in x:\n    pass\n").encode()
    yield "1 MB comment", ("# " + "\u00e9" * 500_000 + "\nx = 1\n").encode()
    yield "100,000-element list", ("x = [" + "1, " * 100_000 + "]\nimport numpy as np\n"
                                   "y = np.array(x)\nz = x + x\n").encode()
    yield "10,000-element nested data", ("import numpy as np\nx = np.array(["
                                         + "[1.0, 2.0], " * 10_000 + "])\n").encode()
    yield "huge int literal", ("x = 0x" + "f" * 200_000 + "\ny = x * x\nz = x ** 2\n").encode()
    yield "huge decimal literal", ("x = " + "9" * 5_000 + "\n").encode()
    yield "long identifier", ("x" * 100_000 + " = 1\n").encode()
    yield "backslash continuations", ("x = 1 \\\n" + "+ 1 \\\n" * 20_000 + "+ 1\n").encode()


def odd_bytes() -> Iterator[tuple[str, bytes]]:
    mnist = _realistic("examples/mnist_cnn.py").encode()
    broken = _realistic("examples/dense_into_conv.py").encode()
    for name, source in (("mnist_cnn", mnist), ("dense_into_conv", broken)):
        yield f"{name}: NUL at start", b"\x00" + source
        yield f"{name}: NUL in the middle", source[:100] + b"\x00" + source[100:]
        yield f"{name}: NUL in a comment", source + b"# \x00\n"
        yield f"{name}: NUL in a string", source + b"x = '\x00'\n"
        yield f"{name}: latin-1 byte in a comment", source + b"# caf\xe9\n"
        yield f"{name}: latin-1 byte in code", source[:50] + b"\xe9" + source[50:]
        yield f"{name}: latin-1 cookie", b"# -*- coding: latin-1 -*-\n" + source + b"# \xe9\n"
        yield f"{name}: cookie on line 2", b"#!/usr/bin/env python\n# coding=latin-1\n" + source
        yield f"{name}: bogus cookie", b"# coding: bogus-encoding\n" + source
        for codec in ("undefined", "punycode", "idna", "utf-16", "utf-32", "rot13", "hex",
                      "base64", "unicode_escape", "uu", "utf-7", "cp1252", "shift_jis"):
            yield f"{name}: {codec} cookie", f"# coding: {codec}\n".encode() + source
        yield f"{name}: BOM", codecs.BOM_UTF8 + source
        yield f"{name}: two BOMs", codecs.BOM_UTF8 * 2 + source
        yield f"{name}: BOM in the middle", source[:80] + codecs.BOM_UTF8 + source[80:]
        yield f"{name}: BOM and latin-1 cookie", codecs.BOM_UTF8 + b"# coding: latin-1\n" + source
        yield f"{name}: UTF-16 BOM", codecs.BOM_UTF16_LE + source
        yield f"{name}: UTF-16 encoded", source.decode().encode("utf-16")
        yield f"{name}: CRLF", source.replace(b"\n", b"\r\n")
        yield f"{name}: lone CR", source.replace(b"\n", b"\r")
        yield (f"{name}: mixed line breaks",
               source.replace(b"\n", b"\r\n", 3).replace(b"\n", b"\r", 3))
        yield f"{name}: form feeds", source.replace(b"\n", b"\n\x0c")
        yield f"{name}: form feeds in indentation", source.replace(b"\n    ", b"\n\x0c    ")
        yield f"{name}: tabs", source.replace(b"    ", b"\t")
        yield f"{name}: mixed tabs", source.replace(b"    ", b"\t", 2)
        yield f"{name}: vertical tabs", source.replace(b" ", b"\x0b", 5)
        yield f"{name}: U+2028", source.replace(b"\n", "\u2028".encode(), 3)
        yield f"{name}: NEL", source.replace(b"\n", "\u0085".encode(), 3)
        yield f"{name}: Ctrl-Z", source + b"\x1a"
        yield f"{name}: truncated UTF-8", source + "\u4e2d".encode()[:2]
        yield f"{name}: overlong UTF-8", source + b"# \xc0\xaf\n"
        yield f"{name}: encoded surrogate", source + b"# \xed\xa0\x80\n"
        yield f"{name}: no final newline", source.rstrip(b"\n")
        yield f"{name}: only CR at end", source.rstrip(b"\n") + b"\r"
    for size in (0, 1, 2, 3):
        yield f"{size} bytes of BOM", codecs.BOM_UTF8[:size]
    yield "empty", b""
    yield "only NULs", b"\x00" * 1000
    yield "random bytes", bytes(random.Random(6).randrange(256) for _ in range(20_000))
    yield "only line breaks", b"\r\n\r\r\n\n" * 1000
    yield "only form feeds and tabs", b"\x0c\t \x0c\n" * 1000


def redefinitions() -> Iterator[tuple[str, bytes]]:
    body = _realistic("examples/dense_into_conv.py")
    for header in IMPORT_HEADERS:
        yield f"redefined names: {header.splitlines()[-1]}", (body + "\n" + header + body).encode()
    for shadow in SHADOWING:
        yield f"shadowed builtin: {shadow.strip()}", (shadow + body).encode()
    for preamble in PREAMBLES:
        yield f"preamble: {preamble.splitlines()[0]}", (preamble + body).encode()


def stress_inputs() -> Iterator[tuple[str, bytes]]:
    """Named stress inputs, as bytes."""
    yield from deep_nesting()
    yield from long_lines()
    yield from odd_bytes()
    yield from redefinitions()
    yield from big_files()


def surrogate_texts() -> Iterator[tuple[str, str]]:
    """Text only a language server can receive (JSON escapes): lone surrogates."""
    body = _realistic("examples/dense_into_conv.py")
    yield "lone surrogate in a comment", body + "# \ud800\n"
    yield "lone surrogate in code", body[:40] + "\udfff" + body[40:]
    yield "lone surrogate in a layer name", body.replace("Dense(", "Dense(name='\ud834', x=", 1)
