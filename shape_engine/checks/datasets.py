"""tf.data datasets given to fit/evaluate/predict. SL211.

Keras takes each element of a dataset as one batch. A dataset made with `from_tensor_slices`
and never batched yields single samples: each is then read as a batch of its rows (measured on
TensorFlow 2.21: a declared input of (None, 8) refuses an element of shape (8,), and a model
that declares no input is built for rank 1 and refused by its Dense layer).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from shape_engine.context import Document
from shape_engine.findings import Finding, Related, Severity
from shape_engine.ir import TrainingCall
from shape_engine.rule import Rule
from shape_engine.shapes import format_shape
from shape_engine.values import ArrayValue

if TYPE_CHECKING:
    from shape_engine.interpret import ModelReport

DATASET_NOT_BATCHED = Rule(
    "SL211", "dataset-not-batched", Severity.ERROR,
    "A tf.data dataset of single samples, never batched, is given to fit/evaluate/predict.",
    "Keras reads each element of a dataset as one batch. Dataset.from_tensor_slices((x, y)) "
    "yields one sample at a time, so without .batch(n) the model receives a sample of shape "
    "(8,) where it expects (batch, 8), and Keras refuses it (or builds a model without a "
    "declared input for the wrong rank). A functional model's element is checked input by "
    "input, as Keras does: its input check, then its layers. Add .batch(32) before fit, or "
    ".batch() again after .unbatch().",
)

# What fit/evaluate/predict take; train_on_batch and model(x) take tensors, not datasets.
DATASET_METHODS = frozenset({"fit", "evaluate", "predict"})


def check_datasets(report: ModelReport, document: Document) -> Iterator[Finding]:
    for call in report.model.trainings:
        if call.dataset_batched or call.method not in DATASET_METHODS:
            continue
        x, where = call.argument("x", 0)
        if not isinstance(x, ArrayValue) or x.shape is None or where is None:
            continue
        if not _refused(report, len(x.shape)):
            continue
        yield DATASET_NOT_BATCHED.finding(
            f"{call.method} gets a dataset that was never batched: each element, x of shape "
            f"{format_shape(x.shape)}, is taken as one batch, so the model sees "
            f"{format_shape(x.shape)} instead of {format_shape((None, *x.shape))}; add "
            ".batch(32) to the dataset", at=where, related=dataset_origin(call))


def dataset_origin(call: TrainingCall) -> tuple[Related, ...]:
    """Where the dataset a training call gets was made, as a related place."""
    if call.dataset_origin is None:
        return ()
    return (Related(call.dataset_origin, "the dataset is made here, one sample per element"),)


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
