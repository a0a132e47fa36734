"""Activation layers: keras/layers/activations (Keras 3.15). Shape in, same shape out.

What Keras refuses here are constructor arguments (an unknown activation name, negative ReLU
bounds) and, for PReLU, a weight that cannot be sized.
"""

from __future__ import annotations

import math

from shape_engine.layers.base import (
    BuiltSpec,
    LayerArgs,
    LayerFacts,
    LayerOutput,
    Refusal,
    Unknowable,
    layer_rule,
    list_rule,
    same_list,
)
from shape_engine.layers.refusals import INCOMPATIBLE_RANK, INVALID_ARGUMENT, UNKNOWN_REQUIRED_DIM
from shape_engine.shapes import Dim, Shape

# keras.activations.get accepts exactly these names (ALL_OBJECTS_DICT), case-sensitively.
ACTIVATION_NAMES = frozenset({
    "celu", "elu", "exponential", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu",
    "hard_swish", "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish",
    "relu", "relu6", "selu", "sigmoid", "silu", "soft_shrink", "softmax", "softplus",
    "softsign", "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "swish", "tanh",
    "tanh_shrink", "threshold",
})

_ABSENT = object()


def _constant(args: LayerArgs, name: str, default: object) -> object:
    """The argument's constant value, or _ABSENT when it is not known statically."""
    try:
        return args.raw(name, default)
    except Unknowable:
        return _ABSENT


def check_activation(args: LayerArgs, name: str = "activation") -> None:
    """Refuse what `keras.activations.get` refuses: unknown names, non-callable constants."""
    value = _constant(args, name, None)
    if value is _ABSENT or value is None:
        return
    if isinstance(value, str) and value in ACTIVATION_NAMES:
        return
    hint = ""
    if isinstance(value, str) and value.lower() in ACTIVATION_NAMES:
        hint = f" (names are case-sensitive: '{value.lower()}')"
    raise Refusal(INVALID_ARGUMENT,
                  f"{args.written_name} does not know the activation {value!r}{hint}",
                  argument=name)


def _check_not_negative(args: LayerArgs, name: str, default: object, *,
                        allow_none: bool) -> None:
    """A number argument Keras compares with 0 (`value < 0` raises ValueError or TypeError)."""
    value = _constant(args, name, default)
    if value is _ABSENT or (value is None and allow_none):
        return
    if isinstance(value, int | float) and not value < 0:
        return
    raise Refusal(INVALID_ARGUMENT,
                  f"{args.written_name} needs `{name}` to be a number >= 0, got {value!r}",
                  argument=name)


@layer_rule("Activation", params=("activation",), check_args=check_activation,
            facts=LayerFacts(keeps_rank=True, size_free=True, passes_lists=True))
def activation(args: LayerArgs, x: Shape) -> LayerOutput:
    check_activation(args)
    return LayerOutput(x, 0)


def _relu_args(args: LayerArgs) -> None:
    _check_not_negative(args, "max_value", None, allow_none=True)
    _check_not_negative(args, "negative_slope", 0.0, allow_none=False)
    _check_not_negative(args, "threshold", 0.0, allow_none=False)


@layer_rule("ReLU", params=("max_value", "negative_slope", "threshold"), check_args=_relu_args,
            facts=LayerFacts(keeps_rank=True, size_free=True, applies_activation="relu",
                             passes_lists=True))
def relu(args: LayerArgs, x: Shape) -> LayerOutput:
    _relu_args(args)
    return LayerOutput(x, 0)


def _leaky_relu_args(args: LayerArgs) -> None:
    # The Keras 2 spelling `alpha` is still accepted (with a warning) and wins.
    name = "alpha" if "alpha" in args.call.kwargs else "negative_slope"
    _check_not_negative(args, name, 0.3, allow_none=False)


@layer_rule("LeakyReLU", params=("negative_slope",), check_args=_leaky_relu_args,
            facts=LayerFacts(keeps_rank=True, size_free=True, applies_activation="leaky_relu",
                             passes_lists=True))
def leaky_relu(args: LayerArgs, x: Shape) -> LayerOutput:
    _leaky_relu_args(args)
    return LayerOutput(x, 0)


@layer_rule("ELU", params=("alpha",),
            facts=LayerFacts(keeps_rank=True, size_free=True, applies_activation="elu",
                             passes_lists=True))
def elu(args: LayerArgs, x: Shape) -> LayerOutput:
    return LayerOutput(x, 0)


@layer_rule("Softmax", params=("axis",),
            facts=LayerFacts(keeps_rank=True, size_free=True, passes_lists=True))
def softmax(args: LayerArgs, x: Shape) -> LayerOutput:
    # The axis is only used when the layer runs: an out-of-range axis builds fine.
    return LayerOutput(x, 0)


def _shared_axes(args: LayerArgs) -> list[int]:
    value = args.raw("shared_axes", None)
    if value is None:
        return []
    items = list(value) if isinstance(value, tuple | list) else [value]
    axes = [int(a) for a in items if isinstance(a, int)]
    if len(axes) != len(items):
        raise Refusal(INVALID_ARGUMENT,
                      f"{args.written_name} needs `shared_axes` to be ints, got {value!r}",
                      argument="shared_axes")
    return axes


def _pins_rank_and_unshared_axes(args: LayerArgs, x: Shape) -> BuiltSpec:
    """PReLU's build: `InputSpec(ndim=len(input_shape), axes=...)`, the axes every one not in
    shared_axes (as given: a negative one shares nothing there) when it shares any."""
    shared = args.raw("shared_axes", None)
    if shared is None:
        return BuiltSpec(ndim=len(x))
    shared_axes = _shared_axes(args)
    return BuiltSpec(ndim=len(x), axes=tuple((i, x[i]) for i in range(1, len(x))
                                             if shared_axes and i not in shared_axes))


@layer_rule("PReLU", params=("alpha_initializer", "alpha_regularizer", "alpha_constraint",
                             "shared_axes"), built_spec=_pins_rank_and_unshared_axes,
            facts=LayerFacts(applies_activation="prelu"))
def prelu(args: LayerArgs, x: Shape) -> LayerOutput:
    # Keras sizes alpha as the non-batch dims with each shared axis i set to 1 at index i - 1
    # of that list, with Python's indexing: shared_axes=0 or -1 are legal and hit the end.
    alpha: list[Dim] = list(x[1:])
    for axis in _shared_axes(args):
        if not -len(alpha) <= axis - 1 < len(alpha):
            raise Refusal(INCOMPATIBLE_RANK,
                          needs=f"an input with an axis {axis} to share (shared_axes)")
        alpha[axis - 1] = 1
    if any(d is None for d in alpha):
        raise Refusal(UNKNOWN_REQUIRED_DIM,
                      needs="defined non-batch axes to size alpha (or share the undefined "
                      "ones with shared_axes)")
    return LayerOutput(x, math.prod(d for d in alpha if d is not None))


# compute_output_shape returns its input, a list of tensors too (an unbuilt nested model's
# fallback path); PReLU then stays unbuilt, without its alpha.
list_rule("Activation", "ReLU", "LeakyReLU", "ELU", "Softmax")(same_list)
list_rule("PReLU", stays_unbuilt=True)(same_list)
