"""Pooling: Max/AveragePooling1D/2D/3D and their Global versions (keras/layers/pooling).

The window arithmetic is the convolutions' (`convolutional.window_output_length`). Pooling
differs in what it checks: `padding` is compared as written (so 'SAME' is refused, unlike a
Conv), and only when the layer is built; strides of 0 pass the constructor but fail the build.
"""

from __future__ import annotations

from functools import partial
from itertools import repeat
from typing import NamedTuple

from shape_engine.keras_version import is_keras_2
from shape_engine.layers.base import (
    LayerArgs,
    LayerFacts,
    LayerOutput,
    Refusal,
    Shapes,
    Unknowable,
    layer_rule,
    list_rule,
    spatial_input,
    standard_tuple,
)
from shape_engine.layers.convolutional import (
    Window,
    require,
    window_output_length,
    window_too_small,
)
from shape_engine.layers.refusals import INVALID_ARGUMENT, MULTIPLE_OUTPUTS
from shape_engine.shapes import Shape

_NO_DEFAULT = object()


def _pool_padding(args: LayerArgs) -> str:
    """Pooling reads padding as written: case matters, and nothing but the two names."""
    value = args.raw("padding", "valid")
    if value in ("valid", "same"):
        return str(value)
    if is_keras_2() and isinstance(value, str) and value.lower() in ("valid", "same"):
        return value.lower()  # tf.keras 2 lowercases it
    hint = ""
    if isinstance(value, str) and value.lower() in ("valid", "same"):
        hint = f" (pooling padding names are case-sensitive: use '{value.lower()}')"
    raise Refusal(INVALID_ARGUMENT,
                  f"{args.written_name} needs padding 'valid' or 'same', got {value!r}{hint}",
                  argument="padding")


class PoolArguments(NamedTuple):
    """A pooling layer's checked pool size, strides and data format."""

    pool: tuple[int, ...]
    strides: tuple[int, ...]
    data_format: str


def pooling_arguments(args: LayerArgs, rank: int, pool_default: object) -> PoolArguments:
    """BasePooling's constructor checks (padding is only read at build)."""
    if pool_default is _NO_DEFAULT and is_keras_2():
        pool_default = 2  # tf.keras 2's AveragePooling has one
    if pool_default is _NO_DEFAULT:
        require(args, "pool_size")
    pool_value = args.raw("pool_size", None if pool_default is _NO_DEFAULT else pool_default)
    pool = standard_tuple(args, "pool_size", pool_value, rank)
    stride_value = args.raw("strides", None)
    # strides=None means pool_size; Keras lets strides of 0 through here.
    strides = standard_tuple(args, "strides", pool_value if stride_value is None
                             else stride_value, rank, allow_zero=True)
    return PoolArguments(pool, strides, args.data_format())


def _pooling(args: LayerArgs, x: Shape, rank: int, pool_default: object) -> LayerOutput:
    """BasePooling: constructor checks, then input_spec (exact rank), then the output shape."""
    pooling = pooling_arguments(args, rank, pool_default)
    data_format = pooling.data_format
    spatial, channels = spatial_input(x, rank, data_format)
    padding = _pool_padding(args)
    if 0 in pooling.strides:
        raise Refusal(INVALID_ARGUMENT,
                      f"{args.written_name} needs strides > 0, got "
                      f"strides={args.raw('strides')!r}", argument="strides")
    # map, not generators: for every pooling layer called. pool and strides have `rank`
    # items (standard_tuple), as spatial has (spatial_input).
    windows = tuple(map(Window, pooling.pool, pooling.strides))
    outputs = tuple(map(window_output_length, spatial, windows, repeat(padding)))
    if padding == "valid":
        window_too_small(spatial, windows, outputs, "pool")
    batch = x[0]
    if data_format == "channels_first":
        return LayerOutput((batch, channels, *outputs), 0)
    return LayerOutput((batch, *outputs, channels), 0)


def _global_pooling(args: LayerArgs, x: Shape, rank: int) -> LayerOutput:
    """BaseGlobalPooling: (batch, channels), or 1 on every spatial axis with keepdims."""
    spatial_input(x, rank, args.data_format())
    return global_pooling_any_rank(args, x)


def global_pooling_any_rank(args: LayerArgs, x: Shape) -> LayerOutput:
    """BaseGlobalPooling.compute_output_shape, which takes every axis but the batch and the
    channels for a spatial one, whatever the rank: what TimeDistributed (no input spec) gets."""
    data_format = args.data_format()
    keepdims = bool(args.raw("keepdims", False))
    channels = x[1] if data_format == "channels_first" else x[-1]
    ones = (1,) * (len(x) - 2) if keepdims else ()
    if data_format == "channels_first":
        return LayerOutput((x[0], channels, *ones), 0)
    return LayerOutput((x[0], *ones, channels), 0)


