"""What a `compile` call asks for: the loss (however it is spelled) and the metrics.

Keras 3 (`keras/src/losses/__init__.py`, `get`) takes a loss as a class or function name,
exactly as spelled (`"categorical_crossentropy"`, `"CategoricalCrossentropy"`), a few
aliases (`"bce"`, `"mse"`, `"MSE"`...), a loss function (`keras.losses.binary_crossentropy`)
or a `Loss` instance (`keras.losses.BinaryCrossentropy(from_logits=True)`). A string or a
function never takes logits; an instance says so with `from_logits`. `"crossentropy"`/`"ce"`
pick binary, sparse or categorical from the shapes (`trainers/compile_utils.py`). A custom
function, a lambda or anything else is unknown: no rule reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, NamedTuple

from shape_engine.findings import Range
from shape_engine.ir import CompileCall, TrainingCall
from shape_engine.values import Const, Instance, ModuleRef, Seq, Value

if TYPE_CHECKING:
    from shape_engine.interpret import ModelReport

CATEGORICAL = "categorical_crossentropy"
SPARSE = "sparse_categorical_crossentropy"
BINARY = "binary_crossentropy"
BINARY_FOCAL = "binary_focal_crossentropy"
CATEGORICAL_FOCAL = "categorical_focal_crossentropy"
ELEMENTWISE = frozenset({"mean_squared_error", "mean_absolute_error",
                         "mean_absolute_percentage_error", "mean_squared_logarithmic_error",
                         "huber", "log_cosh"})
# Losses that read the output as probabilities unless told it holds logits.
PROBABILITY_LOSSES = frozenset({CATEGORICAL, SPARSE, BINARY, BINARY_FOCAL, CATEGORICAL_FOCAL})
# Those that read each unit as its own yes/no, and those that read a distribution over units.
BINARY_LOSSES = frozenset({BINARY, BINARY_FOCAL})
CATEGORICAL_LOSSES = frozenset({CATEGORICAL, SPARSE, CATEGORICAL_FOCAL})

_LOSS_NAMES: dict[str, str] = {
    "categorical_crossentropy": CATEGORICAL, "CategoricalCrossentropy": CATEGORICAL,
    "sparse_categorical_crossentropy": SPARSE, "SparseCategoricalCrossentropy": SPARSE,
    "binary_crossentropy": BINARY, "BinaryCrossentropy": BINARY, "bce": BINARY, "BCE": BINARY,
    "binary_focal_crossentropy": BINARY_FOCAL, "BinaryFocalCrossentropy": BINARY_FOCAL,
    "categorical_focal_crossentropy": CATEGORICAL_FOCAL,
    "CategoricalFocalCrossentropy": CATEGORICAL_FOCAL,
    "mse": "mean_squared_error", "mean_squared_error": "mean_squared_error",
    "MeanSquaredError": "mean_squared_error",
    "mae": "mean_absolute_error", "mean_absolute_error": "mean_absolute_error",
    "MeanAbsoluteError": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error",
    "mean_absolute_percentage_error": "mean_absolute_percentage_error",
    "MeanAbsolutePercentageError": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error",
    "mean_squared_logarithmic_error": "mean_squared_logarithmic_error",
    "MeanSquaredLogarithmicError": "mean_squared_logarithmic_error",
    "huber": "huber", "Huber": "huber",
    "log_cosh": "log_cosh", "logcosh": "log_cosh", "LogCosh": "log_cosh",
}
# Each loss class, and where its constructor takes from_logits positionally.
LOSS_CLASSES = {CATEGORICAL: "CategoricalCrossentropy", SPARSE: "SparseCategoricalCrossentropy",
                BINARY: "BinaryCrossentropy", BINARY_FOCAL: "BinaryFocalCrossentropy",
                CATEGORICAL_FOCAL: "CategoricalFocalCrossentropy"}
_FROM_LOGITS_POSITION = {CATEGORICAL: 0, SPARSE: 0, BINARY: 0, BINARY_FOCAL: 3,
                         CATEGORICAL_FOCAL: 2}
ACCURACY_NAMES = frozenset({"accuracy", "acc"})

Spelling = Literal["string", "function", "instance"]


class Loss(NamedTuple):
    """The loss a `compile` call names, and where."""

    name: str  # canonical, e.g. "categorical_crossentropy"
    value: Value
    where: Range
    local: bool  # written in the document being analysed (so it can be edited)
    spelling: Spelling = "string"
    # Whether the loss reads logits: True/False when known, None when not.
    from_logits: bool | None = False


def loss_of(compile_: CompileCall) -> Loss | None:
    """The loss of a one-output model: a loss, or a list of one (Keras takes either)."""
    if "loss" in compile_.kwargs:
        value, where = compile_.kwargs["loss"], compile_.kwarg_value_ranges.get("loss")
    elif len(compile_.args) > 1 and len(compile_.arg_ranges) > 1:
        value, where = compile_.args[1], compile_.arg_ranges[1]
    else:
        return None
    if isinstance(value, Seq) and len(value.items) == 1:
        value = value.items[0]  # its range stays the list's: edits then find no string there
    read = read_loss(value)
    if read is None or where is None:
        return None
    name, spelling, from_logits = read
    return Loss(name, value, where, compile_.file is None, spelling, from_logits)


def read_loss(value: Value) -> tuple[str, Spelling, bool | None] | None:
    """The canonical name of a loss value, how it is spelled and whether it takes logits."""
    if isinstance(value, Const) and isinstance(value.value, str):
        name = _LOSS_NAMES.get(value.value) or _LOSS_NAMES.get(value.value.lower())
        return (name, "string", False) if name else None
    if not isinstance(value, ModuleRef) or not value.name.startswith("keras.losses."):
        return None
    last = value.name.rsplit(".", 1)[-1]
    if isinstance(value, Instance):
        name = _LOSS_NAMES.get(last.removesuffix("()"))
        return (name, "instance", _from_logits(value, name)) if name else None
    if last.endswith("()"):
        return None
    name = _LOSS_NAMES.get(last)
    # A function, or a class itself (Keras makes an instance with the defaults).
    return (name, "function", False) if name else None


def _from_logits(instance: Instance, name: str) -> bool | None:
    if name not in _FROM_LOGITS_POSITION:
        return False
    given = instance.argument("from_logits", _FROM_LOGITS_POSITION[name])
    if given is None:
        return False
    if isinstance(given, Const) and isinstance(given.value, bool | int):
        return bool(given.value)
    return None


def loss_for(report: ModelReport, call: TrainingCall) -> Loss | None:
    """The loss in force at `call`: the last compile() before it in this file."""
    model = report.model
    local = [c for c in model.compiles if c.file is None and c.range.start < call.range.start]
    if local:
        return loss_of(local[-1])
    losses = {loss.name: loss for c in model.compiles if (loss := loss_of(c)) is not None}
    if call.compiled_before and len(losses) == 1 and len(model.compiles) == len(
            [c for c in model.compiles if loss_of(c) is not None]):
        return next(iter(losses.values()))
    return None


@dataclass(frozen=True)
class Metric:
    """One metric named by a string in `compile(metrics=[...])`."""

    name: str
    index: int  # its place in the list
    where: Range  # the whole metrics argument


def metrics_of(compile_: CompileCall) -> list[Metric]:
    if "metrics" in compile_.kwargs:
        value, where = compile_.kwargs["metrics"], compile_.kwarg_value_ranges.get("metrics")
    elif len(compile_.args) > 3 and len(compile_.arg_ranges) > 3:
        value, where = compile_.args[3], compile_.arg_ranges[3]
    else:
        return []
    if where is None:
        return []
    items = value.items if isinstance(value, Seq) else (value,)
    return [Metric(item.value, index, where) for index, item in enumerate(items)
            if isinstance(item, Const) and isinstance(item.value, str)]
