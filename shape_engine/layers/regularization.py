"""Dropout and noise layers: keras/layers/regularization (Keras 3.15). Same shape out.

Their constructors check their arguments (a rate in [0, 1], a valid noise_shape, non-negative
penalties); the spatial dropouts also need an input of one exact rank.
"""

from __future__ import annotations

import math

from shape_engine.layers.base import (
    LayerArgs,
    LayerFacts,
    LayerOutput,
    Refusal,
    Unknowable,
    layer_rule,
    list_rule,
    rank_name,
    same_list,
    spatial_layout,
)
from shape_engine.layers.refusals import INCOMPATIBLE_RANK, INVALID_ARGUMENT
from shape_engine.shapes import Shape

_ABSENT = object()


def _constant(args: LayerArgs, name: str, default: object) -> object:
    """The argument's constant value, or _ABSENT when it is not known statically.

    These layers keep the input's shape, so an unknown argument leaves the shape known.
    """
    try:
        return args.raw(name, default)
    except Unknowable:
        return _ABSENT


def _check_fraction(args: LayerArgs, name: str = "rate") -> None:
    """Keras' `if not 0 <= rate <= 1: raise`; a non-number fails that comparison too."""
    value = _constant(args, name, _ABSENT)
    if value is _ABSENT:
        return
    if isinstance(value, int | float) and 0 <= value <= 1:
        return
    raise Refusal(INVALID_ARGUMENT,
                  f"{args.written_name} needs `{name}` between 0 and 1, got {value!r}",
                  argument=name)


def _check_noise_shape(args: LayerArgs) -> None:
    """Dropout's `_validate_noise_shape`: None, or a sequence of ints > 0 and None."""
    value = _constant(args, "noise_shape", None)
    if value is _ABSENT or value is None:
        return
    if isinstance(value, tuple | list) and all(
            d is None or (isinstance(d, int) and d > 0) for d in value):
        return
    raise Refusal(INVALID_ARGUMENT,
                  f"{args.written_name} needs `noise_shape` to be a tuple of ints > 0 or None, "
                  f"got {value!r}", argument="noise_shape")


def _dropout_args(args: LayerArgs) -> None:
    _check_fraction(args)
    _check_noise_shape(args)


@layer_rule("Dropout", params=("rate", "noise_shape", "seed"), check_args=_dropout_args,
            facts=LayerFacts(keeps_rank=True, size_free=True, keeps_values=True, linear=True,
                             dropout=True, passes_lists=True))
def dropout(args: LayerArgs, x: Shape) -> LayerOutput:
    _dropout_args(args)
    return LayerOutput(x, 0)


def _alpha_dropout_args(args: LayerArgs) -> None:
    # tf.keras.layers.AlphaDropout is Keras' legacy class (keras.src.legacy.layers), which
    # takes any rate; keras.layers' checks it. Where the spelling is not known, either may
    # be meant: nothing is refused.
    if args.call.via_tf is False:
        _check_fraction(args)


@layer_rule("AlphaDropout", params=("rate", "noise_shape", "seed"),
            check_args=_alpha_dropout_args,
            facts=LayerFacts(keeps_rank=True, size_free=True, linear=True, dropout=True,
                             passes_lists=True))
def alpha_dropout(args: LayerArgs, x: Shape) -> LayerOutput:
    _alpha_dropout_args(args)
    return LayerOutput(x, 0)


@layer_rule("GaussianDropout", params=("rate", "seed"), check_args=_check_fraction,
            facts=LayerFacts(keeps_rank=True, size_free=True, keeps_values=True, linear=True,
                             dropout=True, passes_lists=True))
def gaussian_dropout(args: LayerArgs, x: Shape) -> LayerOutput:
    _check_fraction(args)
    return LayerOutput(x, 0)


def _check_stddev(args: LayerArgs) -> None:
    # Keras 3 bounds the standard deviation like a rate.
    _check_fraction(args, "stddev")


@layer_rule("GaussianNoise", params=("stddev", "seed"), check_args=_check_stddev,
            facts=LayerFacts(keeps_rank=True, size_free=True, keeps_values=True, linear=True,
                             passes_lists=True))
