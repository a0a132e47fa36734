"""Dropout and noise layers: keras/layers/regularization. Same shape out."""

from __future__ import annotations

from shape_engine.checks.build import INVALID_ARGUMENT
from shape_engine.layers.base import LayerArgs, LayerOutput, Refusal, layer_rule
from shape_engine.shapes import Shape


def _check_rate(args: LayerArgs) -> None:
    rate = args.float("rate")
    if not 0 <= rate <= 1:
        raise Refusal(INVALID_ARGUMENT,
                      f"{args.written_name} needs a rate between 0 and 1, got {rate:g}",
                      argument="rate")


@layer_rule("Dropout", params=("rate", "noise_shape", "seed"))
def dropout(args: LayerArgs, x: Shape) -> LayerOutput:
    _check_rate(args)
    return LayerOutput(x, 0)


@layer_rule("AlphaDropout", params=("rate", "noise_shape", "seed"))
def alpha_dropout(args: LayerArgs, x: Shape) -> LayerOutput:
    return LayerOutput(x, 0)


@layer_rule("GaussianDropout", params=("rate", "seed"))
def gaussian_dropout(args: LayerArgs, x: Shape) -> LayerOutput:
    return LayerOutput(x, 0)


@layer_rule("GaussianNoise", params=("stddev", "seed"))
def gaussian_noise(args: LayerArgs, x: Shape) -> LayerOutput:
    return LayerOutput(x, 0)


@layer_rule("ActivityRegularization", params=("l1", "l2"))
def activity_regularization(args: LayerArgs, x: Shape) -> LayerOutput:
    return LayerOutput(x, 0)
