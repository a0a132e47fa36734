"""Flatten, Reshape, Permute, RepeatVector, Cropping, ZeroPadding, UpSampling: keras/layers/reshaping."""

from __future__ import annotations

from shape_engine.layers.base import LayerArgs, LayerOutput, layer_rule
from shape_engine.shapes import Shape, product


@layer_rule("Flatten", params=("data_format",))
def flatten(args: LayerArgs, x: Shape) -> LayerOutput:
    if len(x) == 1:
        return LayerOutput((x[0], 1), 0)
    return LayerOutput((x[0], product(x[1:])), 0)