def gaussian_noise(args: LayerArgs, x: Shape) -> LayerOutput:
    _check_stddev(args)
    return LayerOutput(x, 0)


def _check_penalty(args: LayerArgs, name: str) -> None:
    """regularizers.L1L2: None is 0; otherwise a finite number >= 0."""
    value = _constant(args, name, None)
    if value is _ABSENT or value is None:
        return
    if isinstance(value, int | float) and math.isfinite(value) and value >= 0:
        return
    raise Refusal(INVALID_ARGUMENT,
                  f"{args.written_name} needs `{name}` to be a finite number >= 0, "
                  f"got {value!r}", argument=name)


def _penalties(args: LayerArgs) -> None:
    _check_penalty(args, "l1")
    _check_penalty(args, "l2")


@layer_rule("ActivityRegularization", params=("l1", "l2"), check_args=_penalties,
            facts=LayerFacts(keeps_rank=True, size_free=True, keeps_values=True, linear=True,
                             passes_lists=True))
def activity_regularization(args: LayerArgs, x: Shape) -> LayerOutput:
    _penalties(args)
    return LayerOutput(x, 0)


def _spatial_dropout_args(args: LayerArgs) -> str:
    # Their __init__ has no **kwargs: any other keyword (noise_shape, or data_format on
    # SpatialDropout1D) is a TypeError.
    unexpected = sorted(set(args.call.kwargs) - set(args.params))
    if unexpected:
        raise Refusal(INVALID_ARGUMENT,
                      f"{args.written_name} does not take the argument `{unexpected[0]}`",
                      argument=unexpected[0])
    _check_fraction(args)
    return args.data_format() if "data_format" in args.params else "channels_last"


def _spatial_dropout(args: LayerArgs, x: Shape, spatial: int) -> LayerOutput:
    data_format = _spatial_dropout_args(args)
    if len(x) != spatial + 2:
        raise Refusal(INCOMPATIBLE_RANK,
                      needs=f"a {rank_name(spatial + 2)} input "
                      f"{spatial_layout(spatial, data_format)}")
    return LayerOutput(x, 0)


def _spatial_dropout_any_rank(args: LayerArgs, x: Shape) -> LayerOutput:
    """Without the input spec (in TimeDistributed), Dropout's compute_output_shape: any rank."""
    _spatial_dropout_args(args)
    return LayerOutput(x, 0)


@layer_rule("SpatialDropout1D", params=("rate", "seed", "name", "dtype"),
            check_args=_spatial_dropout_args, without_input_spec=_spatial_dropout_any_rank,
            facts=LayerFacts(rank=3, keeps_rank=True, size_free=True, keeps_values=True,
                             linear=True, dropout=True))
def spatial_dropout_1d(args: LayerArgs, x: Shape) -> LayerOutput:
    return _spatial_dropout(args, x, 1)


@layer_rule("SpatialDropout2D", params=("rate", "data_format", "seed", "name", "dtype"),
            check_args=_spatial_dropout_args, without_input_spec=_spatial_dropout_any_rank,
            facts=LayerFacts(rank=4, size_free=True, keeps_values=True, linear=True, dropout=True))
def spatial_dropout_2d(args: LayerArgs, x: Shape) -> LayerOutput:
    return _spatial_dropout(args, x, 2)


@layer_rule("SpatialDropout3D", params=("rate", "data_format", "seed", "name", "dtype"),
            check_args=_spatial_dropout_args, without_input_spec=_spatial_dropout_any_rank,
            facts=LayerFacts(rank=5, size_free=True, keeps_values=True, linear=True, dropout=True))
def spatial_dropout_3d(args: LayerArgs, x: Shape) -> LayerOutput:
    return _spatial_dropout(args, x, 3)


# compute_output_shape returns its input (the spatial dropouts' is Dropout's), a list of
# tensors too: what an unbuilt nested model's fallback path gives them.
list_rule("Dropout", "AlphaDropout", "GaussianDropout", "GaussianNoise", "ActivityRegularization",
          "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D")(same_list)
