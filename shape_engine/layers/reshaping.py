"""Flatten, Reshape, Permute, RepeatVector, Cropping, ZeroPadding, UpSampling.

Mirrors keras/src/layers/reshaping (Keras 3.15). Each rule checks what the constructor
refuses first, then the input's rank (input_spec), then the sizes `compute_output_shape`
refuses. Unknown (None) dims are never checked, as in Keras.
"""

from __future__ import annotations

import math

from shape_engine.layers.base import (
    AXIS_NAMES,
    LayerArgs,
    LayerFacts,
    LayerOutput,
    Refusal,
    Unknowable,
    argument_refusal,
    join_channels,
    layer_rule,
    rank_name,
    spatial_input,
    standard_tuple,
)
from shape_engine.layers.refusals import (
    INCOMPATIBLE_RANK,
    NON_POSITIVE_DIM,
    RESHAPE_SIZE_MISMATCH,
)
from shape_engine.shapes import Dim, Shape, format_shape, product

Pair = tuple[int, int]


# --- arguments -------------------------------------------------------------------------------

def _pairs(args: LayerArgs, name: str, value: object, count: int, *,
           negative_int_ok: bool) -> tuple[Pair, ...]:
    """Cropping2D/3D and ZeroPadding2D/3D: an int, `count` ints, or `count` pairs of ints."""
    expected = f"an int, a tuple of {count} ints or a tuple of {count} (before, after) pairs"
    if isinstance(value, int):
        if value < 0 and not negative_int_ok:
            raise argument_refusal(args, name, f"{expected}, all >= 0", value)
        return ((int(value), int(value)),) * count
    if isinstance(value, tuple | list | str) and len(value) == count:
        pairs = []
        for entry in value:
            before, after = standard_tuple(args, name, entry, 2, allow_zero=True)
            pairs.append((before, after))
        return tuple(pairs)
    raise argument_refusal(args, name, expected, value)


def _elements(count: int) -> str:
    return f"{count} element" + ("" if count == 1 else "s")


# --- Flatten, Reshape, Permute, RepeatVector -------------------------------------------------

@layer_rule("Flatten", params=("data_format",), check_args=LayerArgs.check_data_format,
            facts=LayerFacts(size_free=True, refuses_nested_list=True))
def flatten(args: LayerArgs, x: Shape) -> LayerOutput:
    # data_format only reorders the elements: the output shape is the same.
    args.check_data_format()
    if len(x) < 1:
        raise Refusal(INCOMPATIBLE_RANK, needs="an input of rank 1 or more")
    if len(x) == 1:
        return LayerOutput((x[0], 1), 0)
    return LayerOutput((x[0], product(x[1:])), 0)


def _reshape_target(args: LayerArgs) -> tuple[Dim, ...]:
    """The target with Keras' normalisation: non-int dims become None, -1 is kept."""
    value = args.raw("target_shape")
    if isinstance(value, str):
        raise Unknowable("target_shape")
    if not isinstance(value, tuple | list):
        raise argument_refusal(args, "target_shape", "a tuple of dims, e.g. (28, 28, 1)", value)
    dims = [int(d) if isinstance(d, int) else None for d in value]
    if any(d is not None and d < -1 for d in dims) or dims.count(-1) > 1:
        raise argument_refusal(args, "target_shape",
                               "a tuple of ints >= 0 with at most one -1", tuple(value))
    return tuple(dims)


@layer_rule("Reshape", params=("target_shape",), check_args=_reshape_target,
            facts=LayerFacts(size_free=True, refuses_nested_list=True))
