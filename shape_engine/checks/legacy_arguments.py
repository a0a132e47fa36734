"""Keras 1 spellings of layer arguments.

SL105: a Keras 1 keyword (`keras_legacy` lists them) is refused when the layer is created;
the fix writes the modern keyword when the change is a rename. SL402: Keras 1's
`Convolution2D(32, 3, 3)` (32 filters of 3x3) is read by tf.keras 2 and Keras 3 as a kernel
of 3 with strides 3; the fix writes the kernel as one tuple.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING

from shape_engine.context import Document
from shape_engine.findings import Edit, Finding, Fix, Position, Range, Severity
from shape_engine.fixes import TextMap, node_at
from shape_engine.ir import LayerCall
from shape_engine.keras_version import is_keras_2
from shape_engine.layers.legacy_keywords import legacy_keyword_findings
from shape_engine.layers.refusals import INVALID_ARGUMENT
from shape_engine.rule import Rule
from shape_engine.shapes import format_shape
from shape_engine.values import Instance, constant

if TYPE_CHECKING:
    from shape_engine.interpret import ModelReport


KERAS1_KERNEL = Rule(
    "SL402", "keras1-kernel-read-as-strides", Severity.WARNING,
    "Convolution2D(filters, rows, cols), Keras 1's kernel, is read as kernel_size and strides.",
    "Keras 1 wrote a 2-D convolution's kernel as two arguments: Convolution2D(32, 3, 3) was 32 "
    "filters of 3x3. In tf.keras 2 and Keras 3 the second argument is kernel_size and the "
    "third is strides, so the same line builds a 3x3 kernel moving 3 pixels at a time: no "
    "error, but each output is a third of the height and width and the layer sees each pixel once. "
    "Measured in TensorFlow 2.21 (Keras 3 and tf.keras 2 alike): on 28x28 images it outputs "
    "(None, 9, 9, 32) instead of (None, 26, 26, 32). Write the kernel as one tuple: "
    "Conv2D(32, (3, 3)).",
)
# The Keras 1 class names whose third positional argument was the kernel's second size.
KERAS1_CONV_NAMES = {"Convolution2D": "Conv2D", "SeparableConvolution2D": "SeparableConv2D"}


def check_keras1_kernels(report: ModelReport, document: Document) -> Iterator[Finding]:
    outputs = {id(layer.entry): layer.output_shape for layer in report.layers}
    for entry in report.model.entries:
        call = entry.layer
        if not (isinstance(call, LayerCall) and call.written_name in KERAS1_CONV_NAMES
                and call.file is None and len(call.node.args) == 3 and not call.has_unpacking
                and "strides" not in call.kwargs):
            continue
        rows, cols = (constant(value) for value in call.args[1:3])
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in (rows, cols)):
            continue
        text = TextMap(document.text)
        first, second = call.arg_ranges[1], call.arg_ranges[2]
        kernel = f"({text.slice(first)}, {text.slice(second)})"
        output = outputs.get(id(entry))
        shown = f": it outputs {format_shape(output)}" if output is not None else ""
        edits = [*_modern_class_name(call, document), Edit(Range(first.start, second.end),
                                                          kernel)]
        title = (f"Write {KERAS1_CONV_NAMES[call.written_name]}("
                 f"{text.slice(call.arg_ranges[0])}, {kernel})" if len(edits) > 1 else
                 f"Write the {rows}x{cols} kernel as one tuple: {kernel}")
        yield KERAS1_KERNEL.finding(
            f"{call.written_name}({text.slice(call.arg_ranges[0])}, {rows}, {cols}) is Keras 1's "
            f"{rows}x{cols} kernel, but tf.keras 2 and Keras 3 read it as kernel_size={rows} with "
            f"strides={cols}{shown}",
            at=Range(first.start, second.end), fixes=(Fix(title, tuple(edits)),))


def _modern_class_name(call: LayerCall, document: Document) -> list[Edit]:
    """`layers.Convolution2D` written `layers.Conv2D`: the same class under its Keras 2 name,
    in the same module. A name imported on its own stays (its import would change too)."""
    func = call.node.func
    if not isinstance(func, ast.Attribute):
        return []
    end = document.index.range_of(func).end
    start = Position(end.line, end.character - len(func.attr))
    if start.character < 0 or TextMap(document.text).slice(Range(start, end)) != func.attr:
        return []
    return [Edit(Range(start, end), KERAS1_CONV_NAMES[call.written_name])]


# Optimizer keywords Keras 3 refuses ("Argument(s) not recognized") and tf.keras 2 still takes
# with a deprecation warning.
OPTIMIZER_RENAMES = {"lr": "learning_rate"}


def check_optimizer_keywords(report: ModelReport, document: Document) -> Iterator[Finding]:
    """`keras.optimizers.Adam(lr=0.01)` given to compile(): refused by Keras 3."""
    if is_keras_2():
        return
    for compiled in report.model.compiles:
        if compiled.file is not None:
            continue
        optimizer = compiled.kwargs.get("optimizer", compiled.args[0] if compiled.args else None)
        if not (isinstance(optimizer, Instance) and optimizer.at is not None
                and optimizer.name.startswith("keras.optimizers.")):
            continue
        if not any(key in OPTIMIZER_RENAMES for key, _ in optimizer.kwargs):
            continue  # the common case: finding the call in the syntax tree costs a walk of it
        call = node_at(document, optimizer.at)
        if not isinstance(call, ast.Call):
            continue  # made in another file
        written = {k.arg: k for k in call.keywords if k.arg}
        class_name = optimizer.name[len("keras.optimizers."):-2]
        for old, modern in OPTIMIZER_RENAMES.items():
            if old not in written:
                continue
            at = document.index.range_of(written[old])
            name = Range(at.start, Position(at.start.line, at.start.character + len(old)))
            rename = () if modern in written or any(
                isinstance(a, ast.Starred) for a in call.args) or any(
                k.arg is None for k in call.keywords) else (
                Fix(f"Rename {old}= to {modern}=", (Edit(name, modern),)),)
            yield INVALID_ARGUMENT.finding(
                f"{class_name}({old}=...) is refused by Keras 3 (\"Argument(s) not recognized\"); "
                f"use {modern} (tf.keras 2 took {old} with a deprecation warning)",
                at=at, fixes=rename)


def check_legacy_keywords(report: ModelReport, document: Document) -> Iterator[Finding]:
    """Every Keras 1 keyword of the model's layers, not only the first one Keras stops at: each
    gets its own rename, and a rename then leaves only findings already shown."""
    for entry in report.model.entries:
        if isinstance(entry.layer, LayerCall):
            yield from legacy_keyword_findings(entry.layer)
