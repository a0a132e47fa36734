"""Functional models with several inputs or outputs, or one of each in a graph that is not
a plain chain (branches, merges, nested models, shared layers), at compile, fit, evaluate,
predict and *_on_batch: how the data, labels, losses and metrics are matched to the inputs
and outputs (SL206-SL208), then each input's data checked against its Input (SL201,
SL202, SL203 for a single sample Keras reads as a batch), the sample counts of every array
(SL204), and each output's labels and loss as a one-output model's (`per_output`); fit's
validation_data the same way, and a dataset never batched input by input (SL211). A plain
chain gets the functional input check on top of the Sequential ones (`check_chain_inputs`).

Measured on Keras 3.15 (tests/graph/test_multi_io.py, test_multi_io_data.py): a functional
model compares each input's axes with its Input's from the batch axis on, a trailing axis of
size 1 dropped from either side first (`passes_input_check`), then adds or drops one trailing
axis of size 1 and runs its layers on what it got; a list of
x with another count than the inputs raises ("expects 2 named input(s)"); a dict without an
input's name raises ("Missing data for input"), extra keys are ignored; y must have exactly
the outputs' structure ("y_true and y_pred have different structures"); a loss list longer
than the outputs raises, a shorter one only warns; a loss dict must name exactly the outputs;
a metrics list must have one entry per output, a metrics dict only known names; a
loss_weights list one weight per loss. With keras-version "2" the checks of compile's lists
and dicts and of y's dict keys are left out (not measured on tf.keras 2).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shape_engine.checks.datasets import DATASET_NOT_BATCHED, unbatched
from shape_engine.checks.graph_run import refused_inside
from shape_engine.checks.ports import (
    Part,
    Port,
    Ports,
    Structure,
    model_inputs,
    model_outputs,
    parts,
    quoted,
)
from shape_engine.checks.training import (
    INPUT_MISMATCH,
    LABELED_METHODS,
    MISSING_BATCH_AXIS,
    NOT_COMPILED,
    SAMPLE_COUNT_MISMATCH,
    SAMPLE_READ_AS_BATCH,
    _is_one_sample,
    adjust_rank,
    method_name,
)
from shape_engine.context import Document
from shape_engine.findings import Finding, Range, Related, Severity
from shape_engine.fixes import sequence_at
from shape_engine.ir import CompileCall, ModelIR, TrainingCall
from shape_engine.keras_version import is_keras_2
from shape_engine.rule import Rule
from shape_engine.shapes import Shape, dims_compatible, format_shape
from shape_engine.values import ArrayValue, Seq, Value

if TYPE_CHECKING:
    from shape_engine.interpret import ModelReport

INPUT_STRUCTURE = Rule(
    "SL206", "input-structure-mismatch", Severity.ERROR,
    "The data does not match a functional model's inputs.",
    "A functional model with one input refuses a list of several arrays. "
    "A model with several inputs takes x as a list or tuple with one array per input, in the "
    "order keras.Model was given them, or as a dict keyed by the Inputs' names (the keys of "
    "the dict given to keras.Model, if it was given one). Keras refuses a list of another "
    "length, one array, and a dict without an input's name (\"Missing data for input\"); "
    "extra keys are ignored.",
)

TARGET_STRUCTURE = Rule(
    "SL207", "target-structure-mismatch", Severity.ERROR,
    "The labels do not match a multi-output model's outputs.",
    "A model with several outputs takes y as a list or tuple with one array per output, or "
    "as a dict keyed by the output layers' names (or the keys of the dict given to "
    "keras.Model). Keras compares y with the outputs' structure and refuses any other "
    "length, missing or extra keys: \"y_true and y_pred have different structures\".",
)

OUTPUT_ARGUMENT_STRUCTURE = Rule(
    "SL208", "per-output-argument-mismatch", Severity.ERROR,
    "compile() gives a loss, metrics or loss_weights list or dict that does not match the "
    "model's outputs.",
    "For a model with several outputs, compile() takes loss, metrics and loss_weights per "
    "output: as a list in the outputs' order or a dict keyed by their names. Keras refuses a "
    "loss list longer than the outputs, a loss dict that does not name exactly the outputs, a "
    "metrics list of another length or a metrics dict naming no output, and loss_weights "
    "that do not give one weight per loss.",
)

# Methods that take a whole data set: Keras compares every array's sample count first.
DATASET_METHODS = frozenset({"fit", "evaluate", "predict"})
COMPILE_POSITIONS = {"loss": 1, "loss_weights": 2, "metrics": 3}


def is_multi_io(model: ModelIR) -> bool:
    graph = model.graph
    return graph is not None and (len(graph.inputs) > 1 or len(graph.outputs) > 1)


def is_functional(model: ModelIR) -> bool:
    """A model whose data is matched to its graph's inputs and outputs: any model made by
    `keras.Model(inputs, outputs)`; a subclassed one (its graph a trace of its `call`) only
    with several inputs or outputs."""
    return model.graph is not None and (not model.subclassed or is_multi_io(model))


def check_multi_io(report: ModelReport, document: Document) -> Iterator[Finding]:
    """The structure, input and sample checks of a functional model that is not a plain
    chain (its labels and losses: `per_output`)."""
    model = report.model
    if not is_functional(model) or model.file is not None:
        return
    inputs, outputs = model_inputs(model), model_outputs(model)
    for compile_ in model.compiles:
        # Measured on Keras 3 only (tf.keras 2 applied a flat metrics list to every output).
        if compile_.file is None and len(outputs) > 1 and not is_keras_2():
            yield from _compile_structure(compile_, outputs, document)
    for call in model.trainings:
        if (call.method in LABELED_METHODS and not call.compiled_before and call.certain
                and not model.opaque):
            yield NOT_COMPILED.finding(
                f"{call.method}() is called before compile(): Keras has no loss and optimizer "
                "to train or evaluate with", at=call.method_range)
        yield from _unbatched_dataset(call, inputs, model, document)
        if not call.dataset_batched:
            continue  # its elements are single samples: SL211 says it all
        for given in _given(call, document):
            fed = _match_inputs(given.x, given.method, inputs, document)
            if isinstance(fed, Finding):
                yield fed
                fed = []
            labels = (match_labels(given.y, given.method, outputs, document)
                      if given.y is not None else [])
            if isinstance(labels, Finding):
                yield labels
                labels = []
            if call.method in DATASET_METHODS:
                yield from _sample_counts(given.method, [*fed, *labels])
            for port, part in fed:
                yield from _input_data(given.method, port, part, model)


# -- matching data to the inputs and outputs -----------------------------------------------------


Matched = list[tuple[Port, Part]]


@dataclass(frozen=True)
class Given:
    """What one call gives the model: its x and y, or its validation_data's."""

    method: str  # for messages: "fit", "fit validation_data", "model(...)"
    x: Part | None
    y: Part | None  # None: the method takes no labels


