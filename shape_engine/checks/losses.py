"""Labels against the model's output and the loss chosen at compile(). SL3xx.

What Keras 3 does (keras/src/losses): before a loss runs, labels and output whose ranks differ
by one trailing axis of size 1 are squeezed or expanded to match. categorical and binary
crossentropy then need labels of exactly the output's shape; sparse categorical crossentropy
needs one rank less (an integer class per output row) and class numbers below the number of
units; elementwise losses (mse, mae, ...) broadcast, which silently compares every label with
every output when the shapes differ. Some choices never raise and still train nothing: a
categorical loss or a softmax over one unit, a binary loss over a softmax.
"""

from __future__ import annotations

import math
from ast import Call, Name
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from shape_engine.checks.loss_spec import (
    BINARY,
    BINARY_LOSSES,
    CATEGORICAL,
    ELEMENTWISE,
    LOSS_CLASSES,
    SPARSE,
    Loss,
    loss_for,
    loss_of,
)
from shape_engine.checks.outputs import Activation, activation_of, model_output
from shape_engine.checks.training import Feed, feeds
from shape_engine.context import Document
from shape_engine.data.arrays import DRAWN, EXACT, broadcast
from shape_engine.findings import Edit, Finding, Fix, Range, Related, Severity
from shape_engine.fixes import (
    Imports,
    TextMap,
    constant_definition,
    fix,
    fixes,
    insert_layer,
    layer_call_text,
    node_at,
    replace_string,
    set_keyword,
    units_edit,
    wrap,
)
from shape_engine.ir import LayerCall
from shape_engine.keras_version import is_keras_2
from shape_engine.layers import RULES
from shape_engine.layers.base import LayerArgs, Unknowable, facts_of
from shape_engine.rule import Rule
from shape_engine.shapes import Shape, dims_compatible, format_shape, product
from shape_engine.values import ArrayValue, ModuleRef

if TYPE_CHECKING:
    from shape_engine.interpret import ModelReport

INTEGER_LABELS_CATEGORICAL = Rule(
    "SL301", "integer-labels-categorical-loss", Severity.ERROR,
    "Integer class labels are given to categorical_crossentropy.",
    "categorical_crossentropy compares one-hot rows with the output, so labels need the "
    "output's shape (samples, classes). Integer labels (samples,) raise 'must have the same "
    "rank'. Use sparse_categorical_crossentropy, or one-hot encode the labels with "
    "keras.utils.to_categorical.",
)

ONE_HOT_LABELS_SPARSE = Rule(
    "SL302", "one-hot-labels-sparse-loss", Severity.ERROR,
    "One-hot labels are given to sparse_categorical_crossentropy.",
    "sparse_categorical_crossentropy takes one integer class per sample, of shape "
    "(samples,). One-hot rows (samples, classes) raise 'Argument output must have rank "
    "target.ndim - 1'. Use categorical_crossentropy, or np.argmax(y, axis=-1).",
)

LABEL_SHAPE_MISMATCH = Rule(
    "SL303", "label-output-mismatch", Severity.ERROR,
    "The labels' shape does not match what the loss needs for the model's output.",
    "The loss compares labels with the model's output. categorical and binary crossentropy "
    "need labels of the output's shape, sparse categorical crossentropy one class per output "
    "row, elementwise losses shapes that broadcast. A different number of label columns than "
    "output units fails.",
)

OUTPUT_NOT_REDUCED = Rule(
    "SL304", "per-step-output-per-sample-labels", Severity.ERROR,
    "The model outputs a value per timestep or position, but the labels are per sample.",
    "Without a Flatten or a pooling layer before the head, Dense layers act on the last axis "
    "only: a model over sequences or images outputs (samples, steps, units). Labels with one "
    "class per sample do not match. Insert Flatten() or GlobalAveragePooling before the head, "
    "or let the last RNN return only its final output (return_sequences=False).",
)

LABEL_OUT_OF_RANGE = Rule(
    "SL305", "label-out-of-range", Severity.ERROR,
    "A class label is not below the number of output units.",
    "sparse_categorical_crossentropy reads each label as the index of an output unit. A "
    "label of 9 for 5 units fails during training with 'Received a label value of 9 which is "
    "outside the valid range of [0, 5)'.",
)

