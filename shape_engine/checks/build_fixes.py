"""Fixes for the interpreter's build refusals: the step its findings pass through.

The interpreter (`interpret.py`) reports the first layer Keras refuses; this module proposes
edits that make that layer buildable, each computed from the shapes rather than guessed:
add the channel axis the declared input lacks, drop a batch dimension written into
`input_shape`, set `return_sequences=True` on the RNN before an RNN, remove a Flatten before
an RNN or a convolution, insert a Reshape whose target holds exactly the elements it receives,
or resize the Dense layer that feeds a Reshape. `fixes.keep_working_fixes` later keeps only
the ones after which the model really builds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from shape_engine.checks.refusal_repairs import (
    added_axis,
    declared_input_fixes,
    global_pooling_fix,
    input_shape_range,
    is_recurrent,
    refit_target_fix,
    reshape_mismatch,
    reshape_target,
    reshape_title,
    resize_dense_fix,
    return_sequences_fix,
)
from shape_engine.context import Document
from shape_engine.findings import Edit, Finding, Fix, Range, Related
from shape_engine.fixes import (
    Imports,
    fix,
    fixes,
    insert,
    insert_layer,
    is_atom,
    layer_call_text,
    remove_layer,
    shape_literal,
    wrap,
)
from shape_engine.ir import LayerCall, ModelIR
from shape_engine.layers.base import facts_of, is_input_kind
from shape_engine.shapes import Shape, format_shape
from shape_engine.values import ArrayValue

if TYPE_CHECKING:
    from shape_engine.interpret import LayerReport, ModelReport




def with_build_fixes(report: ModelReport, document: Document) -> list[Finding]:
    """The report's findings, each with the fixes proposed for it."""
    result = []
    for finding in report.findings:
        if finding.file is not None or report.model.file is not None or finding.fixes:
            result.append(finding)
            continue
        candidates = fixes(*_candidates(report, document, finding))
        if candidates:
            finding = replace(finding, fixes=candidates, preferred_fix=0)
        result.append(replace(finding, related=finding.related + _data_origin(report)))
    return result


def _data_origin(report: ModelReport) -> tuple[Related, ...]:
    """A model without a declared input is built from its first data: point at that data."""
    if report.input_origin != "data" or not report.model.trainings:
        return ()
    call = report.model.trainings[0]
    _, where = call.argument("inputs" if call.method == "__call__" else "x", 0)
    if where is None or report.input_shape is None:
        return ()
    return (Related(where, "Keras builds the model from this data, of shape "
                           f"{format_shape((None, *report.input_shape[1:]))} per batch"),)


def _candidates(report: ModelReport, document: Document, finding: Finding
                ) -> Iterator[Fix | None]:
    index = _refusing_layer(report, finding)
    if index is None:
        return
    layer = report.layers[index]
    call = layer.entry.layer
    shape = layer.input_shape
    if not isinstance(call, LayerCall) or call.kind is None or shape is None:
        return
    # Layers are written into the model's list or its model.add() calls: from its first.
    entries = report.model.entries
    at = entries[0].range.start if entries else report.model.range.start
    context = _Context(report, document, index, call, shape, Imports(document, at))
    if finding.code == "SL101":
        yield from context.rank_fixes()
    elif finding.code == "SL104":
        yield from context.reshape_fixes()
    elif finding.code == "SL102":
        yield from context.unknown_dim_fixes()


def declared_shape_range(model: ModelIR) -> Range | None:
    """Where the first layer writes the model's input shape: `Input(shape=...)` or
    `input_shape=...`."""
    first = model.entries[0].layer if model.entries else None
    if not isinstance(first, LayerCall) or first.file is not None:
        return None
    if is_input_kind(first.kind):
        return input_shape_range(first)
    return first.kwarg_value_ranges.get("input_shape")


def _refusing_layer(report: ModelReport, finding: Finding) -> int | None:
    matches = [i for i, layer in enumerate(report.layers)
               if isinstance(layer.entry.layer, LayerCall)
               and layer.entry.layer.range.start <= finding.range.start
               and finding.range.end <= layer.entry.layer.range.end]
    if len(matches) != 1:
        return None
    ranges = [layer.entry.range for layer in report.layers]
    index = matches[0]
    return index if ranges.count(ranges[index]) == 1 else None