def _given(call: TrainingCall, document: Document) -> list[Given]:
    method = method_name(call)
    x = _part(*call.argument("inputs" if call.method == "__call__" else "x", 0))
    y = _part(*call.argument("y", 1)) if call.method in LABELED_METHODS else None
    given = [Given(method, x, y)]
    validation = validation_parts(call, document)
    if validation is not None:
        given.append(Given(f"{method} validation_data", *validation))
    return given


def _part(value: Value | None, where: Range | None) -> Part | None:
    return None if value is None or where is None else Part(value, where)


def validation_parts(call: TrainingCall, document: Document) -> tuple[Part, Part] | None:
    """fit's validation_data=(x_val, y_val[, sample_weight]) as its x and y, each where it
    is written (the whole argument when it is not written as a tuple)."""
    value, where = call.argument("validation_data", 99)
    if call.method != "fit" or not isinstance(value, Seq) or not 2 <= len(value.items) <= 3 or (
            where is None):
        return None
    node = sequence_at(document, where)
    if node is not None:
        if len(node.elts) != len(value.items) or any(
                isinstance(e, ast.Starred) for e in node.elts):
            return None
        return (Part(value.items[0], document.index.range_of(node.elts[0])),
                Part(value.items[1], document.index.range_of(node.elts[1])))
    return Part(value.items[0], where), Part(value.items[1], where)


