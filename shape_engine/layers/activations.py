"""Activation layers: keras/layers/activations. Shape in, same shape out."""

from __future__ import annotations

from shape_engine.checks.build import UNKNOWN_REQUIRED_DIM
from shape_engine.layers.base import LayerArgs, LayerOutput, Refusal, layer_rule
from shape_engine.shapes import Shape


@layer_rule("Activation", params=("activation",))
def activation(args: LayerArgs, x: Shape) -> LayerOutput:
    return LayerOutput(x, 0)


@layer_rule("ReLU", params=("max_value", "negative_slope", "threshold"))
def relu(args: LayerArgs, x: Shape) -> LayerOutput:
    return LayerOutput(x, 0)


@layer_rule("LeakyReLU", params=("negative_slope",))
def leaky_relu(args: LayerArgs, x: Shape) -> LayerOutput:
    return LayerOutput(x, 0)


@layer_rule("ELU", params=("alpha",))
def elu(args: LayerArgs, x: Shape) -> LayerOutput:
    return LayerOutput(x, 0)


@layer_rule("Softmax", params=("axis",))
def softmax(args: LayerArgs, x: Shape) -> LayerOutput:
    return LayerOutput(x, 0)


@layer_rule("PReLU", params=("alpha_initializer", "alpha_regularizer", "alpha_constraint",
                             "shared_axes"))
def prelu(args: LayerArgs, x: Shape) -> LayerOutput:
    # One alpha per element of the non-batch dims, except along shared axes.
    shared = args.raw("shared_axes", None)
    shared_axes = {shared} if isinstance(shared, int) else set(shared or ())  # type: ignore[arg-type]
    params = 1
    for axis in range(1, len(x)):
        if axis in shared_axes:
            continue
        if x[axis] is None:
            raise Refusal(UNKNOWN_REQUIRED_DIM, needs="defined non-batch axes to size alpha")
        params *= x[axis]  # type: ignore[operator]
    return LayerOutput(x, params)
