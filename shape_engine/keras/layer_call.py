"""One layer evaluated on an input shape, shared by the Sequential interpreter and the
functional API's layer call (`keras/calls.py`): the rule's output, the constructor's
refusals, and the finding a refusal becomes in a Sequential model's words.

It sits below both, so neither imports the other for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from shape_engine.findings import Finding, Range, Related
from shape_engine.ir import LayerCall, LayerEntry, ModelIR
from shape_engine.keras_version import is_keras_2
from shape_engine.layers import MULTI_INPUT_LAYERS, RULES, LayerArgs, LayerOutput, LayerRule
from shape_engine.layers.base import Refusal, Unknowable, facts_of, is_input_kind
from shape_engine.layers.legacy_keywords import legacy_keyword_refusal
from shape_engine.layers.refusals import (
    INVALID_ARGUMENT,
    MULTI_INPUT_LAYER,
    SECOND_INPUT,
    UNKNOWN_REQUIRED_DIM,
)
from shape_engine.partial_shapes import (
    output_past_unknown_features,
    output_with_unknown_arguments,
    partial_input_shape,
)
from shape_engine.shapes import MaybeShape, Shape, dims_compatible, format_shape
from shape_engine.values import LayerValue


class BuiltSequential(Protocol):
    """What building a Sequential model gives (the interpreter's `ModelReport`)."""

    @property
    def input_origin(self) -> str | None: ...
    @property
    def input_shape(self) -> MaybeShape: ...
    @property
    def refused(self) -> bool: ...
    @property
    def findings(self) -> list[Finding]: ...
    @property
    def output_list_why(self) -> str | None: ...
    @property
    def output_shape(self) -> MaybeShape: ...
    @property
    def total_params(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class FlowingList:
    """A list of tensors reaching a Sequential model's entry: why the entry before gives a
    list (completes "<previous> ..." in messages) and the shapes in it, when known."""

    why: str
    shapes: tuple[MaybeShape, ...] | None


def takes_flowing_list(layer: LayerCall, flowing: FlowingList) -> bool:
    """Whether a Sequential model's entry does something of its own with a list of tensors
    reaching it (Keras 3.15 passes the list on): a layer that passes lists keeps it, a merge
    layer merges it, a Lambda with output_shape sees its first tensor, any other modelled
    layer is refused. Else what comes out is not known."""
    if facts_of(layer.kind).passes_lists or layer.kind in MULTI_INPUT_LAYERS:
        return True
    if layer.kind == "Lambda":
        return bool(flowing.shapes) and flowing.shapes is not None and (
            flowing.shapes[0] is not None)
    return layer.kind in RULES and not is_input_kind(layer.kind)


@dataclass(slots=True)
class InSequence:
    """A layer called as an entry of a Sequential model: the entry, what the entry before it
    is called in messages ("the model input", "Dense(64)") and where that was made."""

    entry: LayerEntry
    previous: str
    made_at: Range | None
    # The model's input has dims the engine does not know (see `partial_shapes`): a refusal
    # of an undefined dim may not be Keras' (the dim may well be defined), so it is unknown.
    guessed_dims: bool = False
    # The model has an input (declared, or given when it is built): Keras builds its layers,
    # and refuses those a Sequential model cannot hold.
    has_input: bool = True
    # The model's file: those refusals point at the entry, which is there.
    file: str | None = None
    # Runs a Sequential model that is the entry, nested, on the batch shape reaching it (the
    # interpreter, which sits above this module); None: its output is not known.
    run_nested: Callable[[ModelIR, MaybeShape], BuiltSequential] | None = None
    # What reaches the entry is a list of tensors (`takes_flowing_list`), not one tensor.
    flowing: FlowingList | None = None


def compute(layer: LayerCall, shape: Shape, guessed: bool = False, built: bool = False,
            rule: LayerRule | None = None, args: LayerArgs | None = None) -> LayerOutput:
    """The layer's rule on `shape`; Refusal when Keras refuses it, unknown when not known.
    `guessed`: some None dims of `shape` are only unknown to the engine. `built`: the layer
    object was built by an earlier call (its `built_output` then, where it has one).
    `rule`: the layer's, when the caller has looked it up already; `args`: its arguments
    read for that rule (those the constructor's checks read)."""
    if rule is None:
        rule = RULES[layer.kind or ""]
    if args is None:
        args = LayerArgs(layer, rule.params)
    if built and rule.built_output is not None:
        try:
            return rule.built_output(args, shape)
        except Refusal:
            raise
        except (Unknowable, ArithmeticError, ValueError, TypeError, IndexError, KeyError):
            return LayerOutput(None, None)
    try:
        return rule.compute(args, shape)
    except Unknowable:
        # A width not known still leaves the rank and the other axes (`partial_shapes`).
        partial = output_with_unknown_arguments(
            layer, shape, lambda call, given: rule.compute(LayerArgs(call, rule.params), given),
            guessed)
        return partial if partial is not None else LayerOutput(None, None)
    except Refusal:
        raise
    except (ArithmeticError, ValueError, TypeError, OverflowError, IndexError, KeyError):
        # Arguments of the wrong type or size: whatever Keras does with them, we cannot know.
        return LayerOutput(None, None)


def past_unknown_dims(layer: LayerCall, shape: Shape, refusal: Refusal,
                      guessed: bool = True) -> LayerOutput:
    """A refusal that may well not be raised (sizes the engine does not know, or a layer
    built already, whose build's refusal of an undefined dim is not met again): what holds
    for any size of the features, if anything (`partial_shapes`). Not `guessed`: the unknown
    dim is Keras' None, which the output keeps where the features' size shows."""
    past = output_past_unknown_features(shape, lambda probe: compute(layer, probe)) if (
        refusal.rule is UNKNOWN_REQUIRED_DIM) else None
    if past is None:
        return LayerOutput(None, None)
    return past if guessed else past._replace(partial=False)


def entry_label(entry: LayerEntry) -> str:
    """How a Sequential model's entry is named in messages and rows."""
    if isinstance(entry.layer, LayerCall):
        return entry.layer.label
    if isinstance(entry.layer, ModelIR):
        return entry.layer.name or "Sequential"
    return "an unknown layer"


def sequence_refusal(layer: LayerCall, in_sequence: InSequence) -> Finding | None:
    """A layer a Sequential model refuses as one of its entries once it has an input: a
    second Input, or a layer that needs several input tensors (Keras refuses the merge when
    the model is built; an unbuilt model never calls it)."""
    if not in_sequence.has_input:
        return None
    entry = in_sequence.entry
    if is_input_kind(layer.kind):
        return SECOND_INPUT.finding(
            f"{layer.label} comes after the first layer: a Sequential model has one input, "
            "declared first", at=entry.range, file=in_sequence.file)
    if layer.kind in MULTI_INPUT_LAYERS:
        previous = in_sequence.previous
        comes = previous if previous == "the model input" else f"{previous}'s output"
        return MULTI_INPUT_LAYER.finding(
            f"{layer.written_name} needs a list of input tensors, but in a Sequential model "
            f"it receives only {comes}; use the functional API", at=entry.range,
            file=in_sequence.file)
    return None


def input_shape_of(call: LayerCall) -> tuple[MaybeShape, bool]:
    """The batch shape of the tensor `keras.Input(...)` (or an `InputLayer`) makes, and
    whether some of its None dims are only unknown to the engine: `Input(shape=(n, 3))` with
    `n` not known is still a 3-D tensor. Refusal when Keras refuses the arguments.

    The one place an Input's tensor is computed: the functional API's `keras.Input(...)`,
    a Sequential model's Input entry and a nested model's own input all ask it.
    """
    shape = compute(call, ()).shape
    if shape is None and call.kind == "Input":
        partial = partial_input_shape(call)
        return partial, partial is not None
    return shape, False


def constructor_refusal(layer: LayerCall) -> Finding | None:
    """Arguments Keras refuses when the layer object is created, wherever it is used."""
    legacy = legacy_keyword_refusal(layer)
    if legacy is not None:
        return legacy
    if ("batch_input_shape" in layer.kwargs and layer.kind != "InputLayer"
            and not is_keras_2()):  # tf.keras 2 takes it as the model's input
        return INVALID_ARGUMENT.finding(
            f"{layer.written_name} does not accept batch_input_shape in Keras 3; declare the "
            "input first with keras.Input(batch_shape=...)",
            at=layer.kwarg_ranges["batch_input_shape"], file=layer.file)
    return None


def argument_refusal(layer: LayerCall, placed: Range, previous: str,
                     rule: LayerRule | None = None, args: LayerArgs | None = None
                     ) -> Finding | None:
    """Without an input shape the rule cannot run, but its constructor checks can. `placed`:
    where the layer is placed (its model entry, or its call). `rule`: the layer's, when the
    caller has looked it up already; `args`: its arguments read for that rule."""
    # Two loops, not a chain object made at every layer call.
    for value in layer.args:
        if isinstance(value, LayerValue):  # a wrapped layer is created first
            inner = argument_refusal(value.call, placed, previous)
            if inner is not None:
                return inner
    for value in layer.kwargs.values():
        if isinstance(value, LayerValue):
            inner = argument_refusal(value.call, placed, previous)
            if inner is not None:
                return inner
    if rule is None:
        rule = RULES.get(layer.kind or "")
    if rule is None or rule.check_args is None:
        return None
    try:
        rule.check_args(args if args is not None else LayerArgs(layer, rule.params))
    except Refusal as refusal:
        return refusal_finding(refusal, layer, placed, (), previous)
    except (Unknowable, ArithmeticError, ValueError, TypeError, IndexError, KeyError):
        return None
    return None


def refusal_finding(refusal: Refusal, layer: LayerCall, placed: Range, shape: Shape,
                    previous: str, made_at: Range | None = None) -> Finding:
    """A refusal in a Sequential model's words: the layer placed at `placed` (its entry),
    and what `previous` (the entry before it, or "the model input") gives it, made at
    `made_at`."""
    if refusal.needs is not None:
        message = (f"{layer.written_name} expects {refusal.needs} but {previous} "
                   f"{'is' if previous == 'the model input' else 'outputs'} "
                   f"{format_shape(shape)}")
        if refusal.detail:
            message += f": {refusal.detail}"
        at = layer.range
    else:
        message = refusal.message or refusal.rule.summary
        at = (layer.argument_range(refusal.argument, _position(layer, refusal.argument))
              if refusal.argument else layer.range)
    related: tuple[Related, ...] = () if at == placed else (
        Related(placed, f"{layer.label} is added here", layer.file),)
    if refusal.needs is not None and made_at is not None:
        made = ("the model input is declared here" if previous == "the model input"
                else f"{previous} is added here")
        related += (Related(made_at, f"{made}: {format_shape(shape)}", layer.file),)
    return refusal.rule.finding(message, at, related=related, file=layer.file)


def _position(layer: LayerCall, argument: str) -> int | None:
    """Where `argument` sits among the layer's positional parameters, if it can be there."""
    rule = RULES.get(layer.kind or "")
    params = rule.params if rule else ()
    return params.index(argument) if argument in params else None


def built_input_fits(declared: Shape, received: Shape) -> bool:
    """Keras' input spec of a built model (allow_last_axis_squeeze, keras 3.15): a last axis
    of size 1 is dropped from either side, then only the leading axes both have are compared
    (the batch axis never). Rank is left to the layers inside."""
    spec: tuple[int | None, ...] = (None, *declared[1:])
    got = tuple(received)
    if got and got[-1] == 1:
        got = got[:-1]
    if spec and spec[-1] == 1:
        spec = spec[:-1]
    return all(dims_compatible(a, b) for a, b in zip(spec, got, strict=False))
