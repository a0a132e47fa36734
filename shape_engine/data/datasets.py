"""tf.data datasets and Keras' dataset helpers, statically: the shape of one element.

A `DatasetValue` holds what one element of the dataset is: an `ArrayValue`, or a tuple (`Seq`)
of them (x, y[, sample_weight]), as `Dataset.element_spec` would show it. `batched` says
whether the elements carry a batch axis (made by `batch()`, `padded_batch()` or a directory
helper's `batch_size`): fit/evaluate/predict take each element as one batch, so an unbatched
dataset feeds single samples where Keras expects batches.

The evaluator calls `call` for the constructors, `method` for the dataset's methods (giving it
a way to apply the user's function for `map`), and `training_arguments` when a dataset reaches
fit/evaluate/predict. Whatever is not modelled is UNKNOWN.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shape_engine.data import arrays
from shape_engine.findings import Range
from shape_engine.shapes import Dim
from shape_engine.values import (
    UNKNOWN,
    ArrayValue,
    Const,
    NotConstant,
    Seq,
    Value,
    to_python,
)

Args = list[Value]
Kwargs = dict[str, Value]
# Calls the user's function (map's argument) on the element's components.
Apply = Callable[[Value, Args], Value]

_DATASET = "tensorflow.data.Dataset."
# Methods that keep every element as it is.
_SAME_ELEMENTS = frozenset({
    "shuffle", "prefetch", "cache", "repeat", "take", "skip", "filter", "with_options",
    "shard", "ignore_errors", "take_while", "apply_options",
})
_CHANNELS = {"grayscale": 1, "rgb": 3, "rgba": 4}
# The training methods whose second argument is y.
LABELLED_METHODS = frozenset({"fit", "evaluate", "train_on_batch", "test_on_batch"})


@dataclass(frozen=True)
class DatasetValue(Value):
    """A tf.data.Dataset whose element is `element` (UNKNOWN when not known)."""

    element: Value
    batched: bool
    origin: Range | None = None

    @property
    def known(self) -> bool:
        return _is_structure(self.element)


def call(name: str, args: Args, kwargs: Kwargs, at: Range) -> Value | None:
    handler = _CALLS.get(name)
    if handler is None:
        return None
    try:
        return handler(args, kwargs, at)
    except (NotConstant, ArithmeticError, ValueError, TypeError, IndexError):
        return DatasetValue(UNKNOWN, batched=False, origin=at)


def method(dataset: DatasetValue, name: str, args: Args, kwargs: Kwargs, at: Range,
           apply: Apply) -> Value:
    try:
        return _method(dataset, name, args, kwargs, at, apply)
    except (NotConstant, ArithmeticError, ValueError, TypeError, IndexError):
        return DatasetValue(UNKNOWN, dataset.batched, at)


@dataclass(frozen=True)
class Fed:
    """A training call's arguments, with a dataset x replaced by one element's x and y."""

    args: tuple[Value, ...]
    arg_ranges: tuple[Range, ...]
    kwargs: Kwargs
    kwarg_ranges: dict[str, Range]
    origin: Range | None = None  # where the dataset was made (None: x was no dataset)
    batched: bool = True


def fed_to_training(method: str, args: tuple[Value, ...], arg_ranges: tuple[Range, ...],
                    kwargs: Kwargs, kwarg_ranges: dict[str, Range]) -> Fed:
    """fit/evaluate/predict take each element of a dataset as one batch: x and y become the
    element's parts (at the dataset argument; y only where the method takes labels),
    validation_data the pair of its element (a validation dataset never batched is left as
    it is: its elements are single samples, which SL211 reports, not (x, y) batches)."""
    kwargs = dict(kwargs)
    validation = kwargs.get("validation_data")
    if isinstance(validation, DatasetValue) and validation.batched:
        x, y = training_arguments(validation)
        kwargs["validation_data"] = Seq((x, y if y is not None else UNKNOWN))
    in_kwargs = "x" in kwargs
    dataset = kwargs.get("x") if in_kwargs else args[0] if args else None
    if not isinstance(dataset, DatasetValue):
        return Fed(args, arg_ranges, kwargs, kwarg_ranges)
    x, y = training_arguments(dataset)
    if method not in LABELLED_METHODS:
        y = None  # predict reads x of an (x, y) element; its second argument is batch_size
    where = kwarg_ranges.get("x") if in_kwargs else arg_ranges[0]
    kwarg_ranges = dict(kwarg_ranges)
    if in_kwargs:
        kwargs["x"] = x
        if y is not None and "y" not in kwargs and where is not None:
            kwargs["y"], kwarg_ranges["y"] = y, where
        return Fed(args, arg_ranges, kwargs, kwarg_ranges, dataset.origin, dataset.batched)
    new_args, new_ranges = [x, *args[1:]], [arg_ranges[0], *arg_ranges[1:]]
    if y is not None and len(args) == 1 and "y" not in kwargs:
        new_args.append(y)
        new_ranges.append(arg_ranges[0])
    return Fed(tuple(new_args), tuple(new_ranges), kwargs, kwarg_ranges, dataset.origin,
               dataset.batched)


def training_arguments(dataset: DatasetValue) -> tuple[Value, Value | None]:
    """(x, y) as fit sees them: the parts of one element (y None: the element has no labels)."""
    element = dataset.element
    if isinstance(element, Seq) and element.kind == "tuple":
        if len(element.items) in (2, 3):
            return element.items[0], element.items[1]
        if len(element.items) == 1:
            return element.items[0], None
        return UNKNOWN, UNKNOWN
    if isinstance(element, ArrayValue):
        return element, None
    return UNKNOWN, UNKNOWN


# -- constructors --------------------------------------------------------------------------------


def _get(args: Args, kwargs: Kwargs, position: int, name: str) -> Value | None:
    if name in kwargs:
        return kwargs[name]
    return args[position] if position < len(args) else None


def _const(value: Value | None, default: object = None) -> object:
    if value is None:
        return default
    return to_python(value)


def _structure(value: Value | None) -> Value:
    """A dataset component as TF reads it: tuples stay structures, the rest become tensors."""
    if isinstance(value, ArrayValue):
        return value
    if isinstance(value, Seq) and value.kind == "tuple":
        return Seq(tuple(_structure(item) for item in value.items))
    if value is not None:
        literal = arrays.literal(value)
        if literal is not None:
            return literal
    return UNKNOWN


def _is_structure(value: Value) -> bool:
    if isinstance(value, ArrayValue):
        return value.shape is not None
    if isinstance(value, Seq) and value.kind == "tuple":
        return all(_is_structure(item) for item in value.items)
    return False


def _each(element: Value, change: Callable[[ArrayValue], Value]) -> Value:
    """`change` applied to every array of an element; UNKNOWN if any part is unknown."""
    if isinstance(element, ArrayValue):
        return change(element) if element.shape is not None else UNKNOWN
    if isinstance(element, Seq) and element.kind == "tuple":
        items = [_each(item, change) for item in element.items]
        if any(item is UNKNOWN for item in items):
            return UNKNOWN
        return Seq(tuple(items))
    return UNKNOWN


def _with_shape(array: ArrayValue, shape: tuple[Dim, ...]) -> ArrayValue:
    return ArrayValue(shape, array.dtype, array.origin, array.bounds, array.one_hot)


def _sliced(array: ArrayValue) -> Value:
    assert array.shape is not None
    if not array.shape:
        raise ValueError("a scalar has no first axis to slice")  # TF refuses it
    return _with_shape(array, array.shape[1:])


def _from_tensor_slices(args: Args, kwargs: Kwargs, at: Range) -> Value:
    tensors = _structure(_get(args, kwargs, 0, "tensors"))
    return DatasetValue(_each(tensors, _sliced), batched=False, origin=at)


def _from_tensors(args: Args, kwargs: Kwargs, at: Range) -> Value:
    return DatasetValue(_structure(_get(args, kwargs, 0, "tensors")), batched=False, origin=at)


def _from_generator(args: Args, kwargs: Kwargs, at: Range) -> Value:
    # Only output_signature (TensorSpecs) says what the generator yields.
    signature = _get(args, kwargs, 99, "output_signature")
    return DatasetValue(_structure(signature) if signature is not None else UNKNOWN,
                        batched=False, origin=at)


def _tensor_spec(args: Args, kwargs: Kwargs, at: Range) -> Value:
    """tf.TensorSpec(shape, dtype): stands for an array of that shape (from_generator)."""
    shape = _const(_get(args, kwargs, 0, "shape"))
    if not isinstance(shape, tuple | list) or not all(
            d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in shape):
        return UNKNOWN
    dtype = arrays.dtype_of(_get(args, kwargs, 1, "dtype"))
    return ArrayValue(tuple(shape), dtype or "float", at)


def _zip(args: Args, kwargs: Kwargs, at: Range) -> Value:
    given: list[Value] = list(args)
    if len(given) == 1 and isinstance(given[0], Seq):
        given = list(given[0].items)  # zip((a, b)) as well as zip(a, b)
    if "datasets" in kwargs:
        datasets = kwargs["datasets"]
        given = list(datasets.items) if isinstance(datasets, Seq) else [UNKNOWN]
    if not given or not all(isinstance(d, DatasetValue) for d in given):
        return DatasetValue(UNKNOWN, batched=False, origin=at)
    parts = [d for d in given if isinstance(d, DatasetValue)]
    return DatasetValue(Seq(tuple(d.element for d in parts)),
                        batched=all(d.batched for d in parts), origin=at)


def _batch_dim(batch_size: object) -> Dim:
    if isinstance(batch_size, int) and not isinstance(batch_size, bool) and batch_size > 0:
        return batch_size
    raise ValueError("not a batch size")


def _label_part(label_mode: object, class_names: object, at: Range) -> ArrayValue | None:
    """The labels of a directory dataset's sample (None: it yields no labels)."""
    if label_mode is None:
        return None
    if label_mode == "int":
        return ArrayValue((), "int", at)
    if label_mode == "binary":
        return ArrayValue((1,), "float", at)
    if label_mode == "categorical":
        count = len(class_names) if isinstance(class_names, tuple | list) else None
        return ArrayValue((count,), "float", at, one_hot=True)
    raise ValueError(f"label_mode {label_mode!r}")


