"""Where the model meets its data: fit, evaluate, predict, *_on_batch and model(x). SL2xx.

What Keras 3 does with x before the first layer sees it (keras/src/models/functional.py,
`_adjust_input_rank`): equal ranks pass; one extra trailing axis of size 1 is squeezed; one
missing trailing axis is added when the declared input ends in 1; any other rank difference
raises. Nothing else is checked at the input: each layer then checks the axes its weights were
built for (Dense and RNNs the last axis, convolutions the channel axis), so a wrong feature
count fails at the first such layer, possibly after a Flatten has multiplied it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from shape_engine.bindings import defining_target
from shape_engine.checks.build_fixes import declared_shape_range
from shape_engine.context import Document
from shape_engine.findings import Edit, Finding, Fix, Range, Related, Severity
from shape_engine.fixes import Imports, fix, fixes, node_at, sequence_at, shape_literal, wrap
from shape_engine.interpret import interpret
from shape_engine.ir import LayerCall, ModelIR, TrainingCall
from shape_engine.keras_version import is_keras_2
from shape_engine.layers.base import facts_of, is_input_kind
from shape_engine.rule import Rule
from shape_engine.shapes import Shape, dims_compatible, format_shape, product
from shape_engine.values import ArrayValue, Seq, Value, constant

if TYPE_CHECKING:
    # Imported when used: the interpreter imports the check rules, so not at load time.
    from shape_engine.interpret import LayerReport, ModelReport

INPUT_MISMATCH = Rule(
    "SL201", "data-input-mismatch", Severity.ERROR,
    "The data given to fit/evaluate/predict does not fit the model's input.",
    "Keras compares the rank of x with the model's input, after adding or dropping one "
    "trailing axis of size 1 by itself, then each layer checks the axes it was built for: a "
    "Dense layer built for 100 features refuses 200. An RNN needs 3-D data (samples, "
    "timesteps, features); Dense layers after a Flatten need the same number of elements "
    "per sample as the model was built with. A functional model (keras.Model) also checks "
    "every declared axis of each Input, a trailing axis of size 1 aside: Input((10, 3)) "
    "refuses data of (N, 12, 3), even where its layers would take it. With keras-version "
    "\"2\", tf.keras 2 checks every axis of a Sequential model's declared input too.",
)

MISSING_BATCH_AXIS = Rule(
    "SL202", "missing-batch-axis", Severity.ERROR,
    "A single sample is given without its batch axis.",
    "predict, evaluate and model(x) take a batch: an array whose first axis counts the "
    "samples. One sample of shape (5,) for a model whose input is (None, 5) must be given as "
    "np.expand_dims(x, 0), of shape (1, 5).",
)

SAMPLE_READ_AS_BATCH = Rule(
    "SL203", "sample-read-as-batch", Severity.WARNING,
    "A single sample without batch axis is silently read as a batch of smaller samples.",
    "When the model's input ends in an axis of size 1, Keras adds that axis to data one rank "
    "short. A single image (28, 28, 1) given to a model of input (None, 28, 28, 1) is then "
    "read as 28 samples of shape (28, 1, 1): the results are not what was meant, when it "
    "runs at all. A functional model's input check lets such a sample through when its "
    "leading axes are equal (28, 28): each input of a model with several is checked so. Add "
    "the batch axis with np.expand_dims(x, 0).",
)

SAMPLE_COUNT_MISMATCH = Rule(
    "SL204", "sample-count-mismatch", Severity.ERROR,
    "x and y hold different numbers of samples.",
    "Keras pairs x[i] with y[i]: both need the same first dimension, or it raises 'Data "
    "cardinality is ambiguous'. A mismatch usually means labels from another split or a "
    "missed transpose.",
)

NOT_COMPILED = Rule(
    "SL205", "fit-before-compile", Severity.ERROR,
    "fit/evaluate/train_on_batch is called before compile().",
    "Training and evaluation need a loss and an optimizer, which compile() sets. Keras "
    "raises 'You must call compile() before using the model'. predict() does not need it.",
)

LABELED_METHODS = frozenset({"fit", "evaluate", "train_on_batch", "test_on_batch"})
DEFAULT_BATCH_SIZE = 32
# Refusals that only say a dim is unknown: at run time the dim is known, nothing is refused.
UNKNOWN_DIM_CODES = frozenset({"SL102"})
# The arguments of a first layer that declare the model's input (see declared_input_shape).
DECLARING_KWARGS = ("batch_input_shape", "input_dim", "input_shape")
MAX_NESTED_DECLARATION = 8


# -- what a call feeds the model -----------------------------------------------------------------


@dataclass(frozen=True)
class Data:
    """An array given to fit/evaluate/predict, with a known shape."""

    value: ArrayValue
    where: Range  # the argument

    @property
    def shape(self) -> Shape:
        assert self.value.shape is not None
        return self.value.shape


@dataclass(frozen=True)
class Feed:
    """One (x, y) pair a call gives the model: its main data or its validation data."""

    call: TrainingCall
    method: str  # for messages: "fit", "fit validation_data", "model(...)"
    x: Data | None
    y: Data | None
    batch_size: int | None  # size of the full batches; None when unknown

    def batch_sizes(self) -> set[int] | None:
        """The sizes of the batches Keras makes of these samples, when known."""
        count = self.samples
        if count is None:
            return None
        if self.batch_size is None:
            return None
        full = min(self.batch_size, count)
        sizes = {full} if full else set()
        if count > self.batch_size and count % self.batch_size:
            sizes.add(count % self.batch_size)
        return sizes

    @property
    def samples(self) -> int | None:
        for data in (self.x, self.y):
            if data is not None and data.shape and data.shape[0] is not None:
                return data.shape[0]
        return None


def _data(value: Value | None, where: Range | None) -> Data | None:
    if not isinstance(value, ArrayValue) or value.shape is None or where is None:
        return None
    return Data(value, where)


def _batch_size(call: TrainingCall, position: int) -> int | None:
    if call.method.endswith("_on_batch") or call.method == "__call__":
        return None  # one batch: every sample at once
    value, _ = call.argument("batch_size", position)
    if value is None:
        return DEFAULT_BATCH_SIZE
    size = constant(value)
    if size is None:
        return DEFAULT_BATCH_SIZE
    return size if isinstance(size, int) and not isinstance(size, bool) and size > 0 else None


def method_name(call: TrainingCall) -> str:
    return "model(...)" if call.method == "__call__" else call.method


def feeds(call: TrainingCall, document: Document) -> list[Feed]:
    name = method_name(call)
    x_value, x_range = call.argument("inputs" if call.method == "__call__" else "x", 0)
    y_value, y_range = (call.argument("y", 1) if call.method in LABELED_METHODS
                        else (None, None))
    position = 2 if call.method in ("fit", "evaluate") else 1
    batch = _batch_size(call, position)
    result = [Feed(call, name, _data(x_value, x_range),
                   _data(y_value, y_range), batch)]
    validation, where = call.argument("validation_data", 99)
    if call.method == "fit" and isinstance(validation, Seq) and len(validation.items) >= 2:
        node = sequence_at(document, where) if where is not None else None
        ranges: list[Range | None] = [where, where]
        if node is not None and len(node.elts) == len(validation.items):
            ranges = [document.index.range_of(e) for e in node.elts[:2]]
        validation_batch = call.kwargs.get("validation_batch_size")
        size = constant(validation_batch) if validation_batch is not None else batch
        result.append(Feed(call, f"{name} validation_data",
                           _data(validation.items[0], ranges[0]),
                           _data(validation.items[1], ranges[1]),
                           size if isinstance(size, int) else None))
    return result


# -- the checks ----------------------------------------------------------------------------------


def check_training(report: ModelReport, document: Document) -> Iterator[Finding]:
    model = report.model
    for call in model.trainings:
        if (call.method in LABELED_METHODS and not call.compiled_before and call.certain
                and not model.opaque):
            yield NOT_COMPILED.finding(
                f"{call.method}() is called before compile(): Keras has no loss and optimizer "
                "to train or evaluate with", at=call.method_range)
        if not call.dataset_batched:
            continue  # a dataset of single samples: SL211 (checks.datasets) says it all
        for feed in feeds(call, document):
            yield from _sample_counts(feed, document)
            if feed.x is not None and not report.refused:
                yield from _input(report, feed, document)


def _sample_counts(feed: Feed, document: Document) -> Iterator[Finding]:
    if feed.x is None or feed.y is None:
        return
    x_count, y_count = feed.x.shape[0] if feed.x.shape else None, (
        feed.y.shape[0] if feed.y.shape else None)
    if x_count is None or y_count is None or x_count == y_count:
        return
    yield SAMPLE_COUNT_MISMATCH.finding(
        f"{feed.method}: x has {x_count} samples (shape {format_shape(feed.x.shape)}) but y "
        f"has {y_count} (shape {format_shape(feed.y.shape)}): Keras needs one label per "
        "sample", at=feed.y.where,
        related=(Related(feed.x.where, f"x: {format_shape(feed.x.shape)}"),
                 *_definitions(document, (feed.y, "y"), (feed.x, "x"))))


def _input(report: ModelReport, feed: Feed, document: Document) -> Iterator[Finding]:
    expected = report.input_shape
    if expected is None or report.input_origin not in ("declared", "build", "data"):
        return
    assert feed.x is not None
    x = feed.x.shape
    adjusted = adjust_rank(x, expected)
    if adjusted is None:
        return  # whether Keras squeezes depends on a dim that is not known
    if adjusted is False:
        yield _rank_mismatch(report, feed, document)
        return
    single = len(x) == len(expected) - 1 and _is_one_sample(x, expected)
    # Data the model was built for needs no second run through the layers.
    problem = (None if _compatible(adjusted[1:], expected[1:]) and not single
               else _layer_problem(report, adjusted))
    if single:
        yield _single_sample(report, feed, document, problem)
        return
    if problem is not None:
        yield _feature_mismatch(report, feed, problem, document)
    elif (is_keras_2() and report.input_origin == "declared"
          and not _compatible(adjusted[1:], expected[1:])):
        yield _declared_axes_mismatch(report, feed, adjusted, document)


def adjust_rank(x: Shape, expected: Shape) -> Shape | Literal[False] | None:
    """The shape Keras passes on after its rank adjustment; False when it raises."""
    if len(x) == len(expected):
        return x
    if len(x) == len(expected) + 1:
        if x[-1] is None:
            return None
        if x[-1] == 1:
            return x[:-1]
    if len(x) == len(expected) - 1 and expected[-1] == 1:
        return (*x, 1)
    return False


def _is_one_sample(x: Shape, expected: Shape) -> bool:
    """x is exactly one sample of the declared input (whose dims must all be known: (100, 10)
    for an input (None, None, 10) is as likely 100 samples of a 2-D model), and Keras does not
    read it as that very sample: (1,) for an input (None, 1) gets its trailing axis, (1, 1),
    which is one sample of (1,)."""
    return (None not in expected[1:] and tuple(x) == tuple(expected[1:])
            and any(d != 1 for d in expected[1:]))


@dataclass(frozen=True)
class LayerProblem:
    """A layer that the data would rebuild or refuse: what it was built for and gets."""

    layer: LayerReport
    built: Shape  # what the layer was built for
    received: Shape  # what the data makes it receive
    axis: int | None  # the fixed axis that differs; None for a refusal
    refusal: Finding | None
    first: bool  # the layer is the first to see the data


def _layer_problem(report: ModelReport, data: Shape) -> LayerProblem | None:
    """Run the data through the built layers: the first layer that cannot take it."""
    run = interpret(report.model, run_on=(None, *data[1:]))
    first = True
    for built, fed in zip(report.layers, run.layers, strict=False):
        layer = built.entry.layer
        if isinstance(layer, LayerCall) and is_input_kind(layer.kind):
            continue
        if built.input_shape is None or fed.input_shape is None:
            return None
        if fed.output_shape is None and built.output_shape is not None:
            refusal = run.findings[0] if run.findings else None
            if refusal is None or refusal.code in UNKNOWN_DIM_CODES:
                return None
            return LayerProblem(built, built.input_shape, fed.input_shape, None, refusal, first)
        if not _compatible(built.input_shape, fed.input_shape):
            axes = fixed_axes(layer, len(built.input_shape))
            if axes is None:
                return None
            for axis in axes:
                a, b = built.input_shape[axis], fed.input_shape[axis]
                if a is not None and b is not None and a != b:
                    return LayerProblem(built, built.input_shape, fed.input_shape, axis, None,
                                        first)
        first = False
    return None


def _compatible(a: Shape, b: Shape) -> bool:
    return len(a) == len(b) and all(dims_compatible(x, y) for x, y in zip(a, b, strict=True))


def fixed_axes(layer: LayerCall | ModelIR | None, rank: int) -> list[int] | None:
    """The input axes a built layer holds fixed; None when not known for this layer."""
    if not isinstance(layer, LayerCall) or layer.kind is None:
        return None
    facts = facts_of(layer.kind)
    if facts.size_free:
        return []
    if facts.weights_axis == "last":
        return [rank - 1]
    if facts.weights_axis == "channels":
        given = layer.kwargs.get("data_format")
        # Not given: the global image_data_format when the layer was made (None: unknown).
        data_format = constant(given) if given is not None else layer.image_data_format
        if isinstance(data_format, str) and data_format.lower() == "channels_last":
            return [rank - 1]
        if isinstance(data_format, str) and data_format.lower() == "channels_first":
            return [1]
    return None


def _axis_name(axis: int, rank: int) -> str:
    return "-1" if axis == rank - 1 else str(axis)


def _feature_mismatch(report: ModelReport, feed: Feed, problem: LayerProblem,
                      document: Document) -> Finding:
    assert feed.x is not None
    head = (f"{feed.method}: x has shape {format_shape(feed.x.shape)} but the model expects "
            f"{format_shape(report.input_shape)}")
    label = problem.layer.label
    if problem.refusal is not None:
        detail = (f"{label} then receives {format_shape(problem.received)} and Keras refuses "
                  f"it: {problem.refusal.message}")
    elif problem.first and problem.axis is not None:
        detail = (f"axis {_axis_name(problem.axis, len(problem.built))} is "
                  f"{problem.received[problem.axis]}, {label} needs "
                  f"{problem.built[problem.axis]}")
    else:
        detail = (f"{label} then receives {format_shape(problem.received)} instead of "
                  f"{format_shape(problem.built)}")
    layer_file = (problem.layer.entry.layer.file
                  if isinstance(problem.layer.entry.layer, LayerCall) else report.model.file)
    related = (*_origins(report, feed, document),
               Related(problem.layer.range, f"{label} is added here", layer_file))
    return INPUT_MISMATCH.finding(f"{head}: {detail}", at=feed.x.where,
                                  related=related)


def _declared_axes_mismatch(report: ModelReport, feed: Feed, x: Shape, document: Document
                            ) -> Finding:
    """tf.keras 2 checks every axis of a declared input at fit/predict, where Keras 3
    checks only the rank and what the layers were built for."""
    assert feed.x is not None and report.input_shape is not None
    expected = report.input_shape
    axes = [str(axis) for axis in range(1, len(expected))
            if not dims_compatible(x[axis], expected[axis])]
    return INPUT_MISMATCH.finding(
        f"{feed.method}: x has shape {format_shape(feed.x.shape)} but the model's input is "
        f"declared as {format_shape(expected)}: tf.keras 2 checks every declared axis "
        f"(axis {', '.join(axes)} differs)", at=feed.x.where,
        related=_origins(report, feed, document))


def _rank_mismatch(report: ModelReport, feed: Feed, document: Document) -> Finding:
    assert feed.x is not None and report.input_shape is not None
    x, expected = feed.x.shape, report.input_shape
    first = next((layer for layer in report.layers if not (
        isinstance(layer.entry.layer, LayerCall) and is_input_kind(layer.entry.layer.kind))),
        None)
    if len(x) == len(expected) - 1 and _is_one_sample(x, expected):
        return MISSING_BATCH_AXIS.finding(
            f"{feed.method}: x has shape {format_shape(x)}, one sample of the model's input "
            f"{format_shape(expected)} without its batch axis: give a batch of shape "
            f"{format_shape((1, *x))}", at=feed.x.where,
            related=_origins(report, feed, document),
            fixes=fixes(_expand_dims_fix(feed, document, 0, safe=True)))
    why = f"rank {len(x)} instead of {len(expected)}"
    if first is not None:
        why += f"; {first.label} is the first layer"
    hint = ("Keras only adds or drops a trailing axis of size 1" if abs(
        len(x) - len(expected)) == 1 else "Keras does not change the rank of data")
    drop = _drop_batch_dimension(report, x, document)
    unknown_first = expected[1] is None if len(expected) > 1 else False
    return INPUT_MISMATCH.finding(
        f"{feed.method}: x has shape {format_shape(x)} but the model expects "
        f"{format_shape(expected)}: {why} ({hint})", at=feed.x.where,
        related=_origins(report, feed, document),
        fixes=fixes(drop if unknown_first else None, *_rank_fixes(feed, expected, document),
                    drop))


def _single_sample(report: ModelReport, feed: Feed, document: Document,
                   problem: LayerProblem | None) -> Finding:
    assert feed.x is not None and report.input_shape is not None
    x = feed.x.shape
    per_sample = format_shape((*x[1:], 1))
    expand = fixes(_expand_dims_fix(feed, document, 0, safe=True))
    message = (f"{feed.method}: x has shape {format_shape(x)}, one sample of the model's input "
               f"{format_shape(report.input_shape)} without its batch axis: Keras reads it as "
               f"{_samples(x[0])} of shape {per_sample}")
    related = _origins(report, feed, document)
    if problem is not None:
        return MISSING_BATCH_AXIS.finding(message + ", which the model cannot take",
                                          at=feed.x.where, related=related, fixes=expand)
    return SAMPLE_READ_AS_BATCH.finding(message, at=feed.x.where, related=related,
                                        fixes=expand)


# -- where the conflicting shapes come from ----------------------------------------------------


def _origins(report: ModelReport, feed: Feed, document: Document) -> tuple[Related, ...]:
    """Where x was defined and where the model's input is declared: the two shapes that
    disagree."""
    assert feed.x is not None
    declaration = _input_declaration(report)
    return (*_definitions(document, (feed.x, "x")),
            *((declaration,) if declaration is not None else ()))


def _input_declaration(report: ModelReport) -> Related | None:
    """The Input(...), `input_shape=` (or `input_dim=`) or model.build(...) that fixes the
    model's input shape. A model built from its first data has none."""
    expected = report.input_shape
    if expected is None:
        return None
    model = report.model
    if report.input_origin == "build":
        if not model.builds:
            return None
        return Related(model.builds[0].range,
                       f"the model input is set here: {format_shape(expected)}", model.file)
    if report.input_origin != "declared":
        return None
    entry = model.entries[0] if model.entries else None
    for _ in range(MAX_NESTED_DECLARATION):  # a model whose first layer is a model
        if entry is None or not isinstance(entry.layer, ModelIR):
            break
        entry = entry.layer.entries[0] if entry.layer.entries else None
    if entry is None or not isinstance(entry.layer, LayerCall):
        return None
    layer = entry.layer
    if is_input_kind(layer.kind):
        where: Range | None = entry.range
    else:
        where = next((layer.kwarg_ranges[name] for name in DECLARING_KWARGS
                      if name in layer.kwarg_ranges), None)
    if where is None:
        return None
    return Related(where, f"the model input is declared here: {format_shape(expected)}",
                   layer.file)


