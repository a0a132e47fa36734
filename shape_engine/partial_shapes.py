"""Shapes that are partly known keep their rank.

`input_shape=(X.shape[1], 1)` or `keras.Input(shape=(n, 1))` where the size is not known
still declares a 3-D input (None, ?, 1), and a layer whose width is not known (`Dense(units)`)
still keeps the rank and the other axes: the layers after them check ranks that are certain.
A dim that is only unknown to the engine is not a dim Keras sees as None (both are None in a
`Shape`), so the model (`ModelReport.guessed_dims`) or the tensor (`TensorValue.guessed`)
carries a marker, and past it only refusals that hold whatever the size are reported (a rank,
an argument): never an undefined dim (SL102) or unequal sizes (SL109, merges, ops).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial as partial_fn

from shape_engine.ir import LayerCall
from shape_engine.layers import RULES
from shape_engine.layers.base import LayerOutput, Refusal, Unknowable
from shape_engine.layers.refusals import (
    INCOMPATIBLE_RANK,
    INVALID_ARGUMENT,
    UNKNOWN_REQUIRED_DIM,
)
from shape_engine.rule import Rule
from shape_engine.shapes import Dim, MaybeShape, Shape
from shape_engine.values import Const, Seq, Unknown, Value

DECLARING = ("input_shape", "input_dim")


def partial_declared_shape(call: LayerCall) -> Shape | None:
    """The batch shape `input_shape=`/`input_dim=` declares with some dims not known, or None
    when even its rank is not known (or nothing is declared that way)."""
    if "input_shape" in call.kwargs and "input_dim" not in call.kwargs:
        dims = _dims(call.kwargs["input_shape"])
        return None if dims is None else (None, *dims)
    if "input_dim" in call.kwargs and "input_shape" not in call.kwargs and (
            call.kind != "Embedding"):
        dim = _dim(call.kwargs["input_dim"])
        return None if dim is False else (None, dim)
    return None


def _dims(value: Value) -> tuple[Dim, ...] | None:
    if not isinstance(value, Seq) or not value.items:
        return None
    dims = [_dim(item) for item in value.items]
    if any(d is False for d in dims):
        return None
    return tuple(d for d in dims if d is not False)


def _dim(value: Value) -> Dim | bool:
    """A dim: an int, None for a dim not known; False for what cannot be a dim."""
    if isinstance(value, Unknown):
        return None
    if isinstance(value, Const) and (value.value is None or (
            isinstance(value.value, int) and not isinstance(value.value, bool)
            and value.value >= 0)):
        return value.value
    return False


def has_guessed_dims(shape: MaybeShape) -> bool:
    """Data of this batch shape has dims the engine does not know besides the batch."""
    return shape is not None and any(d is None for d in shape[1:])


# -- keras.Input(shape=...) with dims not known ------------------------------------------------

# Input arguments that leave its shape as `shape=` and `batch_size=` say.
_INPUT_SHAPE_NEUTRAL = ("shape", "batch_size", "dtype", "name", "sparse", "ragged", "optional")


def partial_input_shape(call: LayerCall) -> Shape | None:
    """The batch shape of `keras.Input(shape=(n, 3))` where some dims are not known: (None,
    None, 3); None when even its rank is not known, or when anything else is given that the
    Input rule would have to check (`batch_shape=`, `tensor=`)."""
    if call.has_unpacking or any(name not in _INPUT_SHAPE_NEUTRAL for name in call.kwargs):
        return None
    if len(call.args) > 1:
        return None
    shape = call.kwargs.get("shape", call.args[0] if call.args else None)
    if shape is None or ("shape" in call.kwargs and call.args):
        return None
    dims = _dims(shape)
    batch = _dim(call.kwargs["batch_size"]) if "batch_size" in call.kwargs else None
    if dims is None or batch is False:
        return None
    return (batch if isinstance(batch, int) else None, *dims)


# -- layers with an argument not known ---------------------------------------------------------

# Arguments that size one axis of a layer's output, and nothing else about its shape: with
# two values for them, the dims that differ are that axis, the others are the output's
# whatever the value (Keras 3.15: Dense units, Conv filters, RNN units, Embedding sizes).
_WIDTHS: dict[str, tuple[str, ...]] = {
    "Dense": ("units",),
    **{f"Conv{r}D": ("filters",) for r in (1, 2, 3)},
    **{f"Conv{r}DTranspose": ("filters",) for r in (1, 2, 3)},
    **{f"SeparableConv{r}D": ("filters",) for r in (1, 2)},
    "SimpleRNN": ("units",), "LSTM": ("units",), "GRU": ("units",),
    "Embedding": ("input_dim", "output_dim"),
}
# Arguments the output shape does not depend on at all.
_FREE: dict[str, Const] = {"activation": Const("linear")}
_PROBES = (7, 11)


def output_with_unknown_arguments(layer: LayerCall, shape: Shape,
                                  compute: Callable[[LayerCall, Shape], LayerOutput],
                                  guessed: bool) -> LayerOutput | None:
    """What a layer whose width (or activation) is not known makes of its input: the output
    its rule gives for two widths, with the axes on which they differ not known; no parameter
    count. None when another argument is not known, or the rule refuses such a width.
    `guessed`: the input's None dims may be the engine's (`output_past_unknown_features`)."""
    widths = _WIDTHS.get(layer.kind or "")
    if widths is None or layer.has_unpacking:
        return None
    made: list[LayerOutput] = []
    substituted: set[str] = set()
    for probe in _PROBES:
        call = layer
        for _ in range(len(widths) + len(_FREE) + 1):
            try:
                made.append(compute(call, shape))
                break
            except Unknowable as unknown:
                name = unknown.args[0] if unknown.args else None
                if name in _FREE:
                    value: Value = _FREE[name]
                elif name in widths and isinstance(_argument(call, name), Unknown):
                    value = Const(probe)  # not a module, a layer...: Keras refuses those
                else:
                    return None
                replaced = _with_argument(call, name, value)
                if replaced is None or replaced is call:
                    return None
                call = replaced
                substituted.add(name)
            except Refusal as refusal:
                past = output_past_unknown_features(shape, partial_fn(compute, call)) if (
                    guessed and refusal.rule is UNKNOWN_REQUIRED_DIM) else None
                if past is None:
                    return None
                made.append(past)
                break
        else:
            return None
    first, second = made
    if first.multiple_outputs or second.multiple_outputs:
        return _several(first, second)
    agreed = _agreed(first.shape, second.shape)
    if agreed is None:
        return None
    width_given = bool(substituted & set(widths))
    return LayerOutput(agreed, None if width_given else first.params,
                       partial=first.partial or agreed != first.shape)


def _several(first: LayerOutput, second: LayerOutput) -> LayerOutput | None:
    if not (first.multiple_outputs and second.multiple_outputs) or (
            first.outputs is None or second.outputs is None) or (
            len(first.outputs) != len(second.outputs)):
        return None
    outputs = tuple(_agreed(a, b) for a, b in zip(first.outputs, second.outputs, strict=True))
    return first._replace(params=None, outputs=outputs, partial=outputs != first.outputs)


def _agreed(first: MaybeShape, second: MaybeShape) -> MaybeShape:
    """The dims two outputs share; None on the axes where they differ."""
    if first is None or second is None or len(first) != len(second):
        return None
    return tuple(a if a == b else None for a, b in zip(first, second, strict=True))


def _argument(call: LayerCall, name: str) -> Value | None:
    if name in call.kwargs:
        return call.kwargs[name]
    rule = RULES.get(call.kind or "")
    params = rule.params if rule is not None else ()
    if name in params and (position := params.index(name)) < len(call.args):
        return call.args[position]
    return None


def _with_argument(call: LayerCall, name: str, value: Value) -> LayerCall | None:
    if name in call.kwargs:
        return replace(call, kwargs={**call.kwargs, name: value})
    rule = RULES.get(call.kind or "")
    params = rule.params if rule is not None else ()
    if name in params and (position := params.index(name)) < len(call.args):
        return replace(call, args=(*call.args[:position], value, *call.args[position + 1:]))
    return None


def output_past_unknown_features(shape: Shape, compute: Callable[[Shape], LayerOutput]
                                 ) -> LayerOutput | None:
    """What a layer that sizes its weights on the last axis (Dense, LSTM, Conv2D) makes of
    an input whose last axis the engine does not know: its rule's output for several sizes
    of that axis, None on the axes where they differ; no parameter count. None when the
    rule refuses one of them (the refusal may be the size's, unknown here)."""
    if not shape or shape[-1] is not None:
        return None
    made: list[MaybeShape] = []
    for probe in (*_PROBES, 32):
        try:
            output = compute((*shape[:-1], probe))
        except (Refusal, Unknowable):
            return None
        if output.multiple_outputs:
            return None
        made.append(output.shape)
    agreed = made[0]
    for other in made[1:]:
        agreed = _agreed(agreed, other)
    return None if agreed is None else LayerOutput(agreed, None, partial=True)


# -- what stays certain past a dim not known ----------------------------------------------------


def certain_past_unknown_dims(rule: Rule) -> bool:
    """Whether Keras raises this refusal whatever the dims the engine does not know: a rank
    or an argument, not a size (SL102 and SL109 compare sizes that may well fit)."""
    return rule in (INCOMPATIBLE_RANK, INVALID_ARGUMENT)
