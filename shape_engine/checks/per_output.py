"""Each output of a functional model that is not a plain chain checked as a one-output
model: its labels against its loss and shape, its loss against its activation, its metrics
(SL301-SL320).

The model is seen through one output at a time: a report whose only output is that one,
whose compile() calls give only that output's loss and metrics and whose training calls give
only that output's labels. The one-output checks run on it unchanged; their messages then
name the output. Their fixes are left out (they are written for one loss and one head).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, TypeVar

from shape_engine.checks import losses, output_loss
from shape_engine.checks.multi_io import (
    compile_argument,
    is_functional,
    match_labels,
    matched_labels,
    validation_parts,
)
from shape_engine.checks.ports import Part, Port, Ports, model_outputs
from shape_engine.checks.training import method_name
from shape_engine.context import Document
from shape_engine.findings import Finding
from shape_engine.ir import CompileCall, ModelIR, TrainingCall
from shape_engine.values import UNKNOWN, Seq, Value

if TYPE_CHECKING:
    from shape_engine.interpret import ModelReport

# Findings about a layer whatever the output: reported once, as they are.
LAYER_CODES = frozenset({losses.SOFTMAX_ONE_UNIT.code})
# "fit: ...", "fit validation_data: ...", "model(...): ...": where the output is named.
_METHOD_PREFIX = re.compile(r"^([\w.()]+(?: validation_data)?): ")

# The plain dataclasses a view is made of (see `_view`).
Viewed = TypeVar("Viewed", ModelIR, "ModelReport", CompileCall, TrainingCall)


def check_per_output(report: ModelReport, document: Document) -> Iterator[Finding]:
    model = report.model
    if (not is_functional(model) or model.file is not None or report.refused
            or report.graph_output_rows is None or report.graph_outputs is None):
        return
    outputs = model_outputs(model)
    for port, row, shape in zip(outputs.ports, report.graph_output_rows, report.graph_outputs,
                                strict=True):
        if row is None or shape is None:
            continue
        seen = _seen_through(report, port, outputs, row, document)
        for check in (losses.check_losses, output_loss.check_output_loss):
            for finding in check(seen, document):
                yield _named(finding, port, len(outputs))


def _seen_through(report: ModelReport, port: Port, outputs: Ports, row: int,
                  document: Document) -> ModelReport:
    model = report.model
    compiles = [_compile_for(c, port, outputs, document) for c in model.compiles]
    trainings = [_training_for(t, port, outputs, document) for t in model.trainings]
    one = _view(model, compiles=compiles, trainings=trainings)
    # The layers up to the output's own: its head is the last of them.
    return _view(
        report, model=one, layers=report.layers[:row + 1], findings=[],
        graph_outputs=(report.graph_outputs[port.index],) if report.graph_outputs else None,
        graph_output_rows=(row,))


def _view(original: Viewed, **changes: object) -> Viewed:
    """`dataclasses.replace` for these dataclasses, which have no `__post_init__`, no
    init=False field and no cached property (tests/checks/test_per_output_views.py keeps
    it so): a copy of the fields with some changed, without going through `__init__` once
    per output of every model."""
    view = object.__new__(type(original))
    view.__dict__.update(original.__dict__)
    view.__dict__.update(changes)
    return view


def _compile_for(compile_: CompileCall, port: Port, outputs: Ports, document: Document
                 ) -> CompileCall:
    """The compile() call as this output sees it: its loss and metrics only."""
    kwargs: dict[str, Value] = {}
    ranges = {}
    for name in ("loss", "metrics"):
        structure, whole = compile_argument(compile_, name, document)
        if whole is None:
            continue
        mine = _part_for(structure, whole, port, outputs, per_output_only=name == "metrics")
        if mine is None:
            kwargs[name] = UNKNOWN
            ranges[name] = whole.where
        else:
            value = mine.value
            if name == "metrics" and not isinstance(value, Seq):
                value = Seq((value,), "list")  # one metric for this output
            kwargs[name], ranges[name] = value, mine.where
    return _view(compile_, kwargs=kwargs, kwarg_value_ranges=ranges,
                               args=(), arg_ranges=())


def _part_for(structure: object, whole: Part, port: Port, outputs: Ports,
              per_output_only: bool) -> Part | None:
    """This output's part of a loss or metrics argument: its element of a list (in the
    outputs' order), its entry of a dict, or a single loss that every output takes."""
    if isinstance(structure, list):
        if outputs.keyed_by_dict or port.index >= len(structure) or (
                per_output_only and len(structure) != len(outputs)):
            return None
        return structure[port.index]
    if isinstance(structure, dict):
        return structure.get(port.key) if port.key is not None else None
    if isinstance(structure, Part) and not per_output_only:
        return structure  # one loss for every output
    return None


def _training_for(call: TrainingCall, port: Port, outputs: Ports, document: Document
                  ) -> TrainingCall:
    """The call as this output sees it: its labels only (no x), and those of its
    validation_data."""
    # A dataset of single samples gives labels without their batch axis: SL211 says so.
    mine = _mine(matched_labels(call, outputs, document), port) if call.dataset_batched else None
    kwargs = {k: v for k, v in call.kwargs.items()
              if k not in ("x", "y", "inputs", "validation_data")}
    ranges = {k: v for k, v in call.kwarg_value_ranges.items() if k in kwargs}
    validation = validation_parts(call, document)
    if validation is not None:
        method = f"{method_name(call)} validation_data"
        mine_validation = _mine(match_labels(validation[1], method, outputs, document), port)
        if mine_validation is not None:
            # Read by `training.feeds` as (x_val, y_val), written where y_val is.
            kwargs["validation_data"] = Seq((UNKNOWN, mine_validation.value))
            ranges["validation_data"] = mine_validation.where
    rest, rest_ranges = call.args[2:], call.arg_ranges[2:]
    if mine is None:
        return _view(call, args=(), arg_ranges=(), kwargs=kwargs,
                                   kwarg_value_ranges=ranges)
    return _view(call, args=(UNKNOWN, mine.value, *rest),
                               arg_ranges=(mine.where, mine.where, *rest_ranges),
                               kwargs=kwargs, kwarg_value_ranges=ranges)


def _mine(labels: list[tuple[Port, Part]] | Finding, port: Port) -> Part | None:
    return (next((part for p, part in labels if p is port), None)
            if isinstance(labels, list) else None)


def _named(finding: Finding, port: Port, count: int) -> Finding:
    """The finding with the output it is about named, without its fixes."""
    if finding.code in LAYER_CODES:
        return dataclasses.replace(finding, fixes=(), preferred_fix=None)
    if count == 1:  # several inputs, one output: nothing to name
        return dataclasses.replace(finding, fixes=(), preferred_fix=None)
    label = port.label
    match = _METHOD_PREFIX.match(finding.message)
    if match:
        message = f"{match.group(1)}, {label}: {finding.message[match.end():]}"
    else:
        message = f"{label}: {finding.message}"
    return dataclasses.replace(finding, message=message, fixes=(), preferred_fix=None)