def _definitions(document: Document, *given: tuple[Data | None, str]) -> list[Related]:
    """For data given as a name: the assignment that certainly defined it (see
    `defining_target`)."""
    related = []
    for data, role in given:
        node = node_at(document, data.where) if data is not None else None
        if not isinstance(node, ast.Name):
            continue  # written in the call, or an expression: the argument itself shows it
        target = defining_target(document, node)
        if target is None:
            continue
        what = node.id if node.id == role else f"{role} ({node.id})"
        related.append(Related(document.index.range_of(target), f"{what} is defined here"))
    return related


def _samples(count: int | None) -> str:
    return "1 sample" if count == 1 else f"{count} samples"


def _expand_dims_fix(feed: Feed, document: Document, axis: int, safe: bool) -> Fix | None:
    assert feed.x is not None
    name, imports = Imports(document, feed.x.where.start).reference("numpy.expand_dims")
    prefix, suffix = wrap(feed.x.where, f"{name}(", f", {axis})")
    what = "a batch axis" if axis == 0 else f"an axis at {axis}"
    return fix(f"Add {what}: {name}(x, {axis})", [*imports, prefix, suffix], safe=safe)


def _drop_batch_dimension(report: ModelReport, x: Shape, document: Document) -> Fix | None:
    """`input_shape=(None, 784)` (or `(32, 784)`) for data of shape (N, 784): the declared
    input holds a batch dimension. Safe when that dimension is None: no sample has it."""
    expected = report.input_shape
    if (expected is None or report.input_origin != "declared" or len(expected) < 3
            or len(x) != len(expected) - 1 or not _compatible(x[1:], expected[2:])
            or None in expected[2:] or report.model.file is not None):
        return None
    where = declared_shape_range(report.model)
    if where is None:
        return None
    new = shape_literal(expected[2:])
    return fix(f"Drop the batch dimension from the input shape: {new}", [Edit(where, new)],
               safe=expected[1] is None)


def _rank_fixes(feed: Feed, expected: Shape, document: Document) -> Iterable[Fix | None]:
    assert feed.x is not None
    x = feed.x.shape
    if len(x) == len(expected) - 1:
        for axis in range(1, len(x)):
            candidate = (*x[:axis], 1, *x[axis:])
            if _compatible(candidate, expected):
                yield _expand_dims_fix(feed, document, axis, safe=False)
    per_sample, wanted = product(x[1:]), product(expected[1:])
    if per_sample is not None and per_sample == wanted and None not in expected[1:]:
        name, imports = Imports(document, feed.x.where.start).reference("numpy.reshape")
        target = "(-1, " + ", ".join(str(d) for d in expected[1:]) + ")"
        prefix, suffix = wrap(feed.x.where, f"{name}(", f", {target})")
        yield fix(f"Reshape x to {target}", [*imports, prefix, suffix], safe=False)