def _directory_dataset(sample: ArrayValue, args: Args, kwargs: Kwargs, at: Range) -> Value:
    labels = _const(kwargs.get("labels"), "inferred")
    label_mode = _const(kwargs.get("label_mode"), "int")
    class_names = _const(kwargs.get("class_names"), None)
    batch_size = _const(kwargs.get("batch_size"), 32)
    label = None if labels is None else _label_part(label_mode, class_names, at)
    element: Value = sample if label is None else Seq((sample, label))
    dataset = DatasetValue(element, batched=False, origin=at)
    if batch_size is None:
        return dataset
    return _batched(dataset, _batch_dim(batch_size), drop=False, at=at)


def _image_dataset(args: Args, kwargs: Kwargs, at: Range) -> Value:
    image_size = _const(kwargs.get("image_size"), (256, 256))
    channels = _CHANNELS.get(str(_const(kwargs.get("color_mode"), "rgb")))
    if (channels is None or not isinstance(image_size, tuple | list) or len(image_size) != 2
            or not all(isinstance(d, int) and d > 0 for d in image_size)):
        raise ValueError("image_size or color_mode")
    image = ArrayValue((image_size[0], image_size[1], channels), "float", at)
    return _directory_dataset(image, args, kwargs, at)


def _text_dataset(args: Args, kwargs: Kwargs, at: Range) -> Value:
    return _directory_dataset(ArrayValue((), "str", at), args, kwargs, at)


