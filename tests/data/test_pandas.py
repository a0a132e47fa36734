"""pandas frames and sklearn's encoders as the engine follows them.

Each expression has the shape computed by hand from pandas' documented rules (rows unknown:
None); where pandas and scikit-learn are importable, the same expressions run in them and
the engine's known dims must equal theirs. The TensorFlow case trains on the frame's values.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import numpy as np
import pytest

from shape_engine import analyze_source
from shape_engine.values import ArrayValue
from tests.checks.support import dedent, run_tf

CSV = "a,b,c,label\n1,2,3,0\n4,5,6,1\n7,8,9,0\n10,11,12,1\n"
SETUP = """
import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler, MinMaxScaler, OneHotEncoder, LabelEncoder
df = pd.read_csv("t.csv")
"""

# expression -> shape by hand (None: a dim the engine cannot know).
CASES: list[tuple[str, tuple[int | None, ...]]] = [
    ("df.values", (None, 4)),
    ("df.to_numpy()", (None, 4)),
    ("df[['a', 'b']].values", (None, 2)),
    ("df['a'].values", (None,)),
    ("df['label'].to_numpy()", (None,)),
    ("df.label.values", (None,)),
    ("df.drop(columns=['label']).values", (None, 3)),
    ("df.drop(['label', 'a'], axis=1).values", (None, 2)),
    ("df.drop('label', axis='columns').to_numpy()", (None, 3)),
    ("df.drop([0]).values", (None, 4)),
    ("df.iloc[:, :-1].values", (None, 3)),
    ("df.iloc[:, -1].values", (None,)),
    ("df.iloc[:, 1:3].values", (None, 2)),
    ("df.iloc[:, [0, 2]].values", (None, 2)),
    ("df.loc[:, ['a', 'c']].values", (None, 2)),
    ("df.dropna().values", (None, 4)),
    ("df.copy().astype('float32').values", (None, 4)),
    ("df[df['a'] > 2].values", (None, 4)),
    ("pd.get_dummies(df, columns=['label']).values", (None, None)),
    ("np.asarray(df[['a', 'b']])", (None, 2)),
    ("StandardScaler().fit_transform(df.drop(columns=['label']))", (None, 3)),
    ("MinMaxScaler().fit_transform(df[['a']].values)", (None, 1)),
    ("OneHotEncoder(sparse_output=False).fit_transform(df[['label']])", (None, None)),
    ("OneHotEncoder(categories=[[0, 1]], sparse_output=False).fit_transform(df[['label']])",
     (None, 2)),
    ("OneHotEncoder().fit_transform(df[['label']]).toarray()", (None, None)),
    ("train_test_split(df.drop(columns=['label']).values, df['label'].values)[0]", (None, 3)),
    ("train_test_split(df.drop(columns=['label']), df['label'])[1].values", (None, 3)),
    ("train_test_split(df.drop(columns=['label']), df['label'])[3].values", (None,)),
    ("pd.DataFrame(np.zeros((5, 2)), columns=['x', 'y']).values", (5, 2)),
]
# After `df['d'] = ...` and `df.drop(columns=['a'], inplace=True)`.
CHANGED = "df['d'] = df['a'] * 2\ndf.drop(columns=['a'], inplace=True)\nresult = df.values\n"


def _engine(tmp_path: Path, expression: str, setup: str = SETUP) -> object:
    (tmp_path / "t.csv").write_text(CSV)
    source = dedent(setup) + f"result = {expression}\n"
    script = tmp_path / "script.py"
    values = [b.value for b in analyze_source(source, str(script)).data if b.name == "result"]
    assert values and isinstance(values[-1], ArrayValue), expression
    return values[-1].shape


@pytest.mark.parametrize(("expression", "expected"), CASES)
def test_frames_by_hand(tmp_path: Path, expression: str, expected: tuple[int | None, ...]
                        ) -> None:
    assert _engine(tmp_path, expression) == expected


def test_columns_changed_in_place(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text(CSV)
    source = dedent(SETUP) + CHANGED
    values = [b.value for b in analyze_source(source, str(tmp_path / "s.py")).data
              if b.name == "result"]
    assert isinstance(values[-1], ArrayValue) and values[-1].shape == (None, 4)


def test_csv_options(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("# made by hand\n" + CSV.replace(",", ";"))
    setup = "import pandas as pd\n"
    cases = {
        "pd.read_csv('t.csv', sep=';', skiprows=1).values": (None, 4),
        "pd.read_csv('t.csv', sep=';', skiprows=1, usecols=['a', 'c']).values": (None, 2),
        "pd.read_csv('t.csv', sep=';', skiprows=1, usecols=[0]).values": (None, 1),
        "pd.read_csv('t.csv', sep=';', skiprows=2, header=None).values": (None, 4),
        "pd.read_csv('t.csv', names=['p', 'q']).values": (None, 2),
        "pd.read_csv('t.csv', sep=';', skiprows=1, index_col=0).values": (None, None),
        "pd.read_csv(path).values": (None, None),
    }
    for expression, expected in cases.items():
        source = setup + f"result = {expression}\n"
        values = [b.value for b in analyze_source(source, str(tmp_path / "s.py")).data
                  if b.name == "result"]
        assert isinstance(values[-1], ArrayValue) and values[-1].shape == expected, expression


def test_same_shapes_in_pandas_and_sklearn(tmp_path: Path) -> None:
    pytest.importorskip("pandas", reason="pandas is not installed: the shapes by hand above "
                        "stand alone")
    pytest.importorskip("sklearn", reason="scikit-learn is not installed")
    (tmp_path / "t.csv").write_text(CSV)
    namespace: dict[str, object] = {}
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        exec(dedent(SETUP), namespace)  # the test's own setup, not user code
        for expression, expected in CASES:
            real = eval(expression, namespace).shape  # the test's own literal
            assert len(real) == len(expected), expression
            assert all(d is None or d == r for d, r in zip(expected, real, strict=True)), expression
        exec(CHANGED, namespace)
        assert namespace["result"].shape[1] == 4  # type: ignore[attr-defined]
    finally:
        os.chdir(cwd)


PROGRAM = """
import numpy as np
import keras