def _match_inputs(x: Part | None, method: str, inputs: Ports, document: Document
                  ) -> Matched | Finding:
    given = parts(x.value, x.where, document) if x is not None else None
    count = len(inputs)
    if given is None or x is None:
        return []
    where = x.where
    if isinstance(given, Part):
        if count == 1:
            return [(inputs.ports[0], given)]
        if isinstance(given.value, ArrayValue):
            return INPUT_STRUCTURE.finding(
                f"{method}: the model has {count} inputs ({_names(inputs)}) but x is one "
                "array: give a list with one array per input, or a dict keyed by their names",
                at=where)
        return []
    if isinstance(given, list):
        if inputs.keyed_by_dict:
            return []
        if len(given) != count:
            return INPUT_STRUCTURE.finding(
                f"{method}: the model has {count} input{'s' if count > 1 else ''} "
                f"({_names(inputs)}) but x is a list of {len(given)}: Keras matches them "
                "by position and refuses another count", at=where)
        return list(zip(inputs.ports, given, strict=True))
    keys = inputs.keys
    if keys is None:
        return [(p, given[p.key]) for p in inputs.ports if p.key is not None and p.key in given]
    missing = [k for k in keys if k not in given]
    if missing:
        return INPUT_STRUCTURE.finding(
            f"{method}: x has no data for input{'s' if len(missing) > 1 else ''} "
            f"{quoted(missing)}: its keys are {quoted(list(given)) or 'none'}, the model's "
            f"inputs are {quoted(keys)} (Keras raises \"Missing data for input\")", at=where)
    return [(p, given[k]) for p, k in zip(inputs.ports, keys, strict=True)]


def matched_labels(call: TrainingCall, outputs: Ports, document: Document
                   ) -> Matched | Finding:
    """Each output's labels, as far as they are known; a finding when Keras refuses y's
    structure."""
    if call.method not in LABELED_METHODS:
        return []
    return match_labels(_part(*call.argument("y", 1)), method_name(call), outputs, document)


def match_labels(y: Part | None, method: str, outputs: Ports, document: Document
                 ) -> Matched | Finding:
    """y (or validation_data's y) matched to the outputs: see `matched_labels`."""
    given = parts(y.value, y.where, document) if y is not None else None
    count = len(outputs)
    if given is None or y is None:
        return []
    where = y.where
    if isinstance(given, Part):
        if count == 1:
            return [(outputs.ports[0], given)]
        if isinstance(given.value, ArrayValue):
            return TARGET_STRUCTURE.finding(
                f"{method}: the model has {count} outputs ({_names(outputs)}) but y is one "
                "array: give a list with one array per output, or a dict keyed by their names",
                at=where)
        return []
    if isinstance(given, list):
        if outputs.keyed_by_dict or count == 1:
            return []
        if len(given) != count:
            return TARGET_STRUCTURE.finding(
                f"{method}: the model has {count} outputs ({_names(outputs)}) but y is a list "
                f"of {len(given)}: Keras needs one label array per output", at=where)
        return list(zip(outputs.ports, given, strict=True))
    keys = outputs.keys
    if keys is None or count == 1:
        return []
    missing = [k for k in keys if k not in given]
    extra = [k for k in given if k not in keys]
    if (missing or extra) and not is_keras_2():
        what = "; ".join(x for x in (
            f"no labels for {quoted(missing)}" if missing else "",
            f"{quoted(extra)} {'names' if len(extra) == 1 else 'name'} no output" if extra
            else "") if x)
        return TARGET_STRUCTURE.finding(
            f"{method}: y's keys do not match the model's outputs {quoted(keys)}: {what} "
            "(Keras needs exactly the outputs' structure)", at=where)
    return [(p, given[k]) for p, k in zip(outputs.ports, keys, strict=True)]


def _names(ports: Ports) -> str:
    return ", ".join(f'"{p.key}"' if p.key else f"#{p.index + 1}" for p in ports.ports)


# -- the data itself -----------------------------------------------------------------------------