CATEGORICAL_ONE_UNIT = Rule(
    "SL311", "categorical-loss-one-unit", Severity.WARNING,
    "categorical_crossentropy over a single output unit: the loss is always 0.",
    "With one unit, the normalised prediction is always 1.0, so categorical crossentropy is "
    "0 for every sample and nothing is learnt. Keras does not raise. For two classes use "
    "binary_crossentropy with a sigmoid unit.",
)

SOFTMAX_ONE_UNIT = Rule(
    "SL312", "softmax-one-unit", Severity.WARNING,
    "softmax over a single unit always outputs 1.0.",
    "softmax normalises over the last axis; over one value it is constant. A one-unit "
    "binary classifier needs a sigmoid.",
)

BINARY_LOSS_SOFTMAX = Rule(
    "SL313", "binary-loss-multiclass-softmax", Severity.WARNING,
    "binary_crossentropy is used on a multi-class softmax output.",
    "binary_crossentropy treats every unit as an independent yes/no, softmax makes the units "
    "compete: the objective is not the one the head is built for, and Keras does not raise. "
    "Use categorical_crossentropy (one-hot labels) or sparse_categorical_crossentropy "
    "(integer labels); for multi-label outputs use a sigmoid head.",
)

FLOAT_SPARSE_LABELS = Rule(
    "SL314", "float-labels-sparse-loss", Severity.WARNING,
    "sparse_categorical_crossentropy receives fractional labels.",
    "The labels are cast to integers without a word: 0.7 becomes class 0. Labels for a sparse "
    "categorical loss are class numbers.",
)

REGRESSION_BROADCAST = Rule(
    "SL315", "regression-labels-broadcast", Severity.WARNING,
    "Regression labels broadcast against an output of another shape.",
    "mse, mae and the other elementwise losses subtract labels from predictions with "
    "broadcasting: labels (samples,) against an output (samples, units) compare every label "
    "with every prediction of the batch. Keras raises or not depending on the batch size; "
    "either way the loss is wrong. Give labels the output's shape. With keras-version "
    "\"2\": tf.keras 2 first gives labels (samples,) a last axis of 1, so against "
    "(samples, units) it never raises and each label is compared with every unit.",
)

# A batch size that divides nothing of interest, to see whether shapes broadcast regardless.
_UNLIKELY_BATCH = 7919


# -- checks --------------------------------------------------------------------------------------


def check_losses(report: ModelReport, document: Document) -> Iterator[Finding]:
    output = report.output_shape
    if report.refused:
        return
    if report.model.file is None:
        yield from _softmax_on_one_unit(report, document)
        for compile_ in report.model.compiles:
            loss = loss_of(compile_)
            if loss is not None and loss.local and output is not None:
                yield from _loss_against_head(report, loss, document)
    if output is None:
        return
    for call in report.model.trainings:
        loss = loss_for(report, call)
        if loss is None:
            continue
        for feed in feeds(call, document):
            if feed.y is not None:
                yield from _labels(report, feed, loss, document)


def _softmax_on_one_unit(report: ModelReport, document: Document) -> Iterator[Finding]:
    for layer in report.layers:
        # A softmax the layer applies itself is a layer call's: the units first, as few
        # layers have one, and reading each one's activation works out argument ranges.
        output = layer.output_shape
        if output and output[-1] != 1:
            continue  # most rows (an Activation or Softmax keeps its input's last axis)
        call = layer.entry.layer
        if not isinstance(call, LayerCall):
            continue
        units = (layer.input_shape if call.kind in ("Activation", "Softmax")
                 else layer.output_shape)
        if not units or units[-1] != 1:
            continue
        found = activation_of(layer, report)
        if found is None or found.name != "softmax" or found.layer is not layer:
            continue
        at = found.where or call.range
        yield SOFTMAX_ONE_UNIT.finding(
            f"{layer.label}: softmax over a single unit always outputs 1.0 (its output is "
            f"{format_shape(layer.output_shape)}); use a sigmoid for one unit", at=at,
            fixes=fixes(_sigmoid_fix(document, call, found)))


