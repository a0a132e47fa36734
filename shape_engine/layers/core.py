"""Input, Dense, Embedding, Lambda, Identity, Masking: keras/layers/core."""

from __future__ import annotations

import math

from shape_engine.checks.build import INVALID_ARGUMENT, INCOMPATIBLE_RANK, UNKNOWN_REQUIRED_DIM
from shape_engine.ir import LayerCall
from shape_engine.layers.base import (
    LayerArgs,
    LayerOutput,
    Refusal,
    Unknowable,
    layer_rule,
)
from shape_engine.shapes import Shape

INPUT_PARAMS = ("shape", "batch_size", "dtype", "sparse", "batch_shape", "name", "tensor")
INPUT_LAYER_PARAMS = ("shape", "batch_size", "dtype", "sparse", "batch_shape", "input_tensor")


def _input_shape(args: LayerArgs) -> LayerOutput:
    for name in ("batch_shape", "batch_input_shape"):
        if args.raw(name, None) is not None:
            return LayerOutput(args.shape_tuple(name), 0)
    for name in ("shape", "input_shape"):
        if args.raw(name, None) is not None:
            return LayerOutput((args.optional_int("batch_size"), *args.shape_tuple(name)), 0)
    raise Unknowable("shape")


@layer_rule("Input", params=INPUT_PARAMS, needs_input=False)
def input_(args: LayerArgs, x: Shape) -> LayerOutput:
    return _input_shape(args)


@layer_rule("InputLayer", params=INPUT_LAYER_PARAMS, needs_input=False)
def input_layer(args: LayerArgs, x: Shape) -> LayerOutput:
    return _input_shape(args)


def declared_input_shape(call: LayerCall) -> Shape | None:
    """The batch input shape declared on a first layer (`input_shape=` and friends), if any.

    Raises Unknowable when one is declared but its value is not known.
    """
    args = LayerArgs(call, ())
    if args.raw("batch_input_shape", None) is not None:
        return args.shape_tuple("batch_input_shape")
    if args.raw("input_dim", None) is not None:
        return (None, args.int("input_dim"))
    if args.raw("input_shape", None) is not None:
        return (None, *args.shape_tuple("input_shape"))
    return None


@layer_rule("Dense", params=("units", "activation", "use_bias"))
def dense(args: LayerArgs, x: Shape) -> LayerOutput:
    if len(x) < 2:
        raise Refusal(INCOMPATIBLE_RANK, needs="an input of rank 2 or more (batch, ..., features)")
    units = args.int("units")
    if units <= 0:
        raise Refusal(INVALID_ARGUMENT, f"Dense needs a positive number of units, got {units}",
                      argument="units")
    features = x[-1]
    if features is None:
        raise Refusal(UNKNOWN_REQUIRED_DIM,
                      needs="a defined last axis (features) to size its kernel")
    bias = units if args.bool("use_bias", True) else 0
    return LayerOutput((*x[:-1], units), features * units + bias)


@layer_rule("Embedding", params=("input_dim", "output_dim"))
def embedding(args: LayerArgs, x: Shape) -> LayerOutput:
    input_dim, output_dim = args.int("input_dim"), args.int("output_dim")
    return LayerOutput((*x, output_dim), input_dim * output_dim)


@layer_rule("Lambda", params=("function", "output_shape"))
def lambda_(args: LayerArgs, x: Shape) -> LayerOutput:
    # Without output_shape Keras traces the function; a static tool cannot.
    target = args.raw("output_shape", None)
    if target is None or callable(target):
        raise Unknowable("output_shape")
    return LayerOutput((x[0], *args.shape_tuple("output_shape")), 0)


@layer_rule("Identity")
def identity(args: LayerArgs, x: Shape) -> LayerOutput:
    return LayerOutput(x, 0)


@layer_rule("Masking", params=("mask_value",))
def masking(args: LayerArgs, x: Shape) -> LayerOutput:
    return LayerOutput(x, 0)


def element_count(shape: Shape) -> int | None:
    if any(d is None for d in shape):
        return None
    return math.prod(d for d in shape if d is not None)