def _timeseries_dataset(args: Args, kwargs: Kwargs, at: Range) -> Value:
    data = _get(args, kwargs, 0, "data")
    targets = _get(args, kwargs, 1, "targets")
    length = _const(_get(args, kwargs, 2, "sequence_length"))
    batch_size = _const(kwargs.get("batch_size"), 128)
    if not isinstance(data, ArrayValue) or data.shape is None or not data.shape:
        return DatasetValue(UNKNOWN, batched=batch_size is not None, origin=at)
    if not isinstance(length, int) or isinstance(length, bool) or length <= 0:
        raise ValueError("sequence_length")
    window = _with_shape(data, (length, *data.shape[1:]))
    element: Value = window
    if targets is not None and not (isinstance(targets, Const) and targets.value is None):
        target = _structure(targets)
        if not isinstance(target, ArrayValue) or target.shape is None or not target.shape:
            element = Seq((window, UNKNOWN))
        else:
            element = Seq((window, _with_shape(target, target.shape[1:])))
    dataset = DatasetValue(element, batched=False, origin=at)
    if batch_size is None:
        return dataset
    return _batched(dataset, _batch_dim(batch_size), drop=False, at=at)


def _keras_utils(name: str) -> list[str]:
    return [f"keras.utils.{name}", f"keras.preprocessing.{name}"]