def _sigmoid_fix(document: Document, call: LayerCall, found: Activation) -> Fix | None:
    if call.file is not None:
        return None
    if call.kind == "Softmax":
        text, imports = layer_call_text(Imports(document, call.range.start), "Activation",
                                        '"sigmoid"')
        return fix("Use a sigmoid: Activation(\"sigmoid\")", [*imports, Edit(call.range, text)])
    if found.where is None:
        return None
    edit = replace_string(document, found.where, "sigmoid") or rename_tail(
        document, found.where, "softmax", "sigmoid")
    return fix("Use a sigmoid activation", [edit] if edit else None)


def _loss_against_head(report: ModelReport, loss: Loss, document: Document
                       ) -> Iterator[Finding]:
    output = report.output_shape
    assert output is not None
    units = output[-1]
    # The head's activation only where a finding depends on it: reading it is a walk back
    # from the output.
    if loss.name == CATEGORICAL and units == 1:
        head = model_output(report).activation
        sigmoid = head is not None and head.name == "sigmoid"
        yield CATEGORICAL_ONE_UNIT.finding(
            f"categorical_crossentropy over the model's single output unit {format_shape(output)}"
            ": the loss is always 0.0 and the model learns nothing; use binary_crossentropy",
            at=loss.where, related=_head_related(report),
            fixes=fixes(loss_fix(document, loss, BINARY, safe=sigmoid)))
    # Over two units, binary crossentropy on a softmax is categorical crossentropy doubled.
    if loss.name in BINARY_LOSSES and units is not None and units > 2 and (
            loss.from_logits is False) and _ends_in_softmax(report):
        yield BINARY_LOSS_SOFTMAX.finding(
            f"{loss.name} on a softmax over {units} units {format_shape(output)}: the "
            "units compete under softmax but the loss scores each one alone; use "
            "categorical_crossentropy (or sparse_categorical_crossentropy for integer labels)",
            at=loss.where, related=_head_related(report),
            fixes=fixes(loss_fix(document, loss, CATEGORICAL, safe=False),
                        loss_fix(document, loss, SPARSE, safe=False)))


def _ends_in_softmax(report: ModelReport) -> bool:
    head = model_output(report).activation
    return head is not None and head.name == "softmax"


def _head_related(report: ModelReport) -> tuple[Related, ...]:
    if not report.layers or report.model.file is not None:
        return ()
    last = report.layers[-1]
    return (Related(last.range, f"{last.label} outputs {format_shape(last.output_shape)}"),)


# -- labels ------------------------------------------------------------------------------------


def squeeze_or_expand(labels: Shape, output: Shape) -> tuple[Shape, Shape]:
    """Keras' `squeeze_or_expand_to_same_rank(y_true, y_pred)`."""
    if len(labels) == len(output) + 1 and labels[-1] == 1:
        if len(output) == 1:
            output = (*output, 1)
        else:
            labels = labels[:-1]
    if len(output) == len(labels) + 1 and output[-1] == 1:
        if len(labels) == 1:
            labels = (*labels, 1)
        else:
            output = output[:-1]
    return labels, output


def _matches(labels: Shape, output: Shape) -> bool:
    """Same rank and the same known non-batch dims."""
    return len(labels) == len(output) and all(
        dims_compatible(a, b) for a, b in zip(labels[1:], output[1:], strict=True))


def _labels(report: ModelReport, feed: Feed, loss: Loss, document: Document
            ) -> Iterator[Finding]:
    assert feed.y is not None and report.output_shape is not None
    y, output = feed.y.shape, report.output_shape
    labels, out = squeeze_or_expand(y, output)
    if loss.name in (CATEGORICAL, BINARY):
        if not _matches(labels, out):
            yield _mismatch(report, feed, loss, document)
    elif loss.name == SPARSE:
        if len(labels) == len(out) and labels[-1] == 1:
            labels = labels[:-1]
        if len(labels) != len(out) - 1 or not all(
                dims_compatible(a, b) for a, b in zip(labels[1:], out[1:-1], strict=True)):
            yield _mismatch(report, feed, loss, document)
        else:
            yield from _sparse_values(report, feed, document)
    elif loss.name in ELEMENTWISE and not _matches(labels, out):
        yield _broadcast(report, feed, loss, labels, out, document)


