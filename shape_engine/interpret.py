"""The shape interpreter: runs a model's layers over its input shape, as Keras builds it."""

from __future__ import annotations

from dataclasses import dataclass, field

from shape_engine.checks.build import (
    INVALID_ARGUMENT,
    MULTI_INPUT_LAYER,
    MULTIPLE_OUTPUTS,
    SECOND_INPUT,
)
from shape_engine.findings import Finding, Range, Related
from shape_engine.ir import LayerCall, LayerEntry, ModelIR
from shape_engine.layers import MULTI_INPUT_LAYERS, RULES, LayerArgs, LayerOutput
from shape_engine.layers.base import Refusal, Unknowable
from shape_engine.layers.core import declared_input_shape
from shape_engine.shapes import MaybeShape, Shape, format_shape
from shape_engine.values import to_python

INPUT_KINDS = frozenset({"Input", "InputLayer"})
# How deep nested Sequential models may go before the rest is taken as unknown.
MAX_NESTING = 16


@dataclass
class LayerReport:
    entry: LayerEntry
    label: str
    input_shape: MaybeShape
    output_shape: MaybeShape
    params: int | None

    @property
    def range(self) -> Range:
        return self.entry.range


@dataclass
class ModelReport:
    model: ModelIR
    # Where the input shape came from: "declared" (Input or input_shape=), "build", "data".
    input_origin: str | None
    input_shape: MaybeShape
    layers: list[LayerReport] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # Keras refuses to build the model (the first refusal is among `findings`).
    refused: bool = False
    # Reports of the Sequential models used as layers of this one, with the input they get.
    nested: list[ModelReport] = field(default_factory=list)

    @property
    def output_shape(self) -> MaybeShape:
        if self.refused:
            return None
        if not self.layers:
            return self.input_shape
        return self.layers[-1].output_shape

    @property
    def total_params(self) -> int | None:
        if self.refused or self.model.opaque:
            return None
        counts = [layer.params for layer in self.layers]
        if any(c is None for c in counts):
            return None
        return sum(c for c in counts if c is not None)

    @property
    def declares_input(self) -> bool:
        return self.input_origin == "declared"


def interpret(model: ModelIR, data_shape: MaybeShape = None,
              outer_input: MaybeShape = None) -> ModelReport:
    """Shapes and parameter counts of every layer, and the first refusal Keras would raise.

    When the model declares no input, Keras builds it from what it first receives: the first
    data the program feeds it (`data_shape`, a data array's shape) or, for a model used as a
    layer of another, that model's tensor (`outer_input`, a batch shape).
    """
    entries = list(model.entries)
    origin, shape, first = _input_of(model, entries, data_shape)
    if origin is None and outer_input is not None:
        origin, shape = "nested", outer_input
    report = ModelReport(model, origin, shape)
    if first and entries and _is_input_entry(entries[0]):
        report.layers.append(LayerReport(entries[0], _label(entries[0]), None, shape, 0))
        entries = entries[1:]
    _run(entries, shape, report, previous=_producer(report), depth=0)
    return report


def _input_of(model: ModelIR, entries: list[LayerEntry], data_shape: MaybeShape
              ) -> tuple[str | None, MaybeShape, bool]:
    """(origin, batch input shape, whether the first entry is the Input itself)."""
    if entries:
        first = entries[0].layer
        if isinstance(first, LayerCall) and first.kind in INPUT_KINDS:
            return "declared", _compute(first, ()).shape, True
        if isinstance(first, LayerCall):
            try:
                declared = declared_input_shape(first)
            except Unknowable:
                return "declared", None, False
            if declared is not None:
                return "declared", declared, False
    if model.builds:
        try:
            built = to_python(model.builds[0].shape)
        except Exception:
            return "build", None, False
        if isinstance(built, tuple | list) and all(
                d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in built):
            return "build", tuple(built), False
        return "build", None, False
    if data_shape is not None:
        return "data", (None, *data_shape[1:]), False
    return None, None, False