def _sample_counts(method: str, matched: Matched) -> Iterator[Finding]:
    counted = [(port, part, part.value.shape[0]) for port, part in matched
               if isinstance(part.value, ArrayValue) and part.value.shape
               and part.value.shape[0] is not None]
    if not counted:
        return
    first_port, first_part, first_count = counted[0]
    for port, part, count in counted[1:]:
        if count == first_count:
            continue
        assert isinstance(part.value, ArrayValue) and isinstance(first_part.value, ArrayValue)
        yield SAMPLE_COUNT_MISMATCH.finding(
            f"{method}: {port.data} has {count} samples (shape "
            f"{format_shape(part.value.shape)}) but {_that_of(first_port)} has "
            f"{first_count} (shape {format_shape(first_part.value.shape)}): Keras needs the "
            "same number of samples in every input and label array", at=part.where,
            related=(Related(first_part.where,
                             f"{first_port.data}: {format_shape(first_part.value.shape)}"),))
        return


def _that_of(port: Port) -> str:
    return port.data if port.alone else f"that of {port.label}"


def passes_input_check(x: Shape, expected: Shape) -> bool:
    """Keras' check of data against a functional model's Input (keras/src/layers/
    input_spec.py, `allow_last_axis_squeeze`): a trailing axis of size 1 dropped from either
    side, then the axes both have compared from the batch axis on, whatever the ranks."""
    data, spec = list(x), [None, *expected[1:]]
    if data and data[-1] == 1:
        data.pop()
    if spec and spec[-1] == 1:
        spec.pop()
    return all(dims_compatible(a, b) for a, b in zip(spec, data, strict=False))


def _declared(port: Port, expected: Shape) -> tuple[Related, ...]:
    return (Related(port.tensor.node.range,
                    f"{port.declared} is declared here: {format_shape(expected)}",
                    port.tensor.node.file),)


def _input_data(method: str, port: Port, part: Part, model: ModelIR) -> Iterator[Finding]:
    """Keras checks each input of a functional model against its Input: the rank, after
    adding or dropping one trailing axis of size 1, then every declared axis."""
    data, expected = part.value, port.tensor.shape
    if not isinstance(data, ArrayValue) or data.shape is None or expected is None:
        return
    x = data.shape
    if len(x) == len(expected) - 1 and _is_one_sample(x, expected):
        yield _one_sample(method, port, part, x, expected, model)
        return
    adjusted = adjust_rank(x, expected)
    if adjusted is None:
        return
    if adjusted is False:
        yield INPUT_MISMATCH.finding(
            f"{method}: {port.data} has shape {format_shape(x)} but {port.declared} is "
            f"{format_shape(expected)}: rank {len(x)} instead of {len(expected)} (Keras only "
            "adds or drops a trailing axis of size 1)", at=part.where,
            related=_declared(port, expected))
        return
    axes = [axis for axis in range(1, len(expected))
            if not dims_compatible(adjusted[axis], expected[axis])]
    if not axes:
        return
    axis = axes[0]
    inside = ""
    if passes_input_check(x, expected) and not is_keras_2() and model.graph is not None:
        # A last axis of 1 on either side is dropped before Keras compares: the layers then
        # decide (measured: an Add broadcasts (8, 10, 1) with (8, 10, 3) and trains).
        if refused_inside(model.graph, {id(port.tensor): adjusted}) is not True:
            return
        inside = " (Keras' input check drops a last axis of 1; a layer then refuses it)"
    yield INPUT_MISMATCH.finding(
        f"{method}: {port.data} has shape {format_shape(x)} but {port.declared} is "
        f"{format_shape(expected)}: axis {axis} is {adjusted[axis]}, the Input declares "
        f"{expected[axis]}{inside}", at=part.where, related=_declared(port, expected))


