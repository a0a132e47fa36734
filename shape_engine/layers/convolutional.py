"""Convolutions: Conv1D/2D/3D, their transposes, SeparableConv, DepthwiseConv.

Mirrors keras/src/layers/convolutional and keras/src/ops/operation_utils (Keras 3.15). Keras
checks in a fixed order, and so do these rules, so that the first refusal is the one Keras
raises: the constructor's arguments first, then the input's rank (input_spec), then what
`build` needs (a known channel axis, channels divisible by groups), then the output sizes.

The window arithmetic shared with pooling (`window_output_length`, `window_too_small`) lives
here, in one place; argument parsing shared by every family lives in `base`.
"""

from __future__ import annotations

import math
from functools import partial
from itertools import repeat
from typing import NamedTuple, Protocol

from shape_engine.layers.base import (
    AXIS_NAMES,
    BuiltSpec,
    LayerArgs,
    LayerFacts,
    LayerOutput,
    Reader,
    Refusal,
    join_channels,
    layer_rule,
    read_once,
    spatial_input,
    standard_tuple,
)
from shape_engine.layers.refusals import (
    INVALID_ARGUMENT,
    NON_POSITIVE_DIM,
    UNKNOWN_REQUIRED_DIM,
)
from shape_engine.shapes import Dim, Shape, format_shape

_MISSING = object()


# --- arguments -------------------------------------------------------------------------------

def require(args: LayerArgs, name: str) -> None:
    """A required constructor argument that is missing is a TypeError in Keras."""
    if not args.given(name) and not args.call.has_unpacking:
        raise Refusal(INVALID_ARGUMENT, f"{args.written_name} needs the argument `{name}`",
                      argument=name)


def tuple_arg(args: LayerArgs, name: str, count: int, default: object = _MISSING, *,
              allow_zero: bool = False) -> tuple[int, ...]:
    value = args.raw(name, default)
    if type(value) is int and value > 0:  # the commonest case, `kernel_size=3`
        return (value,) * count
    return standard_tuple(args, name, value, count, allow_zero=allow_zero)


Count = int | float | None


def count_argument(args: LayerArgs, name: str, default: object = _MISSING, *,
                   none_ok: bool = True) -> Count:
    """filters, depth_multiplier, groups as the constructor sees them.

    The constructor refuses values <= 0 (and a None groups); a float or a None filters only
    fails later, when `build` sizes the kernel (see `whole_count`). True counts as 1.
    """
    value = args.raw(name, default)
    if type(value) is int and value > 0:  # the commonest case, `filters=32`
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        if value <= 0:
            raise Refusal(INVALID_ARGUMENT,
                          f"{args.written_name} needs a strictly positive `{name}`, "
                          f"got {value!r}", argument=name)
        return value
    if value is None and none_ok:
        return None
    # Anything else fails the `<= 0` comparison.
    raise _not_a_count(args, name, value)


def whole_count(args: LayerArgs, name: str, value: Count) -> int:
    """A count the kernel's shape is made of: Keras cannot make a weight of size 2.0 or None."""
    if not isinstance(value, int):
        raise _not_a_count(args, name, value)
    return value


def _not_a_count(args: LayerArgs, name: str, value: object) -> Refusal:
    return Refusal(INVALID_ARGUMENT,
                   f"{args.written_name} needs `{name}` to be a positive integer, "
                   f"got {value!r}", argument=name)


EXPLICIT = "explicit"  # a list/tuple padding: accepted by the constructor, refused at build


