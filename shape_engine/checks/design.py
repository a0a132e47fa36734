"""How the layers of a model fit together beyond their shapes. SL501-SL502 (information;
SL501 off by default), and design smells SL511-SL514 (opinions: off unless selected, see
`selection`).

Each looks at neighbouring layers of one Sequential stack; a nested model is checked as its
own stack.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import TYPE_CHECKING

from shape_engine.checks.outputs import Activation, activation_of
from shape_engine.context import Document
from shape_engine.findings import Finding, Fix, Related, Severity
from shape_engine.fixes import fix, fixes, remove_layer, set_keyword
from shape_engine.ir import LayerCall
from shape_engine.layers import RULES
from shape_engine.layers.base import LayerArgs, Unknowable, facts_of
from shape_engine.rule import Rule
from shape_engine.shapes import format_shape, product

if TYPE_CHECKING:
    from shape_engine.interpret import LayerReport, ModelReport

LINEAR_LAYERS_COLLAPSE = Rule(
    "SL501", "linear-layers-collapse", Severity.INFO,
    "Two Dense (or convolution) layers with nothing non-linear between them: they compute one "
    "linear map.",
    "A layer without activation is linear; the next Dense layer applied to it is linear too, "
    "so together they compute x @ W1 @ W2 + b, one matrix product. When the first layer is "
    "at least as wide as the narrower of its input and the second layer, the pair represents "
    "exactly the maps the second layer alone can: the first layer's weights add parameters "
    "and nothing else. Dropout, noise and BatchNormalization between them are linear at "
    "inference and do not change this. A narrower first layer is a deliberate low-rank "
    "bottleneck and is not reported; for convolutions only a 1x1 second convolution (which "
    "composes into one convolution exactly) is. Usually an activation was forgotten: "
    "add activation=\"relu\" to the first layer. Off by default for now: linear stacks are "
    "common in quick experiments and shape-only code; turn it on with `--extend-select "
    "SL501`.",
    default_enabled=False,
)

ACTIVATION_TWICE = Rule(
    "SL502", "activation-applied-twice", Severity.INFO,
    "The same activation is applied twice in a row.",
    "`Dense(..., activation=\"relu\")` followed by `Activation(\"relu\")` (or `ReLU()`) "
    "applies relu twice: harmless but redundant. For softmax and sigmoid it changes the "
    "output: a second softmax flattens the probabilities towards uniform (over 10 classes "
    "every output ends between 0.09 and 0.25), a second sigmoid squeezes them into [0.5, "
    "0.73]. Remove one of them.",
)

DROPOUT_BEFORE_BATCHNORM = Rule(
    "SL511", "dropout-before-batchnorm", Severity.INFO,
    "Dropout directly before BatchNormalization (a design smell).",
    "Dropout scales the surviving activations during training only, so BatchNormalization "
    "learns moving statistics of a variance it never sees at inference (the 'variance "
    "shift' of Li et al., Understanding the Disharmony between Dropout and Batch "
    "Normalization, CVPR 2019), which costs accuracy. Put Dropout after the normalised "
    "layers, e.g. just before the classifier. Off by default: an opinion, not a bug; turn "
    "it on with `--extend-select SL511` or a level in `shapelens.severity`.",
    default_enabled=False,
)

BIAS_BEFORE_BATCHNORM = Rule(
    "SL512", "bias-before-batchnorm", Severity.INFO,
    "A Dense or convolution layer with a bias feeds BatchNormalization, which cancels it (a "
    "design smell).",
    "BatchNormalization subtracts the batch mean of each feature, so a bias added just "
    "before it is removed again and never affects the output; BatchNormalization's own "
    "offset (center=True) takes its role (Ioffe and Szegedy, Batch Normalization, 2015, "
    "section 3.2). The bias only costs parameters and optimizer state. Use use_bias=False. "
    "Off by default: turn it on with `--extend-select SL512`.",
    default_enabled=False,
)

POOLING_SHRINKS_TOO_MUCH = Rule(
    "SL513", "pooling-shrinks-too-much", Severity.INFO,
    "One pooling layer keeps fewer than one position in 16 (a design smell).",
    "Common architectures pool 2x2 (or 3x3 with stride 2) at a time, keeping a quarter of "
    "the positions per step, with convolutions between to summarise what is dropped; a "
    "single pooling with a window of 5x5 or more throws away most of the spatial detail at "
    "once. Pooling that ends at 1x1 (a global pooling written with a window) is not "
    "reported. Off by default: turn it on with `--extend-select SL513`.",
    default_enabled=False,
)

WIDTHS_GROW = Rule(
    "SL514", "widths-grow-towards-output", Severity.INFO,
    "Hidden Dense layers get wider towards the output (a design smell).",
    "A classifier's dense head usually narrows from the features to the classes (a funnel): "
    "a hidden layer wider than the one before it cannot hold more information than its "
    "input and adds parameters and overfitting. Off by default: turn it on with "
    "`--extend-select SL514`.",
    default_enabled=False,
)

MAX_POOLING_RATIO = 16


def check_design(report: ModelReport, document: Document) -> Iterator[Finding]:
    if report.refused or report.model.file is not None:
        return
    # Past `opaque_from` the layers may not be those recorded: only what comes before counts.
    known = report.model.opaque_from
    layers = report.layers if known is None else report.layers[:known]
    for index, layer in enumerate(layers):
        call = _call(layer)
        if call is None or call.file is not None:
            continue
        following = layers[index + 1] if index + 1 < len(layers) else None
        yield from _collapse(report, layers, index)
        yield from _twice(report, layers, index, document)
        if following is not None and _kind(following) == "BatchNormalization":
            if facts_of(call.kind).dropout:
                yield DROPOUT_BEFORE_BATCHNORM.finding(
                    f"{layer.label} directly before {following.label}: dropout changes the "
                    "variance the normalisation learns during training only; move the "
                    "dropout after the normalised layers", at=layer.range)
            yield from _bias_before_norm(layer, following, document)
        if facts_of(call.kind).local_pooling:
            yield from _pooling(layer)
    if known is None:
        yield from _widths(report)


def _call(layer: LayerReport) -> LayerCall | None:
    entry = layer.entry.layer
    return entry if isinstance(entry, LayerCall) and entry.kind is not None else None


def _kind(layer: LayerReport) -> str | None:
    call = _call(layer)
    return call.kind if call is not None else None


def _args(call: LayerCall) -> LayerArgs | None:
    rule = RULES.get(call.kind or "")
    return LayerArgs(call, rule.params) if rule is not None else None


# -- SL501 -----------------------------------------------------------------------------------


def _collapse(report: ModelReport, layers: list[LayerReport], index: int
              ) -> Iterator[Finding]:
    first = layers[index]
    kind = _kind(first)
    conv = facts_of(kind).conv
    if kind != "Dense" and not conv:
        return
    head = activation_of(first, report)
    if head is None or head.name != "linear":
        return
    after = index + 1
    while after < len(layers) and facts_of(_kind(layers[after])).linear:
        after += 1
    if after >= len(layers) or _kind(layers[after]) != kind:
        return
    second = layers[after]
    call = _call(second)
    if call is None or (conv and not _pointwise(call)):
        return
    if not (first.input_shape and first.output_shape and second.output_shape):
        return
    features, width, out = first.input_shape[-1], first.output_shape[-1], second.output_shape[-1]
    if width is None or out is None or width < min(features or out, out):
        return  # a narrower first layer: a deliberate bottleneck
    first_call = _call(first)
    if first_call is None or (
            conv and first_call.image_data_format != "channels_last"):
        return
    yield LINEAR_LAYERS_COLLAPSE.finding(
        f"{first.label} has no activation and feeds {second.label} with nothing non-linear "
        f"between: together they are one linear map from {features} to {out} features; add "
        "an activation to the first", at=first.range,
        related=(Related(second.range, f"{second.label} outputs "
                         f"{format_shape(second.output_shape)}"),))


def _pointwise(call: LayerCall) -> bool:
    args = _args(call)
    if args is None:
        return False
    rank = int(call.kind[-2]) if call.kind and call.kind[-2].isdigit() else 0
    try:
        return (args.ints("kernel_size", rank) == (1,) * rank
                and args.ints("strides", rank, 1) == (1,) * rank
                and args.integer("groups", 1) == 1)
    except Unknowable:
        return False


# -- SL502 -----------------------------------------------------------------------------------


def _twice(report: ModelReport, layers: list[LayerReport], index: int, document: Document
           ) -> Iterator[Finding]:
    first = activation_of(layers[index], report)
    if first is None or first.name in (None, "linear") or first.layer is not layers[index]:
        return
    if first.call is not None and facts_of(first.call.kind).rnn:
        return  # an RNN's activation is inside its cell: its output is not that activation's

    if index + 1 >= len(layers):
        return
    second = activation_of(layers[index + 1], report)
    if second is None or second.name != first.name or second.as_argument:
        return
    call = _call(layers[index + 1])
    if call is None or not (call.kind in ("Activation", "Softmax")
                            or facts_of(call.kind).applies_activation is not None):
        return
    yield ACTIVATION_TWICE.finding(
        f"{second.layer.label} applies {second.name} again after {first.layer.label}, which "
        f"already applies it; remove one of them", at=second.layer.range,
        related=(Related(first.where or first.layer.range,
                         f"{first.layer.label} applies {first.name}"),),
        fixes=fixes(_remove(report, index + 1, document, second)))


def _remove(report: ModelReport, index: int, document: Document, second: Activation
            ) -> Fix | None:
    edits = remove_layer(document, report.model, index)
    return fix(f"Remove {second.layer.label}", edits, safe=False)


# -- smells ----------------------------------------------------------------------------------


def _bias_before_norm(layer: LayerReport, norm: LayerReport, document: Document
                      ) -> Iterator[Finding]:
    call, norm_call = _call(layer), _call(norm)
    if call is None or norm_call is None or not facts_of(call.kind).biased:
        return
    args, norm_args = _args(call), _args(norm_call)
    if args is None or norm_args is None:
        return
    try:
        biased = args.flag("use_bias", True)
        centred = norm_args.flag("center", True)
        axis = norm_args.raw("axis", -1)
    except Unknowable:
        return
    head = activation_of(layer)
    if not biased or not centred or axis != -1 or head is None or head.name != "linear":
        return
    if call.kind != "Dense" and call.image_data_format != "channels_last":
        return
    yield BIAS_BEFORE_BATCHNORM.finding(
        f"{layer.label} adds a bias that {norm.label} subtracts again with the batch mean; "
        "use use_bias=False", at=layer.range,
        fixes=fixes(fix(f"Set use_bias=False on {layer.label}",
                        set_keyword(document, call, "use_bias", "False"), safe=False)))


def _pooling(layer: LayerReport) -> Iterator[Finding]:
    before, after = layer.input_shape, layer.output_shape
    if not before or not after or len(before) < 3:
        return
    call = _call(layer)
    assert call is not None
    spatial = slice(1, -1) if call.image_data_format == "channels_last" else slice(2, None)
    size_in, size_out = product(before[spatial]), product(after[spatial])
    if size_in is None or size_out is None or size_out <= 1:
        return
    if size_in > MAX_POOLING_RATIO * size_out:
        yield POOLING_SHRINKS_TOO_MUCH.finding(
            f"{layer.label} keeps {size_out} of {size_in} positions "
            f"({format_shape(before)} -> {format_shape(after)}) in one step; pool in smaller "
            "steps with convolutions between", at=layer.range)


def _widths(report: ModelReport) -> Iterator[Finding]:
    """The dense head at the end of the model: hidden layers wider than the one before."""
    denses: list[LayerReport] = []
    for layer in reversed(report.layers):
        kind = _kind(layer)
        facts = facts_of(kind)
        if kind == "Dense":
            denses.insert(0, layer)
        elif not facts.linear and kind != "Activation" and facts.applies_activation is None:
            break
    hidden = denses[:-1]
    for previous, layer in pairwise(hidden):
        width_before = previous.output_shape[-1] if previous.output_shape else None
        width = layer.output_shape[-1] if layer.output_shape else None
        call = _call(layer)
        if width_before and width and width > width_before and call and call.file is None:
            yield WIDTHS_GROW.finding(
                f"{layer.label} ({width} units) is wider than {previous.label} before it "
                f"({width_before}); a dense head usually narrows towards the output",
                at=layer.range)
            return