def reshape(args: LayerArgs, x: Shape) -> LayerOutput:
    # Its size checks are compute_output_shape's (Keras 3.15), met on every call: a layer
    # built already and a nested model's replay meet them too (`every_call`).
    target = _reshape_target(args)
    if len(x) < 1:
        raise Unknowable("rank")
    source = x[1:]
    size = product(source)
    if size is None or None in target:
        # Keras cannot check anything then; -1 stays unknown.
        return LayerOutput((x[0], *(None if d == -1 else d for d in target)), 0)
    known = [d for d in target if d is not None and d != -1]
    if -1 not in target:
        if math.prod(known) != size:
            shown = " x ".join(str(d) for d in known)
            needs = _elements(math.prod(known)) + (f" ({shown})" if len(known) > 1 else "")
            raise Refusal(RESHAPE_SIZE_MISMATCH, needs=needs, detail=_elements(size),
                          every_call=True)
        return LayerOutput((x[0], *target), 0)
    rest = math.prod(known)
    if rest == 0:
        raise Refusal(RESHAPE_SIZE_MISMATCH,
                      f"{args.written_name} cannot size the -1 of target_shape "
                      f"{format_shape(target)}: its other dims multiply to 0",
                      argument="target_shape", every_call=True)
    if size % rest != 0:
        raise Refusal(RESHAPE_SIZE_MISMATCH,
                      needs=f"a multiple of {rest} elements to fill the -1 of "
                      f"{format_shape(target)}", detail=_elements(size), every_call=True)
    return LayerOutput((x[0], *(size // rest if d == -1 else d for d in target)), 0)


def _permute_dims(args: LayerArgs) -> list[int]:
    value = args.raw("dims")
    if isinstance(value, str):
        raise Unknowable("dims")
    expected = "a permutation of 1..n, e.g. (2, 1)"
    if not isinstance(value, tuple | list):
        raise argument_refusal(args, "dims", expected, value)
    if not all(isinstance(d, int) for d in value) or sorted(value) != list(
            range(1, len(value) + 1)):
        raise argument_refusal(args, "dims", expected, tuple(value))
    return [int(d) for d in value]


@layer_rule("Permute", params=("dims",), check_args=_permute_dims,
            facts=LayerFacts(size_free=True, refuses_nested_list=True))
def permute(args: LayerArgs, x: Shape) -> LayerOutput:
    dims = _permute_dims(args)
    if len(x) != len(dims) + 1:
        raise Refusal(INCOMPATIBLE_RANK,
                      needs=f"a {rank_name(len(dims) + 1)} input (batch and the {len(dims)} "
                      f"axes that dims={tuple(dims)} permutes)")
    return LayerOutput((x[0], *(x[d] for d in dims)), 0)


def _repeat_count(args: LayerArgs) -> int:
    n = args.raw("n")
    if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
        raise argument_refusal(args, "n", "a positive int", n)
    return n


@layer_rule("RepeatVector", params=("n",), check_args=_repeat_count,
            facts=LayerFacts(size_free=True))
def repeat_vector(args: LayerArgs, x: Shape) -> LayerOutput:
    n = _repeat_count(args)
    if len(x) != 2:
        raise Refusal(INCOMPATIBLE_RANK, needs="a 2-D input (batch, features)")
    return LayerOutput((x[0], n, x[1]), 0)


# --- Cropping, ZeroPadding -------------------------------------------------------------------

def _crop(x: Shape, spatial: int, data_format: str, crops: tuple[Pair, ...]) -> LayerOutput:
    dims, channels = spatial_input(x, spatial, data_format)
    out: list[Dim] = []
    for axis, dim, (before, after) in zip(AXIS_NAMES[spatial], dims, crops, strict=True):
        if dim is not None and dim - before - after <= 0:
            raise Refusal(NON_POSITIVE_DIM,
                          needs=f"a {axis} larger than {before + after} to crop "
                          f"{before} + {after} from it")
        out.append(None if dim is None else dim - before - after)
    return LayerOutput(join_channels(x[0], tuple(out), channels, data_format), 0)


def _pad(x: Shape, spatial: int, data_format: str, pads: tuple[Pair, ...]) -> LayerOutput:
    dims, channels = spatial_input(x, spatial, data_format)
    out: list[Dim] = []
    for axis, dim, (before, after) in zip(AXIS_NAMES[spatial], dims, pads, strict=True):
        if dim is not None and dim + before + after < 0:
            # Only ZeroPadding2D/3D take a negative int; the size may reach 0, not below.
            raise Refusal(NON_POSITIVE_DIM,
                          needs=f"a {axis} of at least {-(before + after)} for the negative "
                          f"padding {before} on each side")
        out.append(None if dim is None else dim + before + after)
    return LayerOutput(join_channels(x[0], tuple(out), channels, data_format), 0)


def _cropping_1d_args(args: LayerArgs) -> tuple[str, tuple[Pair, ...]]:
    before, after = standard_tuple(args, "cropping", args.raw("cropping", (1, 1)), 2,
                                   allow_zero=True)
    return "channels_last", ((before, after),)


def _cropping_2d_args(args: LayerArgs) -> tuple[str, tuple[Pair, ...]]:
    data_format = args.data_format()
    return data_format, _pairs(args, "cropping", args.raw("cropping", 0), 2,
                               negative_int_ok=False)


def _cropping_3d_args(args: LayerArgs) -> tuple[str, tuple[Pair, ...]]:
    data_format = args.data_format()
    return data_format, _pairs(args, "cropping", args.raw("cropping", 1), 3,
                               negative_int_ok=False)


@layer_rule("Cropping1D", params=("cropping",), check_args=_cropping_1d_args,
            facts=LayerFacts(rank=3, size_free=True, refuses_nested_list=True))
def cropping_1d(args: LayerArgs, x: Shape) -> LayerOutput:
    return _crop(x, 1, *_cropping_1d_args(args))


@layer_rule("Cropping2D", params=("cropping", "data_format"), check_args=_cropping_2d_args,
            facts=LayerFacts(rank=4, size_free=True, refuses_nested_list=True))
def cropping_2d(args: LayerArgs, x: Shape) -> LayerOutput:
    return _crop(x, 2, *_cropping_2d_args(args))


@layer_rule("Cropping3D", params=("cropping", "data_format"), check_args=_cropping_3d_args,
            facts=LayerFacts(rank=5, size_free=True, refuses_nested_list=True))
def cropping_3d(args: LayerArgs, x: Shape) -> LayerOutput:
    return _crop(x, 3, *_cropping_3d_args(args))


def _padding_1d_args(args: LayerArgs) -> tuple[str, tuple[Pair, ...]]:
    data_format = args.data_format()
    before, after = standard_tuple(args, "padding", args.raw("padding", 1), 2,
                                   allow_zero=True)
    return data_format, ((before, after),)


def _padding_2d_args(args: LayerArgs) -> tuple[str, tuple[Pair, ...]]:
    data_format = args.data_format()
    # Keras checks the signs of tuple entries but not of a single int.
    return data_format, _pairs(args, "padding", args.raw("padding", 1), 2,
                               negative_int_ok=True)


def _padding_3d_args(args: LayerArgs) -> tuple[str, tuple[Pair, ...]]:
    data_format = args.data_format()
    return data_format, _pairs(args, "padding", args.raw("padding", 1), 3,
                               negative_int_ok=True)


@layer_rule("ZeroPadding1D", params=("padding", "data_format"), check_args=_padding_1d_args,
            facts=LayerFacts(rank=3, size_free=True, refuses_nested_list=True))
def zero_padding_1d(args: LayerArgs, x: Shape) -> LayerOutput:
    return _pad(x, 1, *_padding_1d_args(args))


@layer_rule("ZeroPadding2D", params=("padding", "data_format"), check_args=_padding_2d_args,
            facts=LayerFacts(rank=4, size_free=True, refuses_nested_list=True))
def zero_padding_2d(args: LayerArgs, x: Shape) -> LayerOutput:
    return _pad(x, 2, *_padding_2d_args(args))


@layer_rule("ZeroPadding3D", params=("padding", "data_format"), check_args=_padding_3d_args,
            facts=LayerFacts(rank=5, size_free=True, refuses_nested_list=True))
def zero_padding_3d(args: LayerArgs, x: Shape) -> LayerOutput:
    return _pad(x, 3, *_padding_3d_args(args))


# --- UpSampling ------------------------------------------------------------------------------

def _upsample(x: Shape, spatial: int, data_format: str, sizes: tuple[int, ...]
              ) -> LayerOutput:
    dims, channels = spatial_input(x, spatial, data_format)
    out = tuple(None if d is None else d * s for d, s in zip(dims, sizes, strict=True))
    return LayerOutput(join_channels(x[0], out, channels, data_format), 0)


def _up_sampling_1d_args(args: LayerArgs) -> tuple[str, tuple[int, ...]]:
    size = args.raw("size", 2)
    if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
        raise argument_refusal(args, "size", "a positive int", size)
    return "channels_last", (size,)


def _up_sampling_2d_args(args: LayerArgs) -> tuple[str, tuple[int, ...]]:
    data_format = args.data_format()
    sizes = standard_tuple(args, "size", args.raw("size", 2), 2, allow_zero=False)
    # The interpolation only changes values; Keras merely lower-cases it here.
    try:
        interpolation = args.raw("interpolation", "nearest")
    except Unknowable:
        interpolation = "nearest"
    if not isinstance(interpolation, str):
        raise argument_refusal(args, "interpolation", "a string", interpolation)
    return data_format, sizes


def _up_sampling_3d_args(args: LayerArgs) -> tuple[str, tuple[int, ...]]:
    data_format = args.data_format()
    return data_format, standard_tuple(args, "size", args.raw("size", 2), 3, allow_zero=False)


@layer_rule("UpSampling1D", params=("size",), check_args=_up_sampling_1d_args,
            facts=LayerFacts(rank=3, size_free=True))
def up_sampling_1d(args: LayerArgs, x: Shape) -> LayerOutput:
    return _upsample(x, 1, *_up_sampling_1d_args(args))


@layer_rule("UpSampling2D", params=("size", "data_format", "interpolation"),
            check_args=_up_sampling_2d_args,
            facts=LayerFacts(rank=4, size_free=True))
def up_sampling_2d(args: LayerArgs, x: Shape) -> LayerOutput:
    return _upsample(x, 2, *_up_sampling_2d_args(args))


@layer_rule("UpSampling3D", params=("size", "data_format"), check_args=_up_sampling_3d_args,
            facts=LayerFacts(rank=5, size_free=True))
def up_sampling_3d(args: LayerArgs, x: Shape) -> LayerOutput:
    return _upsample(x, 3, *_up_sampling_3d_args(args))
