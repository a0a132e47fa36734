"""Attribute writes on Keras models and layers that leave their shapes as they are.

`model.trainable = False` freezes the weights; `model.stop_training = True` ends `fit`
early; neither changes what a layer takes or gives, so the model the engine follows stays
known. Any other write (`model.layers = ...`, an attribute the engine does not know) may
change the stack, and the model is given up from there.
"""

from __future__ import annotations

# Attributes Keras reads for training, saving or display only (Keras 3.15's Layer and Model).
SHAPE_NEUTRAL_ATTRIBUTES = frozenset({
    "trainable", "stop_training", "run_eagerly", "jit_compile", "steps_per_execution",
    "optimizer", "loss", "history", "dtype_policy", "autocast", "name",
})


def keeps_shapes(attribute: str) -> bool:
    """Whether writing `attribute` of a model or layer leaves every shape as it was."""
    return attribute in SHAPE_NEUTRAL_ATTRIBUTES
