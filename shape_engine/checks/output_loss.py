"""The model's output activation against its loss and metrics. SL316-SL320.

What Keras 3 does with the TensorFlow backend (keras/src/backend/tensorflow/nn.py): a
probability loss with `from_logits=False` clips the output to [1e-7, 1 - 1e-7] (categorical
losses first divide it by its sum); values outside [0, 1] are clipped with no gradient, and a
categorical loss on values that sum to zero or less divides by them. When the output tensor
comes straight from a sigmoid or softmax, the loss takes the activation's input as logits
(`_keras_logits`) instead: `from_logits=True` there only gets a UserWarning, and a sigmoid
over several units trains like a softmax while `predict` still returns the sigmoids.
Other Keras backends (JAX, PyTorch) do neither. "accuracy" picks binary accuracy for one
unit and categorical accuracy for several (`trainers/compile_utils.py`): exact class matches.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import TYPE_CHECKING

from shape_engine.checks.loss_spec import (
    ACCURACY_NAMES,
    BINARY,
    BINARY_LOSSES,
    CATEGORICAL,
    CATEGORICAL_LOSSES,
    ELEMENTWISE,
    LOSS_CLASSES,
    PROBABILITY_LOSSES,
    Loss,
    Metric,
    loss_of,
    metrics_of,
)
from shape_engine.checks.losses import loss_fix
from shape_engine.checks.outputs import (
    PROBABILITY_ACTIVATIONS,
    UNBOUNDED_ACTIVATIONS,
    Activation,
    Output,
    model_output,
)
from shape_engine.checks.training import feeds
from shape_engine.context import Document
from shape_engine.findings import Edit, Finding, Fix, Position, Range, Related, Severity
from shape_engine.fixes import (
    Imports,
    TextMap,
    fix,
    fixes,
    insert,
    layer_call_text,
    node_at,
    replace_string,
    set_keyword,
)
from shape_engine.ir import CompileCall
from shape_engine.layers.base import facts_of
from shape_engine.rule import Rule
from shape_engine.shapes import format_shape
from shape_engine.values import ArrayValue

if TYPE_CHECKING:
    from shape_engine.interpret import ModelReport

PROBABILITY_LOSS_UNBOUNDED_OUTPUT = Rule(
    "SL316", "probability-loss-on-unbounded-output", Severity.WARNING,
    "A crossentropy loss expecting probabilities gets an output that is not one (relu, tanh, "
    "linear...).",
    "categorical, sparse categorical and binary crossentropy read the output as "
    "probabilities unless told `from_logits=True`. Keras clips the output to [1e-7, 1 - 1e-7] "
    "(the categorical losses first divide it by its sum), so negative values, values above 1 "
    "and sums near zero give no gradient or a division by almost nothing. Measured in "
    "TensorFlow 2.21 on 256 samples of a learnable 3-class problem: `Dense(3, "
    "activation=\"relu\")` with categorical_crossentropy gives a NaN loss from the first "
    "epoch, `Dense(3)` (linear) a loss jumping between 3 and 10 with accuracy at chance "
    "(0.34), where softmax reaches 0.90; a linear or relu unit with binary_crossentropy "
    "predicts values outside [0, 1] and stops learning from every sample it has pushed "
    "past the clip; a linear `Dense(3)` with `SparseCategoricalCrossentropy()` predicts "
    "values from -0.87 to 0.03 whose rows sum to between -2.0 and -0.4. The cases are in "
    "tests/checks/test_output_loss.py. Fix: `from_logits=True` on the loss (the output "
    "then holds logits), or the activation the loss expects: softmax over several "
    "classes, sigmoid for one unit or independent labels.",
)

SIGMOID_CATEGORICAL_LOSS = Rule(
    "SL317", "categorical-loss-on-sigmoid-units", Severity.WARNING,
    "A categorical crossentropy is used on sigmoid units: the outputs are not a distribution "
    "over classes.",
    "Sigmoid units are independent yes/no probabilities that do not sum to one; categorical "
    "crossentropy wants one distribution over the classes. With the TensorFlow backend Keras "
    "3 quietly trains on the sigmoid's input as logits (so training looks like a softmax's), "
    "but `predict` returns the sigmoids: measured in TensorFlow 2.21, the rows of "
    "predictions of a 3-class model sum to anything from about 0.6 to 1.9 instead of 1, so "
    "they cannot be read as class probabilities; other backends normalise by the sum "
    "instead. Use softmax for one class per sample, or binary_crossentropy for multi-label "
    "outputs.",
)

LOGITS_LOSS_ON_PROBABILITIES = Rule(
    "SL318", "from-logits-on-probabilities", Severity.INFO,
    "A loss is told `from_logits=True` but the model's output is already a softmax or "
    "sigmoid.",
    "`from_logits=True` means the output holds raw scores the loss squashes itself; on a "
    "softmax or sigmoid output they would be squashed twice. Keras 3 with the TensorFlow "
    "backend notices when the output comes straight from the activation, uses the "
    "activation's input instead and warns (measured: \"UserWarning: `categorical_"
    "crossentropy` received `from_logits=True`, but the `output` argument was produced by "
    "a Softmax activation and thus does not represent logits\"); the JAX and PyTorch "
    "backends apply the second softmax (keras/src/backend/jax/nn.py), which flattens the "
    "probabilities and slows learning. Drop `from_logits=True`, or the activation.",
)

REGRESSION_LOSS_ON_CLASSES = Rule(
    "SL319", "regression-loss-on-class-labels", Severity.INFO,
    "A regression loss (mse, mae...) scores a softmax or sigmoid classifier fed class labels.",
    "mse and mae measure distances between numbers; on probabilities against one-hot or 0/1 "
    "labels they still train, but their gradient vanishes where the activation saturates: "
    "a confidently wrong output learns almost nothing, where crossentropy (which Keras "
    "computes from the activation's input) learns fastest. Measured in TensorFlow 2.21 on "
    "a yes/no problem with inputs in [0, 30]: a sigmoid unit with mse stays at chance (0.50 "
    "accuracy) for three epochs, with binary_crossentropy it reaches 0.80; on inputs in [0, "
    "1] both train alike. Reported only when the labels are known to be classes (one-hot "
    "rows, 0/1 values): a softmax regression on proportions is correct. Use "
    "categorical_crossentropy for a softmax, binary_crossentropy for sigmoids.",
)

ACCURACY_ON_REGRESSION = Rule(
    "SL320", "accuracy-on-regression", Severity.WARNING,
    "metrics=[\"accuracy\"] on a regression model: it counts exact class matches, not how "
    "close the predictions are.",
    "With mse, mae or another regression loss on a linear output, \"accuracy\" becomes "
    "binary accuracy (one unit: is the prediction above 0.5 exactly equal to the label?) or "
    "categorical accuracy (several units: the largest prediction's index). On real-valued "
    "targets it means nothing: measured in TensorFlow 2.21, a model whose predictions equal "
    "its labels exactly (mse 4e-13) has accuracy 0.0. Use \"mae\" or another regression "
    "metric.",
)


def check_output_loss(report: ModelReport, document: Document) -> Iterator[Finding]:
    if report.refused or report.model.file is not None:
        return
    output = model_output(report)
    if output.activation is None or output.activation.name is None:
        return
    for compile_ in report.model.compiles:
        loss = loss_of(compile_)
        if loss is None or not loss.local:
            continue
        if loss.name in PROBABILITY_LOSSES:
            yield from _probability_loss(loss, output, document)
        elif loss.name in ELEMENTWISE:
            yield from _accuracy_on_regression(report, compile_, loss, output, document)
            yield from _regression_on_classes(report, loss, output, document)


def _probability_loss(loss: Loss, output: Output, document: Document) -> Iterator[Finding]:
    head = output.activation
    assert head is not None and head.name is not None
    units = output.units
    if head.name in UNBOUNDED_ACTIVATIONS and loss.from_logits is False:
        if loss.name in CATEGORICAL_LOSSES and units == 1:
            return  # categorical over one unit: SL311 says it
        wanted = "sigmoid" if loss.name in BINARY_LOSSES else "softmax"
        shown = "no activation (linear)" if head.name == "linear" else f"a {head.name}"
        yield PROBABILITY_LOSS_UNBOUNDED_OUTPUT.finding(
            f"{loss.name} reads the model's output {format_shape(output.shape)} as "
            f"probabilities, but {head.layer.label} ends with {shown}: values outside [0, 1] "
            f"are clipped without gradient; use {wanted} on the output, or "
            f"from_logits=True on the loss", at=loss.where, related=_related(head),
            fixes=fixes(activation_fix(document, head, wanted),
                        from_logits_fix(document, loss, True)))
    elif head.name == "sigmoid" and loss.name in CATEGORICAL_LOSSES and units is not None and (
            units > 1) and loss.from_logits is False:
        yield SIGMOID_CATEGORICAL_LOSS.finding(
            f"{loss.name} on {units} sigmoid units {format_shape(output.shape)}: sigmoids do "
            "not sum to one, so the outputs are not a distribution over the classes; use "
            "softmax (one class per sample) or binary_crossentropy (several labels per "
            "sample)", at=loss.where, related=_related(head),
            fixes=fixes(activation_fix(document, head, "softmax"),
                        _loss_name_fix(document, loss, "binary_crossentropy")))
    elif head.name in PROBABILITY_ACTIVATIONS and loss.from_logits is True:
        yield LOGITS_LOSS_ON_PROBABILITIES.finding(
            f"{loss.name}(from_logits=True) on {head.layer.label}'s {head.name} output "
            f"{format_shape(output.shape)}: the probabilities would be squashed a second "
            f"time (Keras' TensorFlow backend undoes it with a warning; other backends do "
            f"not); drop from_logits=True", at=loss.where, related=_related(head),
            fixes=fixes(from_logits_fix(document, loss, False)))


def _related(head: Activation) -> tuple[Related, ...]:
    layer = head.layer
    shown = head.name or "an unknown activation"
    return (Related(head.where or layer.range,
                    f"{layer.label} applies {shown}, output {format_shape(layer.output_shape)}"),)


# -- regression losses and metrics on the wrong kind of output --------------------------------


def _regression_on_classes(report: ModelReport, loss: Loss, output: Output,
                           document: Document) -> Iterator[Finding]:
    head = output.activation
    assert head is not None
    units = output.units
    if head.name not in ("softmax", "sigmoid") or units is None:
        return
    if head.name == "softmax" and units < 2:
        return  # SL312
    if not _fed_only_class_labels(report, document, units):
        return
    wanted = CATEGORICAL if head.name == "softmax" else BINARY
    yield REGRESSION_LOSS_ON_CLASSES.finding(
        f"{loss.name} scores {head.layer.label}'s {head.name} output "
        f"{format_shape(output.shape)} against class labels: its gradient vanishes where the "
        f"{head.name} saturates; use {wanted}", at=loss.where, related=_related(head),
        fixes=fixes(loss_fix(document, loss, wanted, safe=False)))


def _fed_only_class_labels(report: ModelReport, document: Document, units: int) -> bool:
    """Whether the model is given labels, all known to be classes for `units` outputs."""
    seen = False
    for call in report.model.trainings:
        for feed in feeds(call, document):
            if feed.y is None:
                continue
            labels = feed.y.value
            if not (labels.one_hot and units > 1) and not (units == 1 and _zero_one(labels)):
                return False
            seen = True
    return seen


def _zero_one(labels: ArrayValue) -> bool:
    bounds = labels.bounds
    return (bounds is not None and bounds[0] >= 0 and bounds[1] <= 1
            and (labels.dtype in ("int", "bool")
                 or (labels.dtype == "float" and ("fractional", True) not in labels.extra)))


def _accuracy_on_regression(report: ModelReport, compile_: CompileCall, loss: Loss,
                            output: Output, document: Document) -> Iterator[Finding]:
    head = output.activation
    assert head is not None
    if head.name not in UNBOUNDED_ACTIVATIONS or _fed_class_labels(report, document):
        return
    for metric in metrics_of(compile_):
        if metric.name not in ACCURACY_NAMES:
            continue
        yield ACCURACY_ON_REGRESSION.finding(
            f"metrics=[\"{metric.name}\"] with {loss.name} on {head.layer.label}'s "
            f"{head.name} output {format_shape(output.shape)}: accuracy counts exact class "
            "matches, which real-valued predictions never make; use \"mae\"",
            at=_metric_range(document, metric), related=_related(head),
            fixes=fixes(_metric_fix(document, metric, "mae")))


def _fed_class_labels(report: ModelReport, document: Document) -> bool:
    """Whether some labels the model is given may be classes (integers, or 0/1)."""
    for call in report.model.trainings:
        for feed in feeds(call, document):
            if feed.y is not None and _may_be_classes(feed.y.value):
                return True
    return False


def _may_be_classes(labels: ArrayValue) -> bool:
    if labels.dtype in ("int", "bool", "str"):
        return True
    if ("fractional", True) in labels.extra:
        return False
    bounds = labels.bounds
    return bounds is None or (bounds[0] >= 0 and bounds[1] <= 1)


def _metric_range(document: Document, metric: Metric) -> Range:
    node = node_at(document, metric.where)
    if isinstance(node, ast.List | ast.Tuple) and metric.index < len(node.elts):
        return document.index.range_of(node.elts[metric.index])
    return metric.where


def _metric_fix(document: Document, metric: Metric, new: str) -> Fix | None:
    where = _metric_range(document, metric)
    edit = replace_string(document, where, new)
    return fix(f"Measure {new} instead of {metric.name}", [edit] if edit else None,
               safe=False)


# -- fixes -----------------------------------------------------------------------------------


def activation_fix(document: Document, head: Activation, new: str) -> Fix | None:
    """Make the layer that applies `head` apply `new` instead."""
    call = head.call
    if call is None or call.file is not None or facts_of(call.kind).rnn:
        return None  # an RNN's activation is inside its cell, not on its output alone
    title = f"Use {new} on {head.layer.label}"
    if head.where is not None and head.where != call.range:
        edit = replace_string(document, head.where, new)
        if edit is None and isinstance(node_at(document, head.where), ast.Constant):
            edit = Edit(head.where, f'"{new}"')  # activation=None
        return fix(title, [edit] if edit else None, safe=False)
    if head.as_argument:
        return fix(title, set_keyword(document, call, "activation", f'"{new}"'), safe=False)
    if head.where == call.range:  # ReLU(), Softmax(): an Activation layer instead
        text, imports = layer_call_text(Imports(document, call.range.start), "Activation",
                                        f'"{new}"')
        return fix(f"Use Activation(\"{new}\")", [*imports, Edit(call.range, text)],
                   safe=False)
    return None


def _loss_node(document: Document, loss: Loss) -> tuple[ast.expr, Range] | None:
    node = node_at(document, loss.where)
    if isinstance(node, ast.List | ast.Tuple) and len(node.elts) == 1:
        node = node.elts[0]
        return node, document.index.range_of(node)
    return (node, loss.where) if node is not None else None


def from_logits_fix(document: Document, loss: Loss, value: bool) -> Fix | None:
    """`from_logits=value` on the loss: written into its instance, or the string or function
    replaced by an instance of its class."""
    found = _loss_node(document, loss)
    if found is None or loss.name not in LOSS_CLASSES:
        return None
    node, where = found
    title = f"Set from_logits={value} on the loss"
    if loss.spelling == "instance":
        if not isinstance(node, ast.Call):
            return None
        return fix(title, _set_call_keyword(document, node, "from_logits", str(value)),
                   safe=False)
    if not value:
        return None
    name, imports = Imports(document, where.start).reference(
        f"keras.losses.{LOSS_CLASSES[loss.name]}")
    return fix(f"Use {name}(from_logits=True)",
               [*imports, Edit(where, f"{name}(from_logits=True)")], safe=False)


def _set_call_keyword(document: Document, node: ast.Call, name: str, value: str
                      ) -> list[Edit] | None:
    for keyword in node.keywords:
        if keyword.arg is None:
            return None
        if keyword.arg == name:
            return [Edit(document.index.range_of(keyword.value), value)]
    if any(isinstance(a, ast.Starred) for a in node.args) or node.args:
        return None  # from_logits may be among them: not edited blindly
    call_range = document.index.range_of(node)
    last = node.keywords[-1] if node.keywords else None
    if last is not None:
        return [insert(document.index.range_of(last).end, f", {name}={value}")]
    text = TextMap(document.text).slice(call_range)
    if not text.endswith("()"):
        return None
    end = call_range.end
    return [insert(Position(end.line, end.character - 1), f"{name}={value}")]


def _loss_name_fix(document: Document, loss: Loss, new: str) -> Fix | None:
    found = _loss_node(document, loss)
    if found is None or loss.spelling != "string":
        return None
    edit = replace_string(document, found[1], new)
    return fix(f"Use {new}", [edit] if edit else None, safe=False)