def _expected_labels(loss: Loss, y: Shape, output: Shape) -> str:
    samples = y[0] if y else None
    if loss.name == SPARSE:
        return format_shape((samples, *output[1:-1]))
    return format_shape((samples, *output[1:]))


def _mismatch(report: ModelReport, feed: Feed, loss: Loss, document: Document) -> Finding:
    assert feed.y is not None and report.output_shape is not None
    y, output = feed.y.shape, report.output_shape
    units = output[-1]
    head = (f"{feed.method}: labels have shape {format_shape(y)} but the model outputs "
            f"{format_shape(output)}")
    related: tuple[Related, ...] = (
        (Related(loss.where, f"loss: {loss.name}"),) if loss.local else ())
    related += _head_related(report)
    per_sample = len(y) == 1 or (len(y) == 2 and y[-1] in (1, units))
    integer = feed.y.value.dtype in ("int", "bool")
    if len(output) >= 3 and per_sample:
        return OUTPUT_NOT_REDUCED.finding(
            f"{head}: the output has a value per position {format_shape(output[1:-1])}, the "
            "labels one per sample; reduce the output before the head (Flatten, "
            "GlobalAveragePooling) or end the last RNN with return_sequences=False",
            at=feed.y.where, related=related, fixes=fixes(*_reduce_fixes(report, document)))
    if loss.name == CATEGORICAL and integer and len(output) == 2 and units and units > 1 and (
            len(y) == 1 or y[-1] == 1):
        return INTEGER_LABELS_CATEGORICAL.finding(
            f"{head}: categorical_crossentropy needs one-hot labels of shape "
            f"{_expected_labels(loss, y, output)}; these are integer class labels",
            at=feed.y.where, related=related,
            fixes=fixes(loss_fix(document, loss, SPARSE, safe=True),
                        _to_categorical_fix(document, feed, units)))
    if loss.name == SPARSE and len(y) == len(output) and units and units > 1 and (
            y[-1] == units):
        return ONE_HOT_LABELS_SPARSE.finding(
            f"{head}: sparse_categorical_crossentropy needs one integer class per sample, of "
            f"shape {_expected_labels(loss, y, output)}; these look one-hot",
            at=feed.y.where, related=related,
            fixes=fixes(loss_fix(document, loss, CATEGORICAL, safe=True),
                        _argmax_fix(document, feed)))
    candidates: list[Fix | None] = []
    if len(y) == len(output) == 2 and y[-1] is not None and loss.name != SPARSE:
        candidates.append(units_fix(report, document, y[-1]))
    if loss.name == BINARY and integer and len(y) == 1 and units and units > 1:
        candidates.append(loss_fix(document, loss, SPARSE, safe=False))
    return LABEL_SHAPE_MISMATCH.finding(
        f"{head}: {loss.name} needs labels of shape {_expected_labels(loss, y, output)}",
        at=feed.y.where, related=related, fixes=fixes(*candidates))


def _sparse_values(report: ModelReport, feed: Feed, document: Document) -> Iterator[Finding]:
    assert feed.y is not None and report.output_shape is not None
    units = report.output_shape[-1]
    value = feed.y.value
    bounds = value.bounds
    if units is not None and bounds is not None and value.dtype in ("int", "float", "bool"):
        highest, lowest = math.floor(bounds[1]), math.ceil(bounds[0]) if bounds[0] < 0 else 0
        if (highest >= units or lowest < 0) and surely_outside(value, units):
            yield LABEL_OUT_OF_RANGE.finding(
                f"{feed.method}: labels take values in [{_number(bounds[0])}, "
                f"{_number(bounds[1])}] but the model has {units} output units "
                f"{format_shape(report.output_shape)}: sparse_categorical_crossentropy needs "
                f"classes in [0, {units - 1}]", at=feed.y.where, related=_head_related(report),
                fixes=fixes(units_fix(report, document, highest + 1) if highest >= units
                            else None))
    if value.dtype == "float" and ("fractional", True) in value.extra:
        yield FLOAT_SPARSE_LABELS.finding(
            f"{feed.method}: labels of shape {format_shape(feed.y.shape)} hold fractional "
            f"values for the model's output {format_shape(report.output_shape)}: "
            "sparse_categorical_crossentropy truncates them to integer classes without a "
            "word", at=feed.y.where, related=_head_related(report))