def global_pooling_of_list(args: LayerArgs, shapes: Shapes) -> Shapes:
    """The same compute_output_shape given a list of tensors indexes the list as one shape:
    (first, last) tensors, or (first, second) with channels_first; with keepdims, a 1 for
    each tensor beyond two, which is not a shape: Keras refuses it."""
    data_format = args.data_format()
    keepdims = bool(args.raw("keepdims", False))
    if len(shapes) < 2:
        raise Unknowable("list")
    if keepdims and len(shapes) > 2:
        raise Refusal(MULTIPLE_OUTPUTS,
                      f"{args.written_name}(keepdims=True) takes the list of {len(shapes)} "
                      "tensors for one shape and puts a 1 among them, which is not a tensor")
    if data_format == "channels_first":
        return shapes[0], shapes[1]
    return shapes[0], shapes[-1]


POOL_PARAMS = ("pool_size", "strides", "padding", "data_format", "name")
GLOBAL_PARAMS = ("data_format", "keepdims")


def _register_pooling(kind: str, alias: str, rank: int, pool_default: object) -> None:
    # Keras 3.15 refuses a list in a nested model at max pooling, not at average pooling.
    facts = LayerFacts(rank=rank + 2, size_free=True, local_pooling=True,
                       refuses_nested_list=kind.startswith("Max"))
    # partial, not lambdas: no Python frame of their own around every pooling's rule.
    layer_rule(kind, params=POOL_PARAMS, aliases=(alias,),
               check_args=partial(pooling_arguments, rank=rank, pool_default=pool_default),
               facts=facts)(partial(_pooling, rank=rank, pool_default=pool_default))


def _register_global(kind: str, alias: str, rank: int) -> None:
    layer_rule(kind, params=GLOBAL_PARAMS, aliases=(alias,), check_args=LayerArgs.data_format,
               without_input_spec=global_pooling_any_rank,
               facts=LayerFacts(rank=rank + 2, size_free=True))(
        partial(_global_pooling, rank=rank))
    list_rule(kind)(global_pooling_of_list)


for _rank in (1, 2, 3):
    _register_pooling(f"MaxPooling{_rank}D", f"MaxPool{_rank}D", _rank, 2)
    _register_pooling(f"AveragePooling{_rank}D", f"AvgPool{_rank}D", _rank, _NO_DEFAULT)
    _register_global(f"GlobalMaxPooling{_rank}D", f"GlobalMaxPool{_rank}D", _rank)
    _register_global(f"GlobalAveragePooling{_rank}D", f"GlobalAvgPool{_rank}D", _rank)


def _adaptive_args(args: LayerArgs, rank: int) -> tuple[tuple[int, ...], str]:
    """What the constructor refuses: output_size an int or `rank` of them; data_format
    exactly 'channels_last' or 'channels_first' (not lower-cased here)."""
    value = args.raw("output_size")
    if isinstance(value, bool) or not (isinstance(value, int) or (
            isinstance(value, tuple | list) and len(value) == rank)):
        raise Refusal(INVALID_ARGUMENT,
                      f"{args.written_name} needs `output_size` to be an int or a tuple of "
                      f"{rank} ints, got {value!r}", argument="output_size")
    sizes = (value,) * rank if isinstance(value, int) else tuple(value)
    if not all(isinstance(s, int) and not isinstance(s, bool) for s in sizes):
        raise Unknowable("output_size")
    data_format = args.raw("data_format", None)
    if data_format is None:
        data_format = args.default_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise Refusal(INVALID_ARGUMENT,
                      f"{args.written_name} needs data_format 'channels_last' or "
                      f"'channels_first', got {data_format!r}", argument="data_format")
    return sizes, str(data_format)


def _adaptive_pooling(args: LayerArgs, x: Shape, rank: int) -> LayerOutput:
    """Its compute_output_shape puts output_size between the batch and the channels, whatever
    the input's rank (it has no input spec)."""
    sizes, data_format = _adaptive_args(args, rank)
    if data_format == "channels_first":
        return LayerOutput((x[0], x[1], *sizes), 0)
    return LayerOutput((x[0], *sizes, x[-1]), 0)


def _register_adaptive(kind: str, rank: int) -> None:
    layer_rule(kind, params=("output_size", "data_format"),
               check_args=lambda args: _adaptive_args(args, rank))(
        lambda args, x: _adaptive_pooling(args, x, rank))


for _rank in (1, 2, 3):
    _register_adaptive(f"AdaptiveAveragePooling{_rank}D", _rank)
    _register_adaptive(f"AdaptiveMaxPooling{_rank}D", _rank)
