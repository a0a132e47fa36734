"""The calls the data modules answer (pandas, file readers, sklearn encoders), and frames
and series handed to numpy, sklearn and Keras' helpers, which see their values.

pandas, sklearn and numpy's file readers are imported the first time a program calls one of
theirs: a file that reads no data does not pay for them (nor can it hold their objects)."""

from __future__ import annotations

from types import ModuleType

from shape_engine.data import arrays, datasets
from shape_engine.data.files import DataFolder
from shape_engine.data.objects import guarded
from shape_engine.findings import Range
from shape_engine.values import UNKNOWN, Value

# Libraries that turn a frame or series into an array (`np.asarray(df)`, `to_categorical`,
# `tf.data.Dataset.from_tensor_slices`).
_ARRAY_TAKERS = ("numpy.", "sklearn.", "keras.utils.", "tensorflow.")
_NUMPY_FILE_READERS = frozenset({"numpy.load", "numpy.loadtxt", "numpy.genfromtxt"})
# The data modules imported so far (by `_pandas`, `_sklearn`, `_numpy_files`).
_loaded: dict[str, ModuleType] = {}


def _pandas() -> ModuleType:
    if "pandas" not in _loaded:
        from shape_engine.data import pandas
        _loaded["pandas"] = pandas
    return _loaded["pandas"]


def _sklearn() -> ModuleType:
    _pandas()  # sklearn's module models frames given to it: they are pandas' objects
    if "sklearn" not in _loaded:
        from shape_engine.data import sklearn
        _loaded["sklearn"] = sklearn
    return _loaded["sklearn"]


def _numpy_files() -> ModuleType:
    if "numpy_files" not in _loaded:
        from shape_engine.data import numpy_files
        _loaded["numpy_files"] = numpy_files
    return _loaded["numpy_files"]


def as_keras_data(value: Value) -> Value:
    """What Keras' fit/evaluate/predict read of a value: a frame or series is its values."""
    pandas = _loaded.get("pandas")  # without pandas' module, no frame or series was made
    return value if pandas is None else pandas.as_array(value)


@guarded(UNKNOWN)
def call(name: str, args: list[Value], kwargs: dict[str, Value], at: Range,
         folder: DataFolder | None) -> Value | None:
    """The value of a call to `name` when a data module models it; None otherwise."""
    if name.startswith("pandas."):
        pandas = _pandas()
        if name == "pandas.read_csv":
            return pandas.read_csv(args, kwargs, at, folder)
        handler = pandas.PANDAS_CALLS.get(name)
        if handler is not None:
            return handler(args, kwargs, at)
    if name in _NUMPY_FILE_READERS:
        numpy_files = _numpy_files()
        if name == "numpy.load":
            return numpy_files.load(args, kwargs, at, folder)
        if name == "numpy.loadtxt":
            return numpy_files.load_text(args, kwargs, at, folder, "skiprows")
        return numpy_files.load_text(args, kwargs, at, folder, "skip_header")
    frames = _loaded.get("pandas")  # without pandas' module, no frame or series was made
    if name.endswith(".train_test_split") and name.startswith("sklearn.") and frames:
        made = frames.split(args, kwargs, at)
        if made is not None:
            return made
    if name.startswith("sklearn."):
        encoded = _sklearn().call(name, args, kwargs, at)
        if encoded is not None:
            return encoded
    if frames is not None and name.startswith(_ARRAY_TAKERS) and any(
            frames.holds_frames(v) for v in (*args, *kwargs.values())):
        values = [frames.as_array(a) for a in args]
        named = {k: frames.as_array(v) for k, v in kwargs.items()}
        made = arrays.call(name, values, named, at)
        return made if made is not None else datasets.call(name, values, named, at)
    return None