def conv_padding(args: LayerArgs, *, allow_causal: bool) -> str:
    """Keras' `standardize_padding`: case-insensitive; a list/tuple passes through as-is."""
    value = args.raw("padding", "valid")
    if isinstance(value, str) and value in ("valid", "same"):  # the commonest, as written
        return value
    if isinstance(value, tuple | list):
        return EXPLICIT
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    if not isinstance(value, str):
        raise Refusal(INVALID_ARGUMENT,
                      f"{args.written_name} needs padding {_names(allowed)}, got {value!r}",
                      argument="padding")
    padding = value.lower()
    if padding == "causal" and not allow_causal:
        raise Refusal(INVALID_ARGUMENT,
                      f"{args.written_name} does not support padding='causal': only Conv1D "
                      "does (use 'valid' or 'same')", argument="padding")
    if padding not in allowed:
        raise Refusal(INVALID_ARGUMENT,
                      f"{args.written_name} needs padding {_names(allowed)}, got {value!r}",
                      argument="padding")
    return padding


def refuse_explicit_padding(args: LayerArgs) -> None:
    raise Refusal(INVALID_ARGUMENT,
                  f"{args.written_name} needs padding 'valid' or 'same', got "
                  f"{args.raw('padding')!r} (explicit paddings are not supported: add a "
                  "ZeroPadding layer before it)", argument="padding")


def _names(allowed: tuple[str, ...]) -> str:
    quoted = [f"'{a}'" for a in allowed]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


# --- input -----------------------------------------------------------------------------------

def known_channels(channels: Dim, data_format: str) -> int:
    if channels is None:
        axis = "axis 1" if data_format == "channels_first" else "the last axis"
        raise Refusal(UNKNOWN_REQUIRED_DIM,
                      needs=f"a defined number of input channels ({axis}) to size its kernel")
    return channels


# --- arithmetic ------------------------------------------------------------------------------

class Window(NamedTuple):
    """A sliding window along one axis: convolution kernel or pooling window."""

    size: int
    stride: int
    dilation: int = 1

    @property
    def span(self) -> int:
        """How many input positions one window covers."""
        return self.dilation * (self.size - 1) + 1


def window_output_length(length: Dim, window: Window, padding: str) -> Dim:
    """Output length of a convolution or pooling along one axis (compute_conv_output_shape).

    valid: floor((L - span) / s) + 1; same and causal: floor((L - 1) / s) + 1. Keras computes
    in floating point; so do we, to round the same way.
    """
    if length is None:
        return None
    if padding == "valid":
        return math.floor((length - window.span) / window.stride) + 1
    return math.floor((length - 1) / window.stride) + 1


def window_too_small(spatial: tuple[Dim, ...], windows: tuple[Window, ...],
                     outputs: tuple[Dim, ...], what: str) -> None:
    """Keras refuses a computed size <= 0 on a known axis (padding 'valid' only gets there)."""
    names = AXIS_NAMES[len(spatial)]
    for name, length, window, out in zip(names, spatial, windows, outputs, strict=True):
        if out is not None and out <= 0:
            if what == "kernel" and window.dilation > 1:
                size = (f"kernel size {window.size} dilated by {window.dilation} spans "
                        f"{window.span}")
            else:
                size = f"{what} size {window.size}"
            raise Refusal(NON_POSITIVE_DIM,
                          needs=f"an input {name} of at least {window.span} ({size}, "
                                f"padding='valid'; a {name} of {length} gives {out})")


def transpose_output_length(length: Dim, window: Window, padding: str,
                            output_padding: int | None) -> Dim:
    """Output length of a transposed convolution along one axis (TF's deconv arithmetic)."""
    if length is None:
        return None
    span = window.span
    if padding == "valid":
        extra = max(span, window.stride) - span if output_padding is None else output_padding
        return (length - 1) * window.stride + span + extra
    if output_padding is None:
        return length * window.stride
    return (length - 1) * window.stride + span % 2 + output_padding


# --- the layers ------------------------------------------------------------------------------

class ConvConfig(NamedTuple):
    """A convolution's windows, padding and data format."""

    windows: tuple[Window, ...]
    padding: str
    data_format: str
    kernel_volume: int  # the product of the kernel's sizes