def _one_sample(method: str, port: Port, part: Part, x: Shape, expected: Shape,
                model: ModelIR) -> Finding:
    """One sample without its batch axis. When the Input ends in an axis of 1 and the
    sample passes Keras' input check (an image (28, 28, 1) for an Input (28, 28, 1)), Keras
    gives it that axis and runs the model on a batch of x[0] smaller samples: SL203 when
    no layer is known to refuse them (measured: a branching model with `same` convolutions
    predicts 28 rows without a word), SL202 when one does."""
    message = (f"{method}: {port.data} has shape {format_shape(x)}, one sample of "
               f"{'the input' if port.alone else port.label} {format_shape(expected)} "
               "without its batch axis")
    adjusted = adjust_rank(x, expected)
    related = _declared(port, expected)
    if passes_input_check(x, expected) and isinstance(adjusted, tuple) and (
            model.graph is not None and not is_keras_2()):
        read_as = (f": Keras reads it as {x[0]} samples of shape "
                   f"{format_shape(adjusted[1:])}")
        if refused_inside(model.graph, {id(port.tensor): adjusted}) is not True:
            return SAMPLE_READ_AS_BATCH.finding(
                message + read_as + f"; give a batch of shape {format_shape((1, *x))}",
                at=part.where, related=related)
        return MISSING_BATCH_AXIS.finding(
            message + read_as + ", which the model cannot take; give a batch of shape "
            f"{format_shape((1, *x))}", at=part.where, related=related)
    return MISSING_BATCH_AXIS.finding(
        message + f": give a batch of shape {format_shape((1, *x))}", at=part.where,
        related=related)


def _unbatched_dataset(call: TrainingCall, inputs: Ports, model: ModelIR,
                       document: Document) -> Iterator[Finding]:
    """SL211 for a functional model: an element of a dataset never batched (x's, or fit's
    validation_data's), taken as one batch, that Keras refuses for one of the inputs (its
    input check or its rank adjustment, else a layer inside: `refused_inside`)."""
    if model.graph is None or is_keras_2():
        return  # measured on Keras 3 only
    for given in unbatched(call):
        fed = _match_inputs(Part(given.x, given.where), given.method, inputs, document)
        if isinstance(fed, Finding):
            yield fed  # batched or not, Keras refuses the structure
            continue
        for port, part in fed:
            data, expected = part.value, port.tensor.shape
            if not isinstance(data, ArrayValue) or data.shape is None or expected is None or (
                    len(data.shape) != len(expected) - 1):
                continue
            x = data.shape
            adjusted = adjust_rank(x, expected)
            refused = not passes_input_check(x, expected) or adjusted is False or (
                isinstance(adjusted, tuple)
                and refused_inside(model.graph, {id(port.tensor): adjusted}) is True)
            if not refused:
                continue
            yield DATASET_NOT_BATCHED.finding(
                f"{given.method} gets a dataset that was never batched: each element is taken "
                f"as one batch, so {'the model' if port.alone else port.label} sees "
                f"{format_shape(x)} instead of {format_shape((None, *x))}; add .batch(32) to "
                "the dataset", at=part.where,
                related=(*given.related, *_declared(port, expected)))
            break


def fed_inputs(report: ModelReport, document: Document) -> Iterator[tuple[str, Port, Part]]:
    """Each input's data at every call that gives it batches (x, and fit's validation x),
    with the method as messages name it; calls whose structure Keras refuses give none."""
    inputs = model_inputs(report.model)
    for call in report.model.trainings:
        if not call.dataset_batched:
            continue
        for given in _given(call, document):
            fed = _match_inputs(given.x, given.method, inputs, document)
            if isinstance(fed, list):
                for port, part in fed:
                    yield given.method, port, part


def check_chain_inputs(report: ModelReport, found: list[Finding], document: Document
                       ) -> Iterator[Finding]:
    """A functional model that is a plain chain is checked as the Sequential model it is
    (`found`), but Keras checks its data as a functional model's: every declared axis of the
    Input (`passes_input_check`), where a Sequential model checks only the rank and what its
    layers were built for. SL201 for data refused there that `found` says nothing about
    (measured: an LSTM chain declared on (10, 3) refuses (8, 12, 3) at fit)."""
    model = report.model
    if model.graph is None or len(model.graph.inputs) != 1 or model.file is not None or (
            model.subclassed or is_keras_2()):
        return  # a subclassed model has no Input to check against
    port = model_inputs(model).ports[0]
    expected = port.tensor.shape
    if expected is None:
        return
    said = {f.range for f in found if f.code in _INPUT_CODES}
    for call in model.trainings:
        if not call.dataset_batched:
            continue
        for given in _given(call, document):
            x = given.x
            if x is None or x.where in said or not isinstance(x.value, ArrayValue) or (
                    x.value.shape is None):
                continue
            shape = x.value.shape
            if passes_input_check(shape, expected):
                continue
            yield INPUT_MISMATCH.finding(
                f"{given.method}: x has shape {format_shape(shape)} but the model's input is "
                f"declared as {format_shape(expected)}: a functional model checks every "
                "declared axis of its Input (a trailing axis of size 1 aside)",
                at=x.where, related=_declared(port, expected))