_CALLS: dict[str, Callable[[Args, Kwargs, Range], Value]] = {
    _DATASET + "from_tensor_slices": _from_tensor_slices,
    _DATASET + "from_tensors": _from_tensors,
    _DATASET + "from_generator": _from_generator,
    _DATASET + "zip": _zip,
    "tensorflow.TensorSpec": _tensor_spec,
    **{name: _image_dataset for name in _keras_utils("image_dataset_from_directory")},
    **{name: _text_dataset for name in _keras_utils("text_dataset_from_directory")},
    **{name: _timeseries_dataset for name in _keras_utils("timeseries_dataset_from_array")},
}


# -- methods -------------------------------------------------------------------------------------


def _batched(dataset: DatasetValue, size: Dim, drop: bool, at: Range) -> DatasetValue:
    batch = size if drop else None  # the last batch may be smaller: TF says None
    return DatasetValue(_each(dataset.element, lambda a: _with_shape(
        a, (batch, *(a.shape or ())))), batched=True, origin=at)


def _method(dataset: DatasetValue, name: str, args: Args, kwargs: Kwargs, at: Range,
            apply: Apply) -> Value:
    if name in _SAME_ELEMENTS:
        return DatasetValue(dataset.element, dataset.batched, at)
    if name in ("batch", "padded_batch"):
        size = _batch_dim(_const(_get(args, kwargs, 0, "batch_size")))
        drop = _const(kwargs.get("drop_remainder"), False) is True
        if name == "padded_batch" and _get(args, kwargs, 1, "padded_shapes") is not None:
            return DatasetValue(UNKNOWN, batched=True, origin=at)
        return _batched(dataset, size, drop, at)
    if name == "unbatch":
        return DatasetValue(_each(dataset.element, _sliced), batched=False, origin=at)
    if name == "map":
        function = _get(args, kwargs, 0, "map_func")
        return DatasetValue(_mapped(dataset.element, function, apply), dataset.batched, at)
    if name == "concatenate":
        other = _get(args, kwargs, 0, "dataset")
        same = isinstance(other, DatasetValue) and other.element == dataset.element
        return DatasetValue(dataset.element if same else UNKNOWN, dataset.batched, at)
    return UNKNOWN


def _mapped(element: Value, function: Value | None, apply: Apply) -> Value:
    if function is None or not _is_structure(element):
        return UNKNOWN
    # tf.data unpacks a tuple element into the function's positional arguments.
    given = list(element.items) if isinstance(element, Seq) else [element]
    result = _structure(apply(function, given))
    return result if _is_structure(result) else UNKNOWN