class _Context:
    def __init__(self, report: ModelReport, document: Document, index: int, call: LayerCall,
                 shape: Shape, imports: Imports) -> None:
        self.report = report
        self.document = document
        self.index = index
        self.call = call
        self.shape = shape
        self.imports = imports
        self.model = report.model

    # -- SL101 -----------------------------------------------------------------------------------

    def rank_fixes(self) -> Iterator[Fix | None]:
        kind = self.call.kind or ""
        need = facts_of(kind).rank
        if need is None:
            return
        rank = len(self.shape)
        if self._is_first_layer():
            yield from self._input_fixes(need, rank, kind)
        if rank == 2 and need == 3 and is_recurrent(kind):
            yield self._return_sequences()
        if rank == 2:
            yield self._remove_flatten()
            yield self._insert_reshape(need)

    def _is_first_layer(self) -> bool:
        earlier = self.report.layers[:self.index]
        return all(isinstance(layer.entry.layer, LayerCall)
                   and is_input_kind(layer.entry.layer.kind) for layer in earlier)

    def _input_fixes(self, need: int, rank: int, kind: str) -> Iterator[Fix | None]:
        origin = self.report.input_origin
        if origin == "declared":
            where = declared_shape_range(self.model)
            if where is not None:
                yield from declared_input_fixes(self.document, where, self.shape, need, kind)
        elif origin == "data" and rank == need - 1 and None not in self.shape[1:]:
            shape = shape_literal((*self.shape[1:], 1))
            name, imports = self.imports.reference("keras.Input")
            edits = insert_layer(self.document, self.model, 0, f"{name}(shape={shape})")
            axis = added_axis(kind)
            yield fix(f"Declare the input with a {axis} axis: {name}(shape={shape})",
                      [*imports, *edits] if edits else None)
            yield self._data_axis(axis)

    def _data_axis(self, axis: str) -> Fix | None:
        """`x[..., None]` on every x given to the model (they all have the data's shape)."""
        edits: list[Edit] = []
        seen: set[Range] = set()
        for call in self.model.trainings:
            value, where = call.argument("inputs" if call.method == "__call__" else "x", 0)
            if where is None or where in seen:
                continue
            seen.add(where)
            if not isinstance(value, ArrayValue) or value.shape is None or (
                    value.shape[1:] != self.shape[1:]):
                return None
            if is_atom(self.document, where):
                edits.append(insert(where.end, "[..., None]"))
            else:
                edits.extend(wrap(where, "(", ")[..., None]"))
        return fix(f"Add a {axis} axis to the data: x[..., None]", edits, safe=False)

    def _previous(self) -> tuple[int, LayerCall] | None:
        for i in range(self.index - 1, -1, -1):
            layer = self.report.layers[i].entry.layer
            if not isinstance(layer, LayerCall):
                return None
            if not facts_of(layer.kind).keeps_rank:
                return i, layer
        return None

    def _return_sequences(self) -> Fix | None:
        previous = self._previous()
        return None if previous is None else return_sequences_fix(self.document, previous[1])

    def _remove_flatten(self) -> Fix | None:
        previous = self.index - 1
        if previous < 0:
            return None
        layer = self.report.layers[previous]
        call = layer.entry.layer
        if not isinstance(call, LayerCall) or call.kind != "Flatten":
            return None
        edits = remove_layer(self.document, self.model, previous)
        return fix(f"Remove {layer.label}: {self.call.label} needs the axes it flattens",
                   edits, safe=False)

    def _insert_reshape(self, need: int) -> Fix | None:
        target = reshape_target(self.shape, need)
        if target is None or self.index == 0:
            return None
        text, imports = layer_call_text(self.imports, "Reshape", shape_literal(target))
        edits = insert_layer(self.document, self.model, self.index, text)
        return fix(reshape_title(target, self.call.label, self.shape[1] or 0),
                   [*imports, *edits] if edits else None, safe=False)

    # -- SL104 -----------------------------------------------------------------------------------

    def reshape_fixes(self) -> Iterator[Fix | None]:
        mismatch = reshape_mismatch(self.call, self.shape)
        if mismatch is None:
            return
        previous = self.index - 1
        if previous >= 0 and len(self.shape) == 2:
            dense = self.report.layers[previous].entry.layer
            if isinstance(dense, LayerCall):
                yield resize_dense_fix(self.document, dense, mismatch.wanted)
        yield refit_target_fix(mismatch)

    # -- SL102 -----------------------------------------------------------------------------------

    def unknown_dim_fixes(self) -> Iterator[Fix | None]:
        previous = self.index - 1
        if previous < 0:
            return
        layer: LayerReport = self.report.layers[previous]
        call = layer.entry.layer
        if not isinstance(call, LayerCall) or layer.input_shape is None or (
                layer.entry.range != call.range):
            return
        yield global_pooling_fix(self.imports, call, layer.label, len(layer.input_shape))