def _window_args(args: LayerArgs, rank: int, *, allow_causal: bool
                 ) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], str]:
    """kernel_size, strides, dilation_rate, padding: the constructor's first checks."""
    require(args, "kernel_size")
    kernel = tuple_arg(args, "kernel_size", rank)
    strides = tuple_arg(args, "strides", rank, 1)
    dilation = tuple_arg(args, "dilation_rate", rank, 1)
    padding = conv_padding(args, allow_causal=allow_causal)
    return kernel, strides, dilation, padding


def _config(kernel: tuple[int, ...], strides: tuple[int, ...], dilation: tuple[int, ...],
            padding: str, data_format: str) -> ConvConfig:
    # map, not a generator: made for every convolution called. The three have `rank` items
    # each (standard_tuple).
    windows = tuple(map(Window, kernel, strides, dilation))
    return ConvConfig(windows, padding, data_format, math.prod(kernel))


def _no_strided_dilation(args: LayerArgs, strides: tuple[int, ...],
                         dilation: tuple[int, ...]) -> None:
    if max(strides) > 1 and max(dilation) > 1:
        raise Refusal(INVALID_ARGUMENT,
                      f"{args.written_name} cannot combine strides > 1 with dilation_rate > 1 "
                      f"(strides={_short(strides)}, dilation_rate={_short(dilation)})",
                      argument="dilation_rate" if args.given("dilation_rate") else "strides")


def _short(values: tuple[int, ...]) -> str:
    return str(values[0]) if len(set(values)) == 1 else str(values)


def _conv_spatial(args: LayerArgs, spatial: tuple[Dim, ...], config: ConvConfig
                  ) -> tuple[Dim, ...]:
    """compute_conv_output_shape on the spatial axes, with its refusals."""
    if config.padding == EXPLICIT:
        refuse_explicit_padding(args)
    # map, not a generator: for every convolution called (`spatial_input` checked the rank).
    outputs = tuple(map(window_output_length, spatial, config.windows,
                        repeat(config.padding)))
    if config.padding == "valid":
        window_too_small(spatial, config.windows, outputs, "kernel")
    return outputs


def _bias(args: LayerArgs, size: int) -> int:
    # Keras tests `if self.use_bias:`, so any value counts by its truth.
    return size if args.raw("use_bias", True) else 0


class ConvArguments(NamedTuple):
    """A convolution's constructor arguments, after the constructor's own checks."""

    config: ConvConfig
    filters: Count  # filters, or depth_multiplier for DepthwiseConv
    groups: Count = 1
    depth_multiplier: Count = 1
    output_padding: tuple[int, ...] | None = None


@read_once
def conv_arguments(args: LayerArgs, rank: int) -> ConvArguments:
    """BaseConv's constructor checks, in its order."""
    require(args, "filters")
    kernel, strides, dilation, padding = _window_args(args, rank, allow_causal=rank == 1)
    config = _config(kernel, strides, dilation, padding, args.data_format())
    filters = count_argument(args, "filters")
    groups = count_argument(args, "groups", 1, none_ok=False)
    if filters is not None and groups is not None and filters % groups:
        raise Refusal(INVALID_ARGUMENT,
                      f"{args.written_name} needs filters divisible by groups: "
                      f"filters={filters} is not a multiple of groups={groups}",
                      argument="groups")
    _no_strided_dilation(args, strides, dilation)
    return ConvArguments(config, filters, groups=groups)


@read_once
def transpose_arguments(args: LayerArgs, rank: int) -> ConvArguments:
    """BaseConvTranspose's constructor checks: no groups, no causal padding."""
    require(args, "filters")
    kernel, strides, dilation, padding = _window_args(args, rank, allow_causal=False)
    output_padding: tuple[int, ...] | None = None
    if args.raw("output_padding", None) is not None:
        output_padding = tuple_arg(args, "output_padding", rank, allow_zero=True)
    config = _config(kernel, strides, dilation, padding, args.data_format())
    filters = count_argument(args, "filters")
    if output_padding is not None:
        for extra, stride in zip(output_padding, strides, strict=True):
            if extra >= stride:
                raise Refusal(INVALID_ARGUMENT,
                              f"{args.written_name} needs output_padding < strides on every "
                              f"axis, got output_padding={_short(output_padding)} with "
                              f"strides={_short(strides)}", argument="output_padding")
    _no_strided_dilation(args, strides, dilation)
    return ConvArguments(config, filters, output_padding=output_padding)


