"""The calls the data modules answer (pandas, file readers, sklearn encoders), and frames
and series handed to numpy, sklearn and Keras' helpers, which see their values."""

from __future__ import annotations

from shape_engine.data import arrays, datasets, numpy_files, pandas, sklearn
from shape_engine.data.files import DataFolder
from shape_engine.data.objects import guarded
from shape_engine.findings import Range
from shape_engine.values import UNKNOWN, Value

# The data objects a program can change in place (`df["new"] = ...`).
CHANGEABLE_DATA = (pandas.FrameValue, pandas.SeriesValue, numpy_files.ArchiveValue,
                   sklearn.EncoderValue, sklearn.SparseMatrixValue)
# Libraries that turn a frame or series into an array (`np.asarray(df)`, `to_categorical`,
# `tf.data.Dataset.from_tensor_slices`).
_ARRAY_TAKERS = ("numpy.", "sklearn.", "keras.utils.", "tensorflow.")


def as_keras_data(value: Value) -> Value:
    """What Keras' fit/evaluate/predict read of a value: a frame or series is its values."""
    return pandas.as_array(value)


@guarded(UNKNOWN)
def call(name: str, args: list[Value], kwargs: dict[str, Value], at: Range,
         folder: DataFolder | None) -> Value | None:
    """The value of a call to `name` when a data module models it; None otherwise."""
    if name == "pandas.read_csv":
        return pandas.read_csv(args, kwargs, at, folder)
    if name == "numpy.load":
        return numpy_files.load(args, kwargs, at, folder)
    if name == "numpy.loadtxt":
        return numpy_files.load_text(args, kwargs, at, folder, "skiprows")
    if name == "numpy.genfromtxt":
        return numpy_files.load_text(args, kwargs, at, folder, "skip_header")
    handler = pandas.PANDAS_CALLS.get(name)
    if handler is not None:
        return handler(args, kwargs, at)
    if name.endswith(".train_test_split") and name.startswith("sklearn."):
        made = pandas.split(args, kwargs, at)
        if made is not None:
            return made
    encoded = sklearn.call(name, args, kwargs, at)
    if encoded is not None:
        return encoded
    if name.startswith(_ARRAY_TAKERS) and any(
            pandas.holds_frames(v) for v in (*args, *kwargs.values())):
        values = [pandas.as_array(a) for a in args]
        named = {k: pandas.as_array(v) for k, v in kwargs.items()}
        made = arrays.call(name, values, named, at)
        return made if made is not None else datasets.call(name, values, named, at)
    return None
