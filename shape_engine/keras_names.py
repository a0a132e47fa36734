"""How Keras objects are named after import tracking (see `values.canonical`)."""

from __future__ import annotations

from shape_engine.layers import ALIASES, MULTI_INPUT_LAYERS

SEQUENTIAL_NAMES = frozenset(
    {"keras.Sequential", "keras.models.Sequential", "keras.engine.sequential.Sequential",
     "keras.src.models.sequential.Sequential", "keras.models.sequential.Sequential"}
)
INPUT_NAMES = frozenset({"keras.Input", "keras.layers.Input", "keras.layers.InputLayer",
                         "keras.InputLayer"})


def layer_class_name(name: str) -> str | None:
    """The class name when `name` is a Keras layer class (modelled or not), else None."""
    if name in INPUT_NAMES:
        return name.rsplit(".", 1)[1]
    if name.startswith(("keras.layers.", "keras.src.layers.")):
        last = name.rsplit(".", 1)[1]
        # keras.layers.experimental.preprocessing.Rescaling and keras 2's
        # keras.layers.core.Dense: the class is the last component, which is capitalised.
        return last if last[:1].isupper() else None
    return None


def layer_kind(name: str) -> str | None:
    """The canonical modelled layer kind ("Conv2D" for Convolution2D), or None."""
    class_name = layer_class_name(name)
    if class_name is None:
        return None
    if class_name in ALIASES:
        return ALIASES[class_name]
    if class_name in MULTI_INPUT_LAYERS:
        return class_name
    return None
