"""Functional models with several inputs or outputs, or one of each in a graph that is not
a plain chain (branches, merges, nested models, shared layers), at compile, fit, evaluate,
predict and *_on_batch: how the data, labels, losses and metrics are matched to the inputs
and outputs (SL206-SL208), then each input's data checked against its Input (SL201,
SL202), the sample counts of every array (SL204), and each output's labels and loss as a
one-output model's (`per_output`).

Measured on Keras 3.15 (tests/graph/test_multi_io.py): a functional model checks every
declared axis of each input, after adding or dropping one trailing axis of size 1; a list of
x with another count than the inputs raises ("expects 2 named input(s)"); a dict without an
input's name raises ("Missing data for input"), extra keys are ignored; y must have exactly
the outputs' structure ("y_true and y_pred have different structures"); a loss list longer
than the outputs raises, a shorter one only warns; a loss dict must name exactly the outputs;
a metrics list must have one entry per output, a metrics dict only known names; a
loss_weights list one weight per loss. With keras-version "2" the checks of compile's lists
and dicts and of y's dict keys are left out (not measured on tf.keras 2).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

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
    _is_one_sample,
    adjust_rank,
    method_name,
)
from shape_engine.context import Document
from shape_engine.findings import Finding, Related, Severity
from shape_engine.ir import CompileCall, ModelIR, TrainingCall
from shape_engine.keras_version import is_keras_2
from shape_engine.rule import Rule
from shape_engine.shapes import dims_compatible, format_shape
from shape_engine.values import ArrayValue, Seq

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
        if not call.dataset_batched:
            continue  # a dataset of single samples: its arrays are not batches (see SL211)
        fed = _match_inputs(call, inputs, document)
        if isinstance(fed, Finding):
            yield fed
            fed = []
        labels = matched_labels(call, outputs, document)
        if isinstance(labels, Finding):
            yield labels
            labels = []
        if call.method in DATASET_METHODS:
            yield from _sample_counts(call, [*fed, *labels])
        for port, part in fed:
            yield from _input_data(call, port, part)


# -- matching data to the inputs and outputs -----------------------------------------------------


Matched = list[tuple[Port, Part]]


def _match_inputs(call: TrainingCall, inputs: Ports, document: Document
                  ) -> Matched | Finding:
    value, where = call.argument("inputs" if call.method == "__call__" else "x", 0)
    given = parts(value, where, document)
    method = method_name(call)
    count = len(inputs)
    if given is None or where is None:
        return []
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
    value, where = call.argument("y", 1)
    given = parts(value, where, document)
    method = method_name(call)
    count = len(outputs)
    if given is None or where is None:
        return []
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


def _sample_counts(call: TrainingCall, matched: Matched) -> Iterator[Finding]:
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
            f"{method_name(call)}: {port.data} has {count} samples (shape "
            f"{format_shape(part.value.shape)}) but {_that_of(first_port)} has "
            f"{first_count} (shape {format_shape(first_part.value.shape)}): Keras needs the "
            "same number of samples in every input and label array", at=part.where,
            related=(Related(first_part.where,
                             f"{first_port.data}: {format_shape(first_part.value.shape)}"),))
        return


def _that_of(port: Port) -> str:
    return port.data if port.alone else f"that of {port.label}"


def _input_data(call: TrainingCall, port: Port, part: Part) -> Iterator[Finding]:
    """Keras checks each input of a functional model against its Input: the rank, after
    adding or dropping one trailing axis of size 1, then every declared axis."""
    data, expected = part.value, port.tensor.shape
    if not isinstance(data, ArrayValue) or data.shape is None or expected is None:
        return
    x, method = data.shape, method_name(call)
    declared = (Related(port.tensor.node.range,
                        f"{port.declared} is declared here: {format_shape(expected)}",
                        port.tensor.node.file),)
    if len(x) == len(expected) - 1 and _is_one_sample(x, expected):
        yield MISSING_BATCH_AXIS.finding(
            f"{method}: {port.data} has shape {format_shape(x)}, one sample of "
            f"the input {format_shape(expected)} without its batch axis: give a batch of "
            f"shape {format_shape((1, *x))}", at=part.where, related=declared)
        return
    adjusted = adjust_rank(x, expected)
    if adjusted is None:
        return
    if adjusted is False:
        yield INPUT_MISMATCH.finding(
            f"{method}: {port.data} has shape {format_shape(x)} but {port.declared} is "
            f"{format_shape(expected)}: rank {len(x)} instead of {len(expected)} (Keras only "
            "adds or drops a trailing axis of size 1)", at=part.where, related=declared)
        return
    axes = [axis for axis in range(1, len(expected))
            if not dims_compatible(adjusted[axis], expected[axis])]
    if axes:
        axis = axes[0]
        yield INPUT_MISMATCH.finding(
            f"{method}: {port.data} has shape {format_shape(x)} but {port.declared} is "
            f"{format_shape(expected)}: axis {axis} is {adjusted[axis]}, the Input declares "
            f"{expected[axis]}", at=part.where, related=declared)


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