data = np.loadtxt("t.csv", delimiter=",", skiprows=1)
x = data[:, :3]
y = data[:, 3]
images = np.load("x.npy")
model = keras.Sequential([keras.Input(shape=(WIDTH,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(loss="binary_crossentropy", optimizer="adam")
model.fit(x, y, epochs=1, verbose=0)
flat = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),
                        keras.layers.Dense(2)])
flat.predict(images, verbose=0)
"""


@pytest.mark.tensorflow
@pytest.mark.parametrize("width", [3, 4])
def test_file_data_in_tensorflow(tmp_path: Path, oracle, width: int) -> None:  # type: ignore[no-untyped-def]
    """The columns read from the header decide the verdict, as in TensorFlow."""
    (tmp_path / "t.csv").write_text(CSV)
    program = textwrap.dedent(PROGRAM).replace("WIDTH", str(width))
    np.save(tmp_path / "x.npy", np.zeros((8, 28, 28), "float32"))
    analysis = analyze_source(program, str(tmp_path / "train.py"))
    images = [b.value for b in analysis.data if b.name == "images"]
    assert isinstance(images[-1], ArrayValue) and images[-1].shape == (8, 28, 28)
    fit_line = program.splitlines().index("model.fit(x, y, epochs=1, verbose=0)")
    errors = [f for f in analysis.findings if f.severity.name == "ERROR"]
    result = run_tf(oracle, f"import os\nos.chdir({str(tmp_path)!r})\n" + program)
    if width == 3:
        assert result.error is None, result.error
        assert not errors
    else:
        assert result.error is not None
        assert [f.range.start.line for f in errors] == [fit_line], errors


FRAME_FIT = """
import pandas as pd
import keras

df = pd.read_csv("t.csv")
features = df.drop(columns=["label"])
model = keras.Sequential([keras.Input(shape=(WIDTH,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(loss="binary_crossentropy", optimizer="adam")
model.fit(features, df["label"], epochs=1, verbose=0)
"""


@pytest.mark.parametrize("width", [3, 4])
def test_frames_given_to_fit(tmp_path: Path, width: int) -> None:
    (tmp_path / "t.csv").write_text(CSV)
    program = dedent(FRAME_FIT).replace("WIDTH", str(width))
    analysis = analyze_source(program, str(tmp_path / "train.py"))
    codes = [(f.code, f.range.start.line) for f in analysis.findings]
    fit_line = len(program.splitlines()) - 1
    assert codes == ([] if width == 3 else [("SL201", fit_line)])


@pytest.mark.tensorflow
@pytest.mark.parametrize("width", [3, 4])
def test_frames_given_to_fit_in_tensorflow(tmp_path: Path, oracle, width: int) -> None:  # type: ignore[no-untyped-def]
    if oracle.run("import pandas\n").error is not None:
        pytest.skip("pandas is not installed where TensorFlow runs (a test extra)")
    (tmp_path / "t.csv").write_text(CSV)
    program = dedent(FRAME_FIT).replace("WIDTH", str(width))
    result = run_tf(oracle, f"import os\nos.chdir({str(tmp_path)!r})\n" + program)
    assert (result.error is None) == (width == 3), result.error


def test_a_frame_given_to_code_not_followed_may_change(tmp_path: Path) -> None:
    """`add_features(df)` from another library may add columns in place: still 2-D."""
    (tmp_path / "t.csv").write_text(CSV)
    source = dedent(SETUP) + "import helpers\nhelpers.add_features(df)\nresult = df.values\n"
    values = [b.value for b in analyze_source(source, str(tmp_path / "s.py")).data
              if b.name == "result"]
    assert isinstance(values[-1], ArrayValue) and values[-1].shape == (None, None)


def test_a_saved_index_column_is_named_by_position(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text(",a,b\n0,1,2\n1,3,4\n")  # what df.to_csv writes
    source = ("import pandas as pd\ndf = pd.read_csv('t.csv')\n"
              "result = df.drop(columns=['Unnamed: 0']).values\n"
              "last = df[df.columns[1:]].values\n")
    data = {b.name: b.value for b in analyze_source(source, str(tmp_path / "s.py")).data}
    assert isinstance(data["result"], ArrayValue) and data["result"].shape == (None, 2)
    assert isinstance(data["last"], ArrayValue) and data["last"].shape == (None, 2)


@pytest.mark.parametrize("expression", [
    "df.iloc[::0]", "df.iloc[10**100]", "df.iloc[:, [0, 99]]", "df.loc['x']",
    "df.drop(columns=['zz'])", "df[undefined]", "pd.read_csv('t.csv', usecols=[7])",
    "OneHotEncoder(categories=df).fit_transform(df)",
])
def test_what_python_would_refuse_is_unknown(tmp_path: Path, expression: str) -> None:
    """Found by fuzzing (`iloc[::0]` raised inside the engine): unknown, never a crash."""
    (tmp_path / "t.csv").write_text(CSV)
    source = dedent(SETUP) + f"result = {expression}\nvalues = result.values\n"
    analysis = analyze_source(source, str(tmp_path / "s.py"))
    assert not analysis.findings


def test_frames_into_a_dataset(tmp_path: Path) -> None:
    """`from_tensor_slices((features, labels))` of a frame and a series slices their values:
    elements (3,) and (), batched to (None, 3) and (None,) (pandas' own rule: a frame's
    values are (rows, columns))."""
    (tmp_path / "t.csv").write_text(CSV)
    source = dedent(SETUP) + dedent("""
        import tensorflow as tf
        import keras
        data = tf.data.Dataset.from_tensor_slices((df.drop(columns=["label"]), df["label"]))
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(loss="binary_crossentropy", optimizer="adam")
        model.fit(data.batch(2), epochs=1)
        """)
    analysis = analyze_source(source, str(tmp_path / "s.py"))
    assert [f.code for f in analysis.findings] == ["SL201"]


def test_a_column_named_like_a_method_is_the_method(tmp_path: Path) -> None:
    """pandas gives its own attribute first: `df.count` is the method even with a column
    named "count" (`df.count.values` is then no array)."""
    (tmp_path / "t.csv").write_text("count,b\n1,2\n3,4\n")
    source = "import pandas as pd\ndf = pd.read_csv('t.csv')\nresult = df.count.values\n"
    values = [b.value for b in analyze_source(source, str(tmp_path / "s.py")).data
              if b.name == "result"]
    assert not values or not isinstance(values[-1], ArrayValue)


INSTANCE = """
import numpy as np
import keras


class Trainer:
    def __init__(self):
        data = np.loadtxt("t.csv", delimiter=",", skiprows=1)
        self.x_train = data[:, :-1]
        self.y_train = data[:, -1]

    def train(self):
        model = keras.Sequential([keras.Input(shape=(WIDTH,)),
                                  keras.layers.Dense(1, activation="sigmoid")])
        model.compile(loss="binary_crossentropy", optimizer="adam")
        model.fit(self.x_train, self.y_train, epochs=1, verbose=0)


Trainer().train()
"""


@pytest.mark.tensorflow
@pytest.mark.parametrize("width", [3, 4])
def test_data_held_by_an_instance(tmp_path: Path, oracle, width: int) -> None:  # type: ignore[no-untyped-def]
    """`self.x_train` set in __init__ from a file, read in another method."""
    (tmp_path / "t.csv").write_text(CSV)
    program = dedent(INSTANCE).replace("WIDTH", str(width))
    analysis = analyze_source(program, str(tmp_path / "train.py"))
    fit_line = next(i for i, line in enumerate(program.splitlines()) if "model.fit(" in line)
    assert [(f.code, f.range.start.line) for f in analysis.findings] == (
        [] if width == 3 else [("SL201", fit_line)])
    result = run_tf(oracle, f"import os\nos.chdir({str(tmp_path)!r})\n" + program)
    assert (result.error is None) == (width == 3), result.error