# What the Sequential path says about x itself.
_INPUT_CODES = frozenset({INPUT_MISMATCH.code, MISSING_BATCH_AXIS.code,
                          SAMPLE_READ_AS_BATCH.code})


# -- compile -------------------------------------------------------------------------------------


def compile_argument(compile_: CompileCall, name: str, document: Document
                     ) -> tuple[Structure | None, Part | None]:
    """A compile argument as its parts, and as one part."""
    if name in compile_.kwargs:
        value, where = compile_.kwargs[name], compile_.kwarg_value_ranges.get(name)
    elif len(compile_.args) > COMPILE_POSITIONS[name] and len(compile_.arg_ranges) > (
            COMPILE_POSITIONS[name]):
        value, where = compile_.args[COMPILE_POSITIONS[name]], compile_.arg_ranges[
            COMPILE_POSITIONS[name]]
    else:
        return None, None
    if where is None:
        return None, None
    return parts(value, where, document), Part(value, where)


def _compile_structure(compile_: CompileCall, outputs: Ports, document: Document
                       ) -> Iterator[Finding]:
    count, keys = len(outputs), outputs.keys
    loss, whole_loss = compile_argument(compile_, "loss", document)
    if isinstance(loss, list) and len(loss) > count and whole_loss is not None:
        yield OUTPUT_ARGUMENT_STRUCTURE.finding(
            f"loss lists {len(loss)} losses for the model's {count} outputs "
            f"({_names(outputs)}): Keras finds no output for the extra ones",
            at=whole_loss.where)
    if isinstance(loss, dict) and keys is not None and whole_loss is not None and (
            set(loss) != set(keys)):
        yield OUTPUT_ARGUMENT_STRUCTURE.finding(
            f"the loss dict's keys {quoted(list(loss))} are not the model's outputs "
            f"{quoted(keys)}: Keras needs exactly one loss per output name",
            at=whole_loss.where)
    metrics, whole_metrics = compile_argument(compile_, "metrics", document)
    if isinstance(metrics, list) and len(metrics) != count and whole_metrics is not None and (
            isinstance(whole_metrics.value, Seq)):
        yield OUTPUT_ARGUMENT_STRUCTURE.finding(
            f"metrics lists {len(metrics)} entr{'y' if len(metrics) == 1 else 'ies'} for the "
            f"model's {count} outputs ({_names(outputs)}): Keras needs one entry (a metric "
            "or a list of them) per output, or a dict keyed by output names",
            at=whole_metrics.where)
    if isinstance(metrics, dict) and keys is not None and whole_metrics is not None:
        unknown = [k for k in metrics if k not in keys]
        if unknown:
            yield OUTPUT_ARGUMENT_STRUCTURE.finding(
                f"metrics names {quoted(unknown)}, which {'is' if len(unknown) == 1 else 'are'}"
                f" not among the model's outputs {quoted(keys)}", at=whole_metrics.where)
    weights, whole_weights = compile_argument(compile_, "loss_weights", document)
    losses = len(loss) if isinstance(loss, list) else count
    if whole_weights is not None and losses == count and (
            (isinstance(weights, list) and len(weights) != count)
            or (isinstance(weights, dict) and len(weights) < count)):
        given = len(weights) if isinstance(weights, list | dict) else 0
        yield OUTPUT_ARGUMENT_STRUCTURE.finding(
            f"loss_weights gives {given} weight{'s' if given != 1 else ''} for the model's "
            f"{count} losses: Keras needs one weight per loss", at=whole_weights.where)