# How unlikely "no label falls outside [0, units)" must be for the finding to be reported.
IMPROBABLE = 1e-6


def surely_outside(labels: ArrayValue, units: int) -> bool:
    """Whether some label is outside [0, units): certain when the bounds are reached, else
    computed for labels drawn uniformly (randint) from how many there are."""
    if (EXACT, True) in labels.extra:
        return True
    if (DRAWN, True) not in labels.extra or labels.bounds is None or labels.shape is None:
        return False
    count = product(labels.shape)
    low, high = math.ceil(labels.bounds[0]), math.floor(labels.bounds[1])
    values = high - low + 1
    inside = max(0, min(high, units - 1) - max(low, 0) + 1)
    if count is None or values <= 0:
        return False
    return (inside / values) ** count < IMPROBABLE


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _broadcast(report: ModelReport, feed: Feed, loss: Loss, labels: Shape, output: Shape,
               document: Document) -> Finding:
    assert feed.y is not None and report.output_shape is not None
    y = feed.y.shape
    if is_keras_2() and len(labels) == len(output) - 1:
        labels = (*labels, 1)  # tf.keras 2's losses give the labels a last axis of 1 first
    sizes = feed.batch_sizes()
    known = sizes is not None
    candidates = sorted(sizes) if sizes else sorted(
        {1, _UNLIKELY_BATCH} | {d for d in (*labels, *output) if d is not None})
    failing = [b for b in candidates if not _broadcasts(labels, output, b)]
    head = (f"{feed.method}: labels have shape {format_shape(y)} but the model outputs "
            f"{format_shape(report.output_shape)}")
    related: tuple[Related, ...] = (
        (Related(loss.where, f"loss: {loss.name}"),) if loss.local else ())
    related += _head_related(report)
    reduce = fixes(*_reduce_fixes(report, document)) if len(report.output_shape) >= 3 else ()
    if failing and (known or len(failing) == len(candidates)):
        when = f" (for batches of {failing[0]})" if known else ""
        return LABEL_SHAPE_MISMATCH.finding(
            f"{head}: {loss.name} cannot broadcast them{when}; give labels of shape "
            f"{_expected_labels(loss, y, report.output_shape)}", at=feed.y.where,
            related=related, fixes=reduce)
    return REGRESSION_BROADCAST.finding(
        f"{head}: {loss.name} broadcasts them against each other instead of comparing each "
        f"label with its prediction; give labels of shape "
        f"{_expected_labels(loss, y, report.output_shape)}", at=feed.y.where, related=related,
        fixes=reduce)


def _broadcasts(labels: Shape, output: Shape, batch: int) -> bool:
    a = (batch, *labels[1:]) if labels else labels
    b = (batch, *output[1:]) if output else output
    try:
        broadcast(a, b)
    except ValueError:
        return False
    return True


# -- fixes ---------------------------------------------------------------------------------------


def rename_tail(document: Document, where: Range, old: str, new: str) -> Edit | None:
    """`keras.activations.softmax` -> `keras.activations.sigmoid`, on one line."""
    if where.start.line != where.end.line:
        return None
    text = TextMap(document.text).slice(where)
    if not text.endswith(old) or (len(text) > len(old) and text[-len(old) - 1] != "."):
        return None
    start = where.end.character - len(old)
    return Edit(Range.of(where.end.line, start, where.end.line, where.end.character), new)


