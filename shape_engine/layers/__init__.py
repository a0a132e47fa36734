"""Layer rules, one module per layer family as in Keras' own `keras/layers/` tree.

Importing this package registers every rule in `RULES` (kind -> rule) and every spelling
(`Convolution2D`, `MaxPool2D`, ...) in `ALIASES` (written name -> kind).
"""

from shape_engine.layers import (  # noqa: F401  (imported for their registrations)
    activations,
    applications,
    attention,
    audio_preprocessing,
    convolutional,
    core,
    einsum_dense,
    image_augmentation,
    merging,
    normalization,
    pooling,
    preprocessing,
    recurrent,
    regularization,
    reshaping,
    rnn_cells,
    text_preprocessing,
)
from shape_engine.layers.base import (
    ALIASES,
    MULTI_INPUT_RULES,
    RULES,
    LayerArgs,
    LayerOutput,
    LayerRule,
)

# Layers that take several tensors (registered with `multi_input_rule`): they cannot be a
# step of a Sequential.
MULTI_INPUT_LAYERS = frozenset(MULTI_INPUT_RULES)

__all__ = ["ALIASES", "MULTI_INPUT_LAYERS", "MULTI_INPUT_RULES", "RULES", "LayerArgs",
           "LayerOutput", "LayerRule"]