def _run(entries: list[LayerEntry], shape: MaybeShape, report: ModelReport, previous: str,
         depth: int) -> MaybeShape:
    """Apply each entry in turn; stop checking at the first refusal (Keras stops there too)."""
    multiple_outputs = False
    offset = len(report.model.entries) - len(entries)
    for index, entry in enumerate(entries, start=offset):
        if index == report.model.opaque_from:
            shape = None
        layer = entry.layer
        label = _label(entry)
        if report.refused:
            report.layers.append(LayerReport(entry, label, None, None, None))
            continue
        if multiple_outputs and shape is not None:
            _refuse(report, entry, MULTIPLE_OUTPUTS.finding(
                f"{label} receives a list of tensors: {previous} returns its output and its "
                "states (return_state=True); a Sequential layer takes one tensor",
                at=entry.range, file=report.model.file))
            report.layers.append(LayerReport(entry, label, shape, None, None))
            continue
        refusal = _constructor_refusal(layer) if isinstance(layer, LayerCall) else None
        if refusal is not None:
            _refuse(report, entry, refusal)
            report.layers.append(LayerReport(entry, label, shape, None, None))
            continue
        if isinstance(layer, ModelIR):
            nested = _nested(layer, shape, report, depth)
            report.nested.append(nested)
            report.layers.append(LayerReport(entry, label, shape, nested.output_shape,
                                              nested.total_params))
            shape = nested.output_shape
        elif isinstance(layer, LayerCall) and layer.kind in INPUT_KINDS:
            _refuse(report, entry, SECOND_INPUT.finding(
                f"{label} comes after the first layer: a Sequential model has one input, "
                "declared first", at=entry.range, file=report.model.file))
            report.layers.append(LayerReport(entry, label, shape, None, None))
            continue
        elif isinstance(layer, LayerCall) and layer.kind in MULTI_INPUT_LAYERS:
            _refuse(report, entry, MULTI_INPUT_LAYER.finding(
                f"{layer.written_name} needs a list of input tensors, but in a Sequential model "
                f"it receives only {previous}'s output; use the functional API", at=entry.range,
                file=report.model.file))
            report.layers.append(LayerReport(entry, label, shape, None, None))
            continue
        elif isinstance(layer, LayerCall) and layer.kind in RULES and shape is not None:
            output = _apply(layer, entry, shape, report, previous)
            report.layers.append(LayerReport(entry, label, shape,
                                              output.shape if output else None,
                                              output.params if output else None))
            multiple_outputs = bool(output and output.multiple_outputs)
            shape = output.shape if output else None
        else:
            report.layers.append(LayerReport(entry, label, shape, None, None))
            shape = None
        previous = label
    if report.model.opaque_from is not None and report.model.opaque_from >= len(
            report.model.entries):
        return None
    return shape


def _constructor_refusal(layer: LayerCall) -> Finding | None:
    """Arguments Keras 3 refuses when the layer object is created, wherever it is used."""
    if "batch_input_shape" in layer.kwargs and layer.kind != "InputLayer":
        return INVALID_ARGUMENT.finding(
            f"{layer.written_name} does not accept batch_input_shape in Keras 3; declare the "
            "input first with keras.Input(batch_shape=...)",
            at=layer.kwarg_ranges["batch_input_shape"], file=layer.file)
    return None


def _apply(layer: LayerCall, entry: LayerEntry, shape: Shape, report: ModelReport,
           previous: str) -> LayerOutput | None:
    try:
        return _compute(layer, shape)
    except Refusal as refusal:
        _refuse(report, entry, _finding(refusal, layer, entry, shape, previous))
        return None


def _compute(layer: LayerCall, shape: Shape) -> LayerOutput:
    rule = RULES[layer.kind or ""]
    try:
        return rule.compute(LayerArgs(layer, rule.params), shape)
    except Unknowable:
        return LayerOutput(None, None)
    except Refusal:
        raise
    except (ArithmeticError, ValueError, TypeError, OverflowError, IndexError, KeyError):
        # Arguments of the wrong type or size: whatever Keras does with them, we cannot know.
        return LayerOutput(None, None)


def _finding(refusal: Refusal, layer: LayerCall, entry: LayerEntry, shape: Shape,
             previous: str) -> Finding:
    if refusal.needs is not None:
        message = (f"{layer.written_name} expects {refusal.needs} but {previous} "
                   f"{'is' if previous == 'the model input' else 'outputs'} "
                   f"{format_shape(shape)}")
        at = layer.range
    else:
        message = refusal.message or refusal.rule.summary
        at = layer.argument_range(refusal.argument) if refusal.argument else layer.range
    related = () if at == entry.range else (Related(entry.range, f"{layer.label} is added here",
                                                    layer.file),)
    return refusal.rule.finding(message, at, related=related, file=layer.file)


def _nested(model: ModelIR, shape: MaybeShape, outer: ModelReport, depth: int) -> ModelReport:
    if depth >= MAX_NESTING:
        return ModelReport(model, "nested", None)
    inner = ModelReport(model, "nested", shape)
    entries = list(model.entries)
    if entries and _is_input_entry(entries[0]):
        entries = entries[1:]
    _run(entries, shape, inner, previous=_producer(outer), depth=depth + 1)
    if inner.refused:
        outer.refused = True
        outer.findings.extend(inner.findings)
    return inner


def _refuse(report: ModelReport, entry: LayerEntry, finding: Finding) -> None:
    report.refused = True
    report.findings.append(finding)


def _producer(report: ModelReport) -> str:
    return "the model input"


def _is_input_entry(entry: LayerEntry) -> bool:
    return isinstance(entry.layer, LayerCall) and entry.layer.kind in INPUT_KINDS


def _label(entry: LayerEntry) -> str:
    if isinstance(entry.layer, LayerCall):
        return entry.layer.label
    if isinstance(entry.layer, ModelIR):
        return entry.layer.name or "Sequential"
    return "an unknown layer"