def loss_fix(document: Document, loss: Loss, new: str, safe: bool) -> Fix | None:
    if not loss.local:
        return None
    title = f"Use {new}"
    edit = replace_string(document, loss.where, new)
    if edit is not None:
        return fix(title, [edit], safe=safe)
    node = node_at(document, loss.where)
    if isinstance(node, Name):
        definition = constant_definition(document, node.id)
        edit = replace_string(document, definition, new) if definition else None
        if edit is not None:
            return fix(title, [edit], safe=safe)
    if isinstance(loss.value, ModuleRef) and loss.value.name.endswith("()"):
        old_class = loss.value.name[:-2].rsplit(".", 1)[-1]
        if isinstance(node, Call) and not node.args and not node.keywords:
            return fix(title, [Edit(loss.where, f'"{new}"')], safe=safe)
        if isinstance(node, Call) and new in LOSS_CLASSES:
            func = document.index.range_of(node.func)
            tail = rename_tail(document, func, old_class, LOSS_CLASSES[new])
            return fix(title, [tail] if tail and tail.range.start != func.start else None,
                       safe=safe)
        return None
    return fix(title, [Edit(loss.where, f'"{new}"')], safe=safe)


def _to_categorical_fix(document: Document, feed: Feed, units: int) -> Fix | None:
    assert feed.y is not None
    bounds = feed.y.value.bounds
    if bounds is not None and (bounds[1] >= units or bounds[0] < 0):
        return None
    name, imports = Imports(document, feed.y.where.start).reference(
        "keras.utils.to_categorical")
    prefix, suffix = wrap(feed.y.where, f"{name}(", f", {units})")
    return fix(f"One-hot encode the labels: {name}(y, {units})", [*imports, prefix, suffix],
               safe=False)


def _argmax_fix(document: Document, feed: Feed) -> Fix | None:
    assert feed.y is not None
    name, imports = Imports(document, feed.y.where.start).reference("numpy.argmax")
    prefix, suffix = wrap(feed.y.where, f"{name}(", ", axis=-1)")
    return fix(f"Turn the one-hot labels into classes: {name}(y, axis=-1)",
               [*imports, prefix, suffix], safe=False)


def _head_dense(report: ModelReport) -> LayerCall | None:
    for layer in reversed(report.layers):
        call = layer.entry.layer
        if not isinstance(call, LayerCall):
            return None
        if call.kind == "Dense":
            return call
        if not facts_of(call.kind).keeps_rank:
            return None
    return None


def units_fix(report: ModelReport, document: Document, units: int) -> Fix | None:
    dense = _head_dense(report)
    if dense is None or report.model.file is not None:
        return None
    edit = units_edit(document, dense, units)
    if edit is None:
        return None
    return fix(f"Give {dense.label} {units} units", [edit], safe=False)


def _reduce_fixes(report: ModelReport, document: Document) -> Iterable[Fix | None]:
    """Make the head see one vector per sample: Flatten or pooling before it, or an RNN that
    returns only its last output."""
    layers = report.layers
    start = len(layers)
    while start > 0:
        layer = layers[start - 1]
        call = layer.entry.layer
        keeps_rank = isinstance(call, LayerCall) and (
            facts_of(call.kind).keeps_rank or call.kind == "Dense")
        if not (keeps_rank and layer.input_shape is not None and len(layer.input_shape) >= 3):
            break
        start -= 1
    if start == len(layers):
        return
    rank = len(layers[start].input_shape or ())
    imports = Imports(document, layers[start].entry.range.start)
    for kind in ("Flatten", f"GlobalAveragePooling{rank - 2}D" if 3 <= rank <= 5 else None):
        if kind is None:
            continue
        text, extra = layer_call_text(imports, kind)
        edits = insert_layer(document, report.model, start, text)
        yield fix(f"Insert {kind}() before {layers[start].label}",
                  [*extra, *edits] if edits else None, safe=False)
    if start > 0:
        producer = layers[start - 1].entry.layer
        if isinstance(producer, LayerCall) and facts_of(producer.kind).rnn:
            try:
                returns = LayerArgs(producer, RULES[producer.kind or ""].params).flag(
                    "return_sequences", False)
            except Unknowable:
                returns = False
            if returns:
                yield fix(f"Set return_sequences=False on {producer.label}",
                          set_keyword(document, producer, "return_sequences", "False"),
                          safe=False)
