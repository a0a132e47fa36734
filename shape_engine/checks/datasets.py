"""tf.data datasets given to fit/evaluate/predict. SL211.

Keras takes each element of a dataset as one batch. A dataset made with `from_tensor_slices`
and never batched yields single samples: each is then read as a batch of its rows (measured on
TensorFlow 2.21: a declared input of (None, 8) refuses an element of shape (8,), and a model
that declares no input is built for rank 1 and refused by its Dense layer).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from shape_engine.context import Document
from shape_engine.data.datasets import DatasetValue, training_arguments
from shape_engine.findings import Finding, Range, Related, Severity
from shape_engine.ir import TrainingCall
from shape_engine.rule import Rule
from shape_engine.shapes import format_shape
from shape_engine.values import ArrayValue, Value

if TYPE_CHECKING:
    from shape_engine.interpret import ModelReport

DATASET_NOT_BATCHED = Rule(
    "SL211", "dataset-not-batched", Severity.ERROR,
    "A tf.data dataset of single samples, never batched, is given to fit/evaluate/predict.",
    "Keras reads each element of a dataset as one batch. Dataset.from_tensor_slices((x, y)) "
    "yields one sample at a time, so without .batch(n) the model receives a sample of shape "
    "(8,) where it expects (batch, 8), and Keras refuses it (or builds a model without a "
    "declared input for the wrong rank). The same holds for a dataset given as fit's "
    "validation_data. A functional model's element is checked input by input, as Keras "
    "does: its input check, then its layers. Add .batch(32) before fit, or .batch() again "
    "after .unbatch().",
)

# What fit/evaluate/predict take; train_on_batch and model(x) take tensors, not datasets.
DATASET_METHODS = frozenset({"fit", "evaluate", "predict"})


class Unbatched(NamedTuple):
    """One dataset never batched that a call gives the model: x of its element, where the
    dataset is given and where it was made."""

    method: str  # for messages: "fit", "fit validation_data"
    x: Value  # x of one element: an array, or a list or dict of them (several inputs)
    where: Range
    related: tuple[Related, ...]


def unbatched(call: TrainingCall) -> Iterator[Unbatched]:
    """The datasets of single samples a fit/evaluate/predict call gives: its x, and fit's
    validation_data (its element left whole by `datasets.fed_to_training`)."""
    if call.method not in DATASET_METHODS:
        return
    if not call.dataset_batched:
        x, where = call.argument("x", 0)
        if x is not None and where is not None:
            yield Unbatched(call.method, x, where, _made_here(call.dataset_origin))
    validation, where = call.argument("validation_data", 99)
    if call.method == "fit" and isinstance(validation, DatasetValue) and where is not None:
        x, _ = training_arguments(validation)
        yield Unbatched("fit validation_data", x, where, _made_here(validation.origin))


def check_datasets(report: ModelReport, document: Document) -> Iterator[Finding]:
    for call in report.model.trainings:
        for given in unbatched(call):
            shape = given.x.shape if isinstance(given.x, ArrayValue) else None
            if shape is None or not _refused(report, len(shape)):
                continue
            yield DATASET_NOT_BATCHED.finding(
                f"{given.method} gets a dataset that was never batched: each element, x of "
                f"shape {format_shape(shape)}, is taken as one batch, so the model sees "
                f"{format_shape(shape)} instead of {format_shape((None, *shape))}; add "
                ".batch(32) to the dataset", at=given.where, related=given.related)


def _made_here(origin: Range | None) -> tuple[Related, ...]:
    """Where a dataset was made, as a related place."""
    if origin is None:
        return ()
    return (Related(origin, "the dataset is made here, one sample per element"),)


def _refused(report: ModelReport, rank: int) -> bool:
    """Whether Keras refuses a batch one rank short, as measured: a declared input of one
    rank more, or a model built from the data whose Dense layers need rank 2."""
    declared = report.input_shape
    if report.input_origin in ("declared", "build"):
        return declared is not None and len(declared) == rank + 1
    return report.input_origin is None and rank == 1 and _starts_with_dense(report)


def _starts_with_dense(report: ModelReport) -> bool:
    from shape_engine.ir import LayerCall

    entries = report.model.entries
    return bool(entries) and isinstance(entries[0].layer, LayerCall) and (
        entries[0].layer.kind == "Dense")
