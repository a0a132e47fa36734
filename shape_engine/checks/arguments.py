"""Arguments Keras 3 accepts but ignores or no longer honours. SL4xx."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from shape_engine.context import Document
from shape_engine.findings import Finding, Fix, Severity
from shape_engine.fixes import (
    Imports,
    TextMap,
    fix,
    fixes,
    insert_layer,
    remove_keyword,
    shape_literal,
)
from shape_engine.ir import LayerCall
from shape_engine.keras_version import is_keras_2
from shape_engine.layers.base import is_input_kind
from shape_engine.rule import Rule
from shape_engine.values import constant

if TYPE_CHECKING:
    from shape_engine.interpret import ModelReport


EMBEDDING_INPUT_LENGTH = Rule(
    "SL401", "embedding-input-length", Severity.WARNING,
    "Embedding(input_length=...) is ignored by Keras 3.",
    "Keras 3 accepts input_length only to warn that it is deprecated: it no longer gives the "
    "model an input shape. The model stays unbuilt until it sees data, so model.summary() "
    "shows no shapes and count_params() raises. Declare the input with "
    "keras.Input(shape=(length,)) as the first layer. With keras-version \"2\" the rule does "
    "not apply: tf.keras 2's Embedding gives the model the input shape (input_length,), or "
    "(None,) without one.",
)


def check_ignored_arguments(report: ModelReport, document: Document) -> Iterator[Finding]:
    model = report.model
    if model.file is not None or is_keras_2():  # tf.keras 2 takes it as the model's input
        return
    for index, entry in enumerate(model.entries):
        call = entry.layer
        if not isinstance(call, LayerCall) or call.kind != "Embedding" or call.file is not None:
            continue
        if "input_length" not in call.kwarg_ranges:
            continue
        first = index == 0 or all(isinstance(e.layer, LayerCall) and is_input_kind(e.layer.kind)
                                  for e in model.entries[:index])
        undeclared = index == 0 and not report.declares_input
        if undeclared:
            why = "the model gets no input shape from it and stays unbuilt until it sees data"
        elif first:
            why = "the model's input is declared elsewhere, so it only warns"
        else:
            why = "it has no effect"
        yield EMBEDDING_INPUT_LENGTH.finding(
            f"{call.label}: input_length is ignored by Keras 3; {why}",
            at=call.kwarg_ranges["input_length"],
            fixes=fixes(_declare_input(report, document, call, undeclared)))


def _declare_input(report: ModelReport, document: Document, call: LayerCall,
                   undeclared: bool) -> Fix | None:
    removal = remove_keyword(document, call, "input_length")
    if removal is None:
        return None
    if not undeclared:
        return fix("Remove input_length", [removal])
    length = constant(call.kwargs["input_length"])
    if isinstance(length, int) and not isinstance(length, bool):
        shape = shape_literal((length,))
    elif length is None:
        shape = "(None,)"
    else:
        shape = f"({TextMap(document.text).slice(call.kwarg_value_ranges['input_length'])},)"
    at = report.model.entries[0].range.start if report.model.entries else call.range.start
    name, imports = Imports(document, at).reference("keras.Input")
    edits = insert_layer(document, report.model, 0, f"{name}(shape={shape})")
    if edits is None:
        return None
    return fix(f"Declare the input: {name}(shape={shape})", [*imports, *edits, removal])
