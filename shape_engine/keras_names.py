"""How Keras objects are named after import tracking (see `values.canonical`)."""

from __future__ import annotations

import functools

from shape_engine.layers import ALIASES, MULTI_INPUT_LAYERS
from shape_engine.layers.applications_table import APPLICATIONS

SEQUENTIAL_NAMES = frozenset(
    {"keras.Sequential", "keras.models.Sequential", "keras.engine.sequential.Sequential",
     "keras.src.models.sequential.Sequential", "keras.models.sequential.Sequential"}
)
# `keras.Model(inputs, outputs)`: a functional model (a subclass is not followed).
MODEL_NAMES = frozenset(
    {"keras.Model", "keras.models.Model", "keras.src.models.model.Model",
     "keras.src.models.functional.Functional", "keras.engine.training.Model",
     "keras.engine.functional.Functional"})
# The functions that give a symbolic tensor's static shape, as a tuple with None.
STATIC_SHAPE_FUNCTIONS = frozenset(
    {"keras.ops.shape", "keras.src.ops.shape", "keras.backend.int_shape",
     "keras.src.backend.int_shape"})
# The function forms of merge layers (`layers.add([a, b])`): the layer each makes and calls.
MERGE_FUNCTIONS = {f"keras.layers.{name.lower()}": name for name in (
    "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot")}
# The calls that make a symbolic tensor from nothing (InputLayer is a layer object).
TENSOR_INPUT_NAMES = frozenset({"keras.Input", "keras.layers.Input"})
INPUT_NAMES = frozenset({"keras.Input", "keras.layers.Input", "keras.layers.InputLayer",
                         "keras.InputLayer"})
# `keras.config.set_image_data_format` and its other spellings (tf.keras.backend's too).
SET_IMAGE_DATA_FORMAT = frozenset(
    {"keras.config.set_image_data_format", "keras.backend.set_image_data_format",
     "keras.src.backend.config.set_image_data_format",
     "keras.src.backend.set_image_data_format"})
IMAGE_DATA_FORMAT = frozenset(
    {"keras.config.image_data_format", "keras.backend.image_data_format",
     "keras.src.backend.config.image_data_format", "keras.src.backend.image_data_format"})
# Classes `tensorflow.keras.layers` names differently from `keras.layers`: Keras 3's
# keras/_tf_keras/keras/layers takes these from keras.src.legacy.layers (observed on 3.15;
# AlphaDropout there takes any rate).
TF_KERAS_LEGACY_LAYERS = frozenset({"AlphaDropout"})
# What `from <module> import *` binds besides layer classes, Sequential and Input: the
# public names of the module (Keras 3.15 defines no `__all__`, so every public attribute).
STAR_EXPORTS: dict[str, frozenset[str]] = {
    "keras": frozenset(str.split("""
        DTypePolicy FloatDTypePolicy Function Initializer Input InputSpec KerasTensor Layer
        Loss Metric Model Operation Optimizer Quantizer Regularizer RematScope Sequential
        StatelessScope SymbolicScope Variable activations applications backend callbacks
        config constraints datasets device distillation distribution dtype_policies export
        initializers layers legacy losses metrics mixed_precision models name_scope ops
        optimizers preprocessing quantizers random regularizers remat saving tree utils
        version visualization wrappers""")),
    "tensorflow": frozenset({"keras"}),
}


def star_exports(module: str, name: str) -> bool:
    """Whether `from module import *` binds `name` to a Keras object (module canonical)."""
    ref = f"{module}.{name}"
    if layer_kind(ref) or ref in SEQUENTIAL_NAMES or ref in INPUT_NAMES:
        return True
    return name in STAR_EXPORTS.get(module, frozenset())


@functools.lru_cache(maxsize=4096)  # asked of every call the evaluator follows
def layer_class_name(name: str) -> str | None:
    """The class name when `name` is a Keras layer class (modelled or not), else None."""
    if name in INPUT_NAMES:
        return name.rsplit(".", 1)[1]
    if name.startswith("keras.applications."):
        # keras.applications.ResNet50 and keras.applications.resnet50.ResNet50: whole models
        # modelled as layers (layers/applications.py).
        last = name.rsplit(".", 1)[1]
        return last if last in APPLICATIONS else None
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
