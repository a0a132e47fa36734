"""keras.applications models as whole layers (ResNet50, MobileNetV2, EfficientNetB0, ...).

Their shapes and parameters follow from their arguments, weights aside: `include_top=True`
ends in `classes` scores, where each class adds the classifier's input width + 1
parameters; `include_top=False` ends in the last feature map, `pooling="avg"`/`"max"` in its
channels. The numbers are measured in TensorFlow (`applications_table.py`, written by
tests/layers/keras_applications.py). Arguments that change the architecture (alpha,
depth_multiplier, include_preprocessing=False, ...), positional arguments, `input_tensor`,
inputs of other than 3 channels (the first kernel's size) and input sizes below what was
measured are left unknown.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from shape_engine.ir import LayerCall
from shape_engine.layers.applications_table import APPLICATIONS, FAMILIES
from shape_engine.layers.base import LayerArgs, LayerOutput, Unknowable, layer_rule
from shape_engine.shapes import Dim, Shape

# Keyword arguments every model takes that do not change its weights (name, weights,
# classifier_activation) or that the rule reads.
_READ = frozenset({"include_top", "weights", "input_tensor", "input_shape", "pooling",
                   "classes", "classifier_activation", "name", "include_preprocessing"})


def _inception(size: int) -> int:
    """Stem: 3x3/2 valid, 3x3 valid, max-pool 3/2 valid, 3x3 valid, max-pool 3/2 valid; then
    two reductions of 3/2 valid."""
    size = (size - 3) // 2 + 1 - 2
    size = (size - 3) // 2 + 1 - 2
    for _ in range(3):
        size = (size - 3) // 2 + 1
    return size


def _xception(size: int) -> int:
    """Stem: 3x3/2 valid, 3x3 valid; then four same-padded halvings."""
    size = (size - 3) // 2 + 1 - 2
    for _ in range(4):
        size = math.ceil(size / 2)
    return size


def _nasnet(size: int) -> int:
    """Stem: 3x3/2 valid; then four same-padded halvings."""
    size = (size - 3) // 2 + 1
    for _ in range(4):
        size = math.ceil(size / 2)
    return size


# How the output's height (and width) follows the input's, by name; the measuring script
# (tests/layers/keras_applications.py) picks one for each family.
FORMULAS: dict[str, Callable[[int], int]] = {
    "ceil32": lambda s: math.ceil(s / 32),
    "floor32": lambda s: s // 32,
    "inception": _inception,
    "xception": _xception,
    "nasnet": _nasnet,
}


def _plain_arguments(args: LayerArgs) -> None:
    call = args.call
    if call.args or call.has_unpacking or set(call.kwargs) - _READ:
        raise Unknowable("arguments")
    if args.raw("input_tensor", None) is not None:
        raise Unknowable("input_tensor")
    if args.raw("include_preprocessing", True) is not True:
        raise Unknowable("include_preprocessing")


def application_input(call: LayerCall) -> Shape:
    """The input the model declares: `input_shape`, else its default size with the top, else
    any height and width of 3 channels."""
    args = LayerArgs(call, ())
    _plain_arguments(args)
    given = args.raw("input_shape", None)
    if given is not None:
        dims = args.shape_tuple("input_shape")
        if len(dims) != 3:
            raise Unknowable("input_shape")
        return (None, *dims)
    if args.flag("include_top", True):
        size = APPLICATIONS[call.kind or ""][1]  # None: any (MobileNetV3)
        return (None, size, size, 3)
    return (None, None, None, 3)


def _application(args: LayerArgs, x: Shape) -> LayerOutput:
    family, default_size, top_params, width, notop_params, channels = APPLICATIONS[
        args.call.kind or ""]
    _plain_arguments(args)
    declared = application_input(args.call)
    if len(x) != 4 or x[-1] != 3 or any(
            d is not None and d != s for d, s in zip(declared[1:], x[1:], strict=True)):
        raise Unknowable("input")  # another channel count changes the first kernel
    formula_name, smallest = FAMILIES[family]
    height, width_in = x[1], x[2]
    if any(s is not None and s < smallest for s in (height, width_in)):
        raise Unknowable("input size")  # Keras refuses sizes below its minimum
    if args.flag("include_top", True):
        classes = args.integer("classes", 1000)
        if family == "vgg" and (height, width_in) != (default_size, default_size):
            raise Unknowable("input size")  # its Flatten sizes the first Dense by the input
        return LayerOutput((x[0], classes), top_params + (classes - 1000) * (width + 1))
    pooling = args.raw("pooling", None)
    if pooling in ("avg", "max"):
        return LayerOutput((x[0], channels), notop_params)
    if pooling is not None:
        raise Unknowable("pooling")
    formula = FORMULAS.get(formula_name or "")
    if formula is None and (height, width_in) != (default_size, default_size):
        raise Unknowable("input size")

    def out(size: Dim) -> Dim:
        if size is None:
            return None
        if formula is None:
            raise Unknowable("input size")
        return formula(size)

    return LayerOutput((x[0], out(height), out(width_in), channels), notop_params)


for _name in APPLICATIONS:
    layer_rule(_name)(_application)
