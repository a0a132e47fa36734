"""SimpleRNN, LSTM, GRU, ConvLSTM1D/2D/3D and the Bidirectional and TimeDistributed wrappers:
keras/layers/rnn.

Keras builds a recurrent layer in three steps, and each can refuse: `input_spec` checks the
rank (exactly 3, or spatial + 3 for ConvLSTM); the cell's `build` sizes its kernel from the
feature (channel) axis, which must be known; `compute_output_shape` gives the output. With
`return_state=True` the layer returns a list `[output, *states]`, which no ordinary layer of a
Sequential can take: the output shape is then None, `multiple_outputs` is set and `outputs`
holds the shape of each tensor of the list (a merge layer can take it).

The wrappers apply another layer's rule through the registry (`RULES`), so they follow whatever
layers are modelled. Bidirectional recreates its layer from its config with
`go_backwards=True`, so only recurrent layers can be wrapped. TimeDistributed builds its layer
on one time step, `(batch,) + input[2:]`, without the layer's own input checks: a layer whose
output arithmetic takes any rank (global pooling) then gives an output for a step of any rank.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from shape_engine.ir import LayerCall, ModelIR
from shape_engine.layers.base import (
    RULES,
    LayerArgs,
    LayerFacts,
    LayerOutput,
    Refusal,
    Unknowable,
    facts_of,
    layer_rule,
    spatial_layout,
    standard_tuple,
)
from shape_engine.layers.refusals import (
    INCOMPATIBLE_RANK,
    INVALID_ARGUMENT,
    NON_POSITIVE_DIM,
    RESHAPE_SIZE_MISMATCH,
    UNKNOWN_REQUIRED_DIM,
)
from shape_engine.shapes import Dim, Shape, format_shape

SEQUENCE_LAYOUT = "a 3-D input (batch, timesteps, features)"
STATES_RETURNED = "returns its output and its states as a list (return_state=True)"
MERGE_NONE_RETURNED = "returns its forward and backward outputs as a list (merge_mode=None)"

# Constructor parameters in Keras' order (positional calls are read through these).
_REGULARIZERS = ("kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
                 "activity_regularizer", "kernel_constraint", "recurrent_constraint",
                 "bias_constraint", "dropout", "recurrent_dropout")
_INITIALIZERS = ("kernel_initializer", "recurrent_initializer", "bias_initializer")
SIMPLE_RNN_PARAMS = ("units", "activation", "use_bias", *_INITIALIZERS, *_REGULARIZERS,
                     "return_sequences", "return_state", "go_backwards", "stateful", "unroll",
                     "seed")
LSTM_PARAMS = ("units", "activation", "recurrent_activation", "use_bias", *_INITIALIZERS,
               "unit_forget_bias", *_REGULARIZERS, "seed", "return_sequences", "return_state",
               "go_backwards", "stateful", "unroll", "use_cudnn")
GRU_PARAMS = ("units", "activation", "recurrent_activation", "use_bias", *_INITIALIZERS,
              *_REGULARIZERS, "seed", "return_sequences", "return_state", "go_backwards",
              "stateful", "unroll", "reset_after", "use_cudnn")
CONV_LSTM_PARAMS = ("filters", "kernel_size", "strides", "padding", "data_format",
                    "dilation_rate", "activation", "recurrent_activation", "use_bias",
                    *_INITIALIZERS, "unit_forget_bias", *_REGULARIZERS, "seed",
                    "return_sequences", "return_state", "go_backwards", "stateful")

# Keras layers whose constructor takes `go_backwards`, the only ones Bidirectional can wrap.
BIDIRECTIONAL_WRAPPABLE = frozenset(
    {"RNN", "SimpleRNN", "LSTM", "GRU", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"})
MERGE_MODES = ("concat", "sum", "mul", "ave", None)
RETURN_STATE_KINDS = frozenset(
    {"SimpleRNN", "LSTM", "GRU", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"})
# Refusals of a wrapped layer that come from its build or its output arithmetic, which
# TimeDistributed runs too (input-spec refusals, SL101/SL109, it skips).
BUILD_TIME_RULES = frozenset(
    {UNKNOWN_REQUIRED_DIM.code, NON_POSITIVE_DIM.code, RESHAPE_SIZE_MISMATCH.code,
     INVALID_ARGUMENT.code})


# --- SimpleRNN, LSTM, GRU -----------------------------------------------------------------


@dataclass(frozen=True)
class Sequence:
    """What every recurrent layer shares: how its output is returned."""

    return_sequences: bool
    return_state: bool


def _sequence_options(args: LayerArgs, x: Shape) -> Sequence:
    stateful = args.flag("stateful", False)
    if stateful and x[0] is None:
        # Keras refuses a stateful layer without a fixed batch size, but a model built from
        # its first batch of data gets that size from the data: the origin is not known here.
        raise Unknowable("batch size")
    return Sequence(args.flag("return_sequences", False), args.flag("return_state", False))


def _positive_units(args: LayerArgs) -> int | float:
    """units as the constructor checks it: > 0 (a float passes, and fails in build)."""
    units = args.raw("units")
    if isinstance(units, bool) or not isinstance(units, int | float):
        raise Unknowable("units")
    if units <= 0:
        raise Refusal(INVALID_ARGUMENT,
                      f"{args.written_name} needs a positive number of units, got {units}",
                      argument="units")
    return units


def _single_state_units(args: LayerArgs) -> int:
    """SimpleRNN and GRU make their state size of units in the constructor: a float fails
    there (LSTM's pair of state sizes passes, and fails in build)."""
    return _whole(args, "units", _positive_units(args))


def _whole(args: LayerArgs, name: str, value: int | float) -> int:
    """A size the kernel is made of: Keras cannot make a weight of size 9.0."""
    if isinstance(value, float):
        raise Refusal(INVALID_ARGUMENT,
                      f"{args.written_name} needs `{name}` to be an int to size its weights, "
                      f"got {value!r}", argument=name)
    return value


def _sequence_features(x: Shape) -> int:
    """The feature count of a (batch, timesteps, features) input, as Keras needs it."""
    if len(x) != 3:
        raise Refusal(INCOMPATIBLE_RANK, needs=SEQUENCE_LAYOUT)
    features = x[2]
    if features is None:
        raise Refusal(UNKNOWN_REQUIRED_DIM,
                      needs="a defined last axis (features) to size its kernel")
    return features


def _recurrent_output(x: Shape, size: int | tuple[Dim, ...], options: Sequence,
                      params: int, states: int) -> LayerOutput:
    """`states`: how many state tensors the layer returns with return_state=True (LSTM and
    ConvLSTM: h and c; GRU and SimpleRNN: h), each of the last step's shape."""
    step = size if isinstance(size, tuple) else (size,)
    shape = (x[0], x[1], *step) if options.return_sequences else (x[0], *step)
    if options.return_state:
        state = (x[0], *step)
        return LayerOutput(None, params, multiple_outputs=True,
                           multiple_outputs_why=STATES_RETURNED,
                           outputs=(shape, *[state] * states))
    return LayerOutput(shape, params)


def _gated_rnn(args: LayerArgs, x: Shape, gates: int, bias_per_gate: int,
               states: int = 1) -> LayerOutput:
    units = _positive_units(args)
    features = _sequence_features(x)
    units = _whole(args, "units", units)
    options = _sequence_options(args, x)
    bias = gates * units * bias_per_gate if args.flag("use_bias", True) else 0
    params = gates * units * (features + units) + bias
    return _recurrent_output(x, units, options, params, states)


@layer_rule("SimpleRNN", params=SIMPLE_RNN_PARAMS, check_args=_single_state_units,
            facts=LayerFacts(rank=3, rnn=True, weights_axis="last", default_activation="tanh",
                             refuses_nested_list=True))
def simple_rnn(args: LayerArgs, x: Shape) -> LayerOutput:
    return _gated_rnn(args, x, gates=1, bias_per_gate=1)


@layer_rule("LSTM", params=LSTM_PARAMS, check_args=_positive_units,
            facts=LayerFacts(rank=3, rnn=True, weights_axis="last", default_activation="tanh",
                             refuses_nested_list=True))
def lstm(args: LayerArgs, x: Shape) -> LayerOutput:
    return _gated_rnn(args, x, gates=4, bias_per_gate=1, states=2)


@layer_rule("GRU", params=GRU_PARAMS, check_args=_single_state_units,
            facts=LayerFacts(rank=3, rnn=True, weights_axis="last", default_activation="tanh",
                             refuses_nested_list=True))
def gru(args: LayerArgs, x: Shape) -> LayerOutput:
    # reset_after=True (the default) keeps separate input and recurrent biases.
    return _gated_rnn(args, x, gates=3, bias_per_gate=2 if args.flag("reset_after", True) else 1)


# --- ConvLSTM1D/2D/3D ---------------------------------------------------------------------


def _conv_padding(args: LayerArgs) -> str:
    padding = args.raw("padding", "valid")
    if not isinstance(padding, str):
        raise Unknowable("padding")
    if padding.lower() not in ("valid", "same"):
        raise Refusal(INVALID_ARGUMENT,
                      f"{args.written_name} takes padding 'valid' or 'same', got {padding!r}",
                      argument="padding")
    return padding.lower()


def _conv_data_format(args: LayerArgs) -> str:
    value = args.raw("data_format", None)
    if value is None:
        return args.default_data_format()
    if not isinstance(value, str):
        raise Unknowable("data_format")
    if value.lower() not in ("channels_last", "channels_first"):
        raise Refusal(INVALID_ARGUMENT,
                      f"{args.written_name} takes data_format 'channels_last' or "
                      f"'channels_first', got {value!r}", argument="data_format")
    return value.lower()


def _conv_length(length: int, kernel: int, stride: int, dilation: int, padding: str) -> int:
    if padding == "same":
        return math.floor((length - 1) / stride) + 1
    return math.floor((length - dilation * (kernel - 1) - 1) / stride) + 1


def _conv_lstm_args(args: LayerArgs, spatial: int
                    ) -> tuple[tuple[int, ...], tuple[int, ...], str, str, tuple[int, ...]]:
    """What the constructor refuses: (kernel, strides, padding, data_format, dilation).

    Sizes go through Keras' standardize_tuple: an int or `spatial` of them, > 0.
    """
    kernel = standard_tuple(args, "kernel_size", args.raw("kernel_size"), spatial)
    strides = standard_tuple(args, "strides", args.raw("strides", 1), spatial)
    padding = _conv_padding(args)
    data_format = _conv_data_format(args)
    dilation = standard_tuple(args, "dilation_rate", args.raw("dilation_rate", 1), spatial)
    if max(strides) > 1 and max(dilation) > 1:
        raise Refusal(INVALID_ARGUMENT,
                      f"{args.written_name} cannot combine strides > 1 with dilation_rate > 1",
                      argument="dilation_rate")
    return kernel, strides, padding, data_format, dilation


def _conv_lstm(args: LayerArgs, x: Shape, spatial: int) -> LayerOutput:
    raw_filters = args.raw("filters")
    filters: int | float  # a float passes the constructor, and is refused with the input
    if isinstance(raw_filters, float) and not math.isnan(raw_filters):
        filters = raw_filters
    else:
        filters = args.integer("filters")
    kernel, strides, padding, data_format, dilation = _conv_lstm_args(args, spatial)
    if len(x) != spatial + 3:
        raise Refusal(INCOMPATIBLE_RANK,
                      needs=f"a {spatial + 3}-D input (batch, time, "
                            + spatial_layout(spatial, data_format)[len("(batch, "):])
    step = x[3:] if data_format == "channels_first" else x[2:-1]
    if None in step:
        raise Refusal(UNKNOWN_REQUIRED_DIM, needs="defined spatial dimensions (time may be None)")
    channels = x[2] if data_format == "channels_first" else x[-1]
    if channels is None:
        raise Refusal(UNKNOWN_REQUIRED_DIM, needs="a defined channel axis to size its kernel")
    if filters < 0:
        raise Refusal(INVALID_ARGUMENT,
                      f"{args.written_name} needs a non-negative number of filters, "
                      f"got {filters}", argument="filters")
    whole_filters = _whole(args, "filters", filters)
    options = _sequence_options(args, x)
    sizes = tuple(_conv_length(length, k, s, d, padding)
                  for length, k, s, d in zip(step, kernel, strides, dilation, strict=True)
                  if length is not None)
    if any(size <= 0 for size in sizes):
        raise Refusal(NON_POSITIVE_DIM,
                      f"{args.written_name} shrinks the spatial dimensions {format_shape(step)} "
                      f"to {format_shape(sizes)}: a size of zero or less (kernel {kernel}, "
                      f"strides {strides}, dilation {dilation}, padding '{padding}')")
    state = (whole_filters, *sizes) if data_format == "channels_first" else (*sizes, whole_filters)
    window = math.prod(kernel)
    bias = 4 * whole_filters if args.flag("use_bias", True) else 0
    params = 4 * window * whole_filters * (channels + whole_filters) + bias
    return _recurrent_output(x, state, options, params, states=2)


@layer_rule("ConvLSTM1D", params=CONV_LSTM_PARAMS,
            check_args=lambda args: _conv_lstm_args(args, 1),
            facts=LayerFacts(rank=4, weights_axis="channels"))
def conv_lstm_1d(args: LayerArgs, x: Shape) -> LayerOutput:
    return _conv_lstm(args, x, 1)


@layer_rule("ConvLSTM2D", params=CONV_LSTM_PARAMS,
            check_args=lambda args: _conv_lstm_args(args, 2),
            facts=LayerFacts(rank=5, weights_axis="channels"))
def conv_lstm_2d(args: LayerArgs, x: Shape) -> LayerOutput:
    return _conv_lstm(args, x, 2)


@layer_rule("ConvLSTM3D", params=CONV_LSTM_PARAMS,
            check_args=lambda args: _conv_lstm_args(args, 3),
            facts=LayerFacts(weights_axis="channels"))
def conv_lstm_3d(args: LayerArgs, x: Shape) -> LayerOutput:
    return _conv_lstm(args, x, 3)


# --- the wrappers -------------------------------------------------------------------------


def _inner_args(call: LayerCall) -> LayerArgs:
    rule = RULES.get(call.kind or "")
    return LayerArgs(call, rule.params if rule else ())


def _apply_inner(call: LayerCall, x: Shape) -> LayerOutput:
    """The wrapped layer's own rule, Unknowable when it is not modelled."""
    rule = RULES.get(call.kind or "")
    if rule is None or not rule.needs_input:
        raise Unknowable(call.written_name)
    return rule.compute(LayerArgs(call, rule.params), x)


def _not_wrappable(wrapper: str, inner: LayerCall | ModelIR, why: str) -> Refusal:
    name = inner.label if isinstance(inner, LayerCall) else "a Sequential model"
    return Refusal(INVALID_ARGUMENT, f"{wrapper} cannot wrap {name}: {why}", argument="layer")


def _bidirectional_args(args: LayerArgs
                        ) -> tuple[object, LayerCall, LayerCall | ModelIR | None]:
    """What Bidirectional's constructor refuses: (merge_mode, forward, backward layer)."""
    merge_mode = args.raw("merge_mode", "concat")
    if merge_mode not in MERGE_MODES:
        raise Refusal(INVALID_ARGUMENT,
                      f"Bidirectional takes merge_mode 'concat', 'sum', 'mul', 'ave' or None, "
                      f"got {merge_mode!r}", argument="merge_mode")
    forward = args.layer("layer")
    backward = args.layer("backward_layer") if args.given("backward_layer") else None
    if forward is None or (args.given("backward_layer") and backward is None):
        raise Unknowable("layer")
    _check_directions(forward, backward)
    assert isinstance(forward, LayerCall)  # _check_directions refuses nested models
    return merge_mode, forward, backward


@layer_rule("Bidirectional", params=("layer", "merge_mode", "weights", "backward_layer"),
            check_args=_bidirectional_args,
            facts=LayerFacts(rank=3, weights_axis="last"))
def bidirectional(args: LayerArgs, x: Shape) -> LayerOutput:
    merge_mode, forward, backward = _bidirectional_args(args)
    output = _apply_inner(forward, x)
    params = _backward_params(backward, x, output.params)
    # Keras sizes every output from the forward layer alone, even when a backward_layer of
    # another size is given.
    if output.multiple_outputs:
        shape, states = (output.outputs[0], output.outputs[1:]) if output.outputs else (
            None, ())
    else:
        shape, states = output.shape, ()
    if shape is not None and merge_mode == "concat":
        last = shape[-1]
        shape = (*shape[:-1], None if last is None else 2 * last)
    if output.multiple_outputs or merge_mode is None:
        why = STATES_RETURNED if output.multiple_outputs else MERGE_NONE_RETURNED
        known = shape is not None and (output.outputs is not None or not output.multiple_outputs)
        merged = (shape, shape) if merge_mode is None else (shape,)
        return LayerOutput(None, params, multiple_outputs=True, multiple_outputs_why=why,
                           outputs=(*merged, *states, *states) if known else None)
    return LayerOutput(shape, params)


def _check_directions(forward: LayerCall | ModelIR, backward: LayerCall | ModelIR | None
                      ) -> None:
    """What Bidirectional's constructor refuses about its forward and backward layers."""
    for layer in (forward, backward):
        if layer is None:
            continue
        if isinstance(layer, ModelIR) or layer.written_name not in BIDIRECTIONAL_WRAPPABLE:
            raise _not_wrappable("Bidirectional", layer,
                                 "it wraps a recurrent layer (LSTM, GRU, SimpleRNN, ConvLSTM, "
                                 "RNN), which it runs a second time with go_backwards=True")
    assert isinstance(forward, LayerCall)
    fwd = _inner_args(forward)
    if backward is None:
        if fwd.flag("go_backwards", False):
            raise _not_wrappable("Bidirectional", forward,
                                 "its copy for the backward direction would also have "
                                 "go_backwards=True; give a backward_layer instead")
        return
    assert isinstance(backward, LayerCall)
    bwd = _inner_args(backward)
    if fwd.flag("go_backwards", False) == bwd.flag("go_backwards", False):
        raise Refusal(INVALID_ARGUMENT,
                      "Bidirectional needs a backward_layer whose go_backwards differs from "
                      f"the forward layer's, but both are {fwd.flag('go_backwards', False)}",
                      argument="backward_layer")
    for name in ("stateful", "return_sequences", "return_state"):
        if fwd.flag(name, False) != bwd.flag(name, False):
            raise Refusal(INVALID_ARGUMENT,
                          f"Bidirectional needs the same {name} in both directions, but "
                          f"{forward.label} has {fwd.flag(name, False)} and {backward.label} "
                          f"has {bwd.flag(name, False)}", argument="backward_layer")


def _backward_params(backward: LayerCall | ModelIR | None, x: Shape,
                     forward_params: int | None) -> int | None:
    if forward_params is None:
        return None
    if backward is None:
        return 2 * forward_params
    assert isinstance(backward, LayerCall)
    try:
        own = _apply_inner(backward, x).params
    except Unknowable:
        return None
    except Refusal as refusal:
        # The backward layer is built without its own input checks.
        if refusal.rule is INCOMPATIBLE_RANK:
            return None
        raise
    return None if own is None else forward_params + own


@layer_rule("TimeDistributed", params=("layer",),
            facts=LayerFacts(refuses_nested_list=True))
def time_distributed(args: LayerArgs, x: Shape) -> LayerOutput:
    if len(x) < 3:
        raise Refusal(INCOMPATIBLE_RANK, needs="an input of rank 3 or more (batch, time, ...)")
    inner = args.layer("layer")
    if not isinstance(inner, LayerCall):
        raise Unknowable("layer")
    # A list per time step fails whatever the step's shape, even one the layer cannot take.
    why = _list_output_why(inner)
    if why is not None:
        raise _list_per_step(inner, why)
    step = (x[0], *x[2:])
    try:
        output = _apply_to_step(inner, step)
    except Refusal as refusal:
        raise _step_refusal(args.call, inner, x, step, refusal) from None
    if output.multiple_outputs:
        raise _list_per_step(inner, output.multiple_outputs_why)
    if output.shape is None or not output.shape:
        return LayerOutput(None, output.params)
    return LayerOutput((output.shape[0], x[1], *output.shape[1:]), output.params)


def _apply_to_step(call: LayerCall, step: Shape) -> LayerOutput:
    """The wrapped layer's rule on one time step, as TimeDistributed builds it and computes its
    output shape: without the layer's input spec (see `LayerRule.without_input_spec`)."""
    rule = RULES.get(call.kind or "")
    if rule is not None and rule.without_input_spec is not None:
        return rule.without_input_spec(LayerArgs(call, rule.params), step)
    return _apply_inner(call, _as_sequence(call, step))


def _as_sequence(call: LayerCall, step: Shape) -> Shape:
    """The step as a recurrent layer built by TimeDistributed sees it.

    Without its input check, an RNN given (batch, t, ..., features) sizes its kernel from the
    last axis and returns (batch, units) or (batch, t, units): the middle axes drop out.
    """
    if len(step) <= 3 or not _plain_recurrent(call):
        return step
    return (step[0], step[1], step[-1])


def _plain_recurrent(call: LayerCall) -> bool:
    if facts_of(call.kind).rnn:
        return True
    if call.kind != "Bidirectional":
        return False
    args = _inner_args(call)
    layers = [args.layer("layer"), args.layer("backward_layer")]
    return isinstance(layers[0], LayerCall) and all(
        layer is None or (isinstance(layer, LayerCall) and facts_of(layer.kind).rnn)
        for layer in layers)


def _list_output_why(call: LayerCall) -> str | None:
    """Why a recurrent layer returns a list, when its arguments alone say so."""
    args = _inner_args(call)
    if call.kind in RETURN_STATE_KINDS:
        return STATES_RETURNED if args.flag("return_state", False) else None
    if call.kind == "Bidirectional":
        if args.raw("merge_mode", "concat") is None:
            return MERGE_NONE_RETURNED
        forward = args.layer("layer")
        return _list_output_why(forward) if isinstance(forward, LayerCall) else None
    return None


def _list_per_step(inner: LayerCall, why: str) -> Refusal:
    return _not_wrappable("TimeDistributed", inner,
                          f"it {why}, and TimeDistributed needs one output per time step")


def _step_refusal(outer: LayerCall, inner: LayerCall, x: Shape, step: Shape,
                  refusal: Refusal) -> Refusal | Unknowable:
    """The wrapped layer's refusal, told from TimeDistributed's side, when Keras raises it.

    TimeDistributed skips the wrapped layer's input checks: a rank refusal stands only for
    layers whose build or output arithmetic fails on that rank too.
    """
    # A recurrent layer given (batch, features) sizes its kernel from the batch axis.
    facts = facts_of(inner.kind)
    recurrent = facts.rnn or inner.kind == "Bidirectional"
    rank_fails = (facts.conv or inner.kind == "TimeDistributed"
                  or (recurrent and len(step) < 3 and step[0] is None)
                  # normalization "rank" refusals are an axis out of range, met in build
                  or facts.normalization)
    if refusal.rule is INCOMPATIBLE_RANK and not rank_fails:
        return Unknowable(inner.written_name)
    if refusal.rule is not INCOMPATIBLE_RANK and refusal.rule.code not in BUILD_TIME_RULES:
        return Unknowable(inner.written_name)
    if refusal.needs is not None:
        message = (f"{outer.written_name} receives {format_shape(x)} and gives each time step, "
                   f"of shape {format_shape(step)}, to {inner.label}, which expects "
                   f"{refusal.needs}")
        if refusal.detail:
            message += f" ({refusal.detail})"
    else:
        message = (f"{outer.written_name} applies {inner.label} to each time step, of shape "
                   f"{format_shape(step)}: {refusal.message or refusal.rule.summary}")
    return Refusal(refusal.rule, message, argument="layer")
