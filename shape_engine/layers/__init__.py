"""Layer rules, one module per layer family as in Keras' own `keras/layers/` tree.

Importing this package registers every rule in `RULES` (kind -> rule) and every spelling
(`Convolution2D`, `MaxPool2D`, ...) in `ALIASES` (written name -> kind).
"""

from shape_engine.layers import (  # noqa: F401  (imported for their registrations)
    activations,
    attention,
    convolutional,
    core,
    merging,
    normalization,
    pooling,
    preprocessing,
    recurrent,
    regularization,
    reshaping,
)
from shape_engine.layers.base import (
    ALIASES,
    MULTI_INPUT_RULES,
    RULES,
    LayerArgs,
    LayerOutput,
    LayerRule,
)

# Layers that take several tensors: they cannot be a step of a Sequential. The modelled ones
# are registered with `multi_input_rule`; GroupedQueryAttention is not modelled yet.
MULTI_INPUT_LAYERS = frozenset({*MULTI_INPUT_RULES, "GroupedQueryAttention"})

__all__ = ["ALIASES", "MULTI_INPUT_LAYERS", "MULTI_INPUT_RULES", "RULES", "LayerArgs",
           "LayerOutput", "LayerRule"]