@read_once
def depthwise_arguments(args: LayerArgs, rank: int) -> ConvArguments:
    """BaseDepthwiseConv's constructor checks: strides > 1 with dilation > 1 is let through."""
    kernel, strides, dilation, padding = _window_args(args, rank, allow_causal=False)
    config = _config(kernel, strides, dilation, padding, args.data_format())
    multiplier = count_argument(args, "depth_multiplier", 1)
    return ConvArguments(config, None, depth_multiplier=multiplier)


@read_once
def separable_arguments(args: LayerArgs, rank: int) -> ConvArguments:
    """BaseSeparableConv's constructor checks: strides > 1 with dilation > 1 is let through."""
    require(args, "filters")
    kernel, strides, dilation, padding = _window_args(args, rank, allow_causal=False)
    config = _config(kernel, strides, dilation, padding, args.data_format())
    multiplier = count_argument(args, "depth_multiplier", 1)
    filters = count_argument(args, "filters")
    return ConvArguments(config, filters, depth_multiplier=multiplier)


def _conv(args: LayerArgs, x: Shape, rank: int) -> LayerOutput:
    """BaseConv: Conv1D/2D/3D."""
    conv = conv_arguments(args, rank)
    config, groups = conv.config, conv.groups
    spatial, channels = spatial_input(x, rank, config.data_format)
    in_channels = known_channels(channels, config.data_format)
    if groups is not None and in_channels % groups:
        raise Refusal(INVALID_ARGUMENT,
                      f"{args.written_name} with groups={groups} needs input channels "
                      f"divisible by {groups}, but its input {format_shape(x)} has "
                      f"{in_channels}", argument="groups")
    outputs = _conv_spatial(args, spatial, config)
    filters = whole_count(args, "filters", conv.filters)
    per_group = whole_count(args, "groups", groups)
    params = config.kernel_volume * (in_channels // per_group) * filters + _bias(args, filters)
    return LayerOutput(join_channels(x[0], outputs, filters, config.data_format), params)


def _conv_transpose(args: LayerArgs, x: Shape, rank: int) -> LayerOutput:
    """BaseConvTranspose: Conv1DTranspose/2D/3D. No size check: it only grows."""
    conv = transpose_arguments(args, rank)
    config = conv.config
    spatial, channels = spatial_input(x, rank, config.data_format)
    # build() makes the kernel before compute_output_shape reads the padding.
    in_channels = known_channels(channels, config.data_format)
    filters = whole_count(args, "filters", conv.filters)
    if config.padding == EXPLICIT:
        # Keras only reads padding for an axis of known size.
        if any(length is not None for length in spatial):
            refuse_explicit_padding(args)
        outputs: tuple[Dim, ...] = (None,) * rank
    else:
        extras: tuple[int | None, ...] = conv.output_padding or (None,) * rank
        outputs = tuple(transpose_output_length(length, window, config.padding, extra)
                        for length, window, extra in zip(spatial, config.windows, extras,
                                                         strict=True))
    params = config.kernel_volume * filters * in_channels + _bias(args, filters)
    return LayerOutput(join_channels(x[0], outputs, filters, config.data_format), params)


def _depthwise(args: LayerArgs, x: Shape, rank: int) -> LayerOutput:
    """BaseDepthwiseConv: each channel gets depth_multiplier kernels."""
    conv = depthwise_arguments(args, rank)
    config, count = conv.config, conv.depth_multiplier
    spatial, channels = spatial_input(x, rank, config.data_format)
    in_channels = known_channels(channels, config.data_format)
    if count is None:  # compute_output_shape multiplies it first
        whole_count(args, "depth_multiplier", count)
    outputs = _conv_spatial(args, spatial, config)
    multiplier = whole_count(args, "depth_multiplier", count)
    out_channels = in_channels * multiplier
    params = config.kernel_volume * out_channels + _bias(args, out_channels)
    return LayerOutput(join_channels(x[0], outputs, out_channels, config.data_format), params)


def _separable(args: LayerArgs, x: Shape, rank: int) -> LayerOutput:
    """BaseSeparableConv: a depthwise kernel, then a 1x1 pointwise kernel to `filters`."""
    conv = separable_arguments(args, rank)
    config = conv.config
    spatial, channels = spatial_input(x, rank, config.data_format)
    in_channels = known_channels(channels, config.data_format)
    outputs = _conv_spatial(args, spatial, config)
    multiplier = whole_count(args, "depth_multiplier", conv.depth_multiplier)
    filters = whole_count(args, "filters", conv.filters)
    depthwise = config.kernel_volume * in_channels * multiplier
    pointwise = in_channels * multiplier * filters
    params = depthwise + pointwise + _bias(args, filters)
    return LayerOutput(join_channels(x[0], outputs, filters, config.data_format), params)


CONV_PARAMS = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
               "groups", "activation", "use_bias")
TRANSPOSE_PARAMS = ("filters", "kernel_size", "strides", "padding", "output_padding",
                    "data_format", "dilation_rate", "activation", "use_bias")
# Conv3DTranspose takes data_format before output_padding.
TRANSPOSE_3D_PARAMS = ("filters", "kernel_size", "strides", "padding", "data_format",
                       "output_padding", "dilation_rate", "activation", "use_bias")
SEPARABLE_PARAMS = ("filters", "kernel_size", "strides", "padding", "data_format",
                    "dilation_rate", "depth_multiplier", "activation", "use_bias")
DEPTHWISE_PARAMS = ("kernel_size", "strides", "padding", "depth_multiplier", "data_format",
                    "dilation_rate", "activation", "use_bias")


def _pins_channels(args: LayerArgs, x: Shape) -> BuiltSpec:
    """Every convolution's build: `InputSpec(min_ndim=rank + 2, axes={channel_axis: ...})`."""
    axis = 1 if args.data_format() == "channels_first" else -1
    return BuiltSpec(axes=((axis, x[axis]),))


class _RankedRule(Protocol):
    """A rule of every rank (`_conv`, ...), registered once per rank."""

    def __call__(self, args: LayerArgs, x: Shape, rank: int) -> LayerOutput: ...


def _register(kind: str, rank: int, params: tuple[str, ...], aliases: tuple[str, ...],
              compute: _RankedRule, arguments: Reader[ConvArguments]) -> None:
    facts = LayerFacts(rank=rank + 2, conv=compute is _conv, weights_axis="channels",
                       default_activation="linear", biased=True,
                       refuses_nested_list=compute is _conv)
    # partial, not lambdas: no Python frame of their own around every convolution's rule.
    layer_rule(kind, params=params, aliases=aliases,
               check_args=partial(arguments, rank=rank), built_spec=_pins_channels,
               facts=facts)(partial(compute, rank=rank))


for _rank in (1, 2, 3):
    _register(f"Conv{_rank}D", _rank, CONV_PARAMS, (f"Convolution{_rank}D",), _conv,
              conv_arguments)
    _register(f"Conv{_rank}DTranspose", _rank,
              TRANSPOSE_3D_PARAMS if _rank == 3 else TRANSPOSE_PARAMS,
              (f"Convolution{_rank}DTranspose",), _conv_transpose, transpose_arguments)
for _rank in (1, 2):
    _register(f"SeparableConv{_rank}D", _rank, SEPARABLE_PARAMS,
              (f"SeparableConvolution{_rank}D",), _separable, separable_arguments)
    _register(f"DepthwiseConv{_rank}D", _rank, DEPTHWISE_PARAMS, (), _depthwise,
              depthwise_arguments)
