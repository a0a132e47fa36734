"""The input a Sequential model declares itself, and what it refuses to be called on.

A model used as a layer, an entry of a Sequential model or called on a functional tensor,
is either built on an input of its own (and checks what it receives as Keras' functional
input spec does) or holds only its Input (and is built by that call, on exactly that shape).
"""

from __future__ import annotations

from shape_engine.findings import Finding
from shape_engine.ir import LayerCall, LayerEntry, ModelIR
from shape_engine.keras.layer_call import built_input_fits, input_shape_of
from shape_engine.layers.base import Refusal, Unknowable, is_input_kind
from shape_engine.layers.core import declared_input_shape
from shape_engine.layers.refusals import INCOMPATIBLE_DIM, INCOMPATIBLE_RANK
from shape_engine.shapes import MaybeShape, format_shape

# How deep nested Sequential models may go before the rest is taken as unknown.
MAX_NESTING = 16


def own_input(model: ModelIR, depth: int = 0) -> tuple[MaybeShape, bool] | None:
    """The input a model declares itself, and whether Keras has built it on that input.

    None when it declares none. A model holding only its Input stays unbuilt.
    """
    if model.graph is not None:
        inputs = model.graph.inputs
        return (inputs[0].shape, True) if len(inputs) == 1 else None
    if not model.entries or model.opaque_from == 0 or depth >= MAX_NESTING:
        return None
    first = model.entries[0].layer
    try:
        if isinstance(first, LayerCall) and is_input_kind(first.kind):
            shape, guessed = input_shape_of(first)
            # Dims not known to the engine are not checked against what it is called on.
            return None if guessed else shape, len(model.entries) > 1
        if isinstance(first, LayerCall):
            declared = declared_input_shape(first)
            return None if declared is None else (declared, True)
    except (Refusal, Unknowable):
        return None
    if isinstance(first, ModelIR):
        inner = own_input(first, depth + 1)
        if inner is not None and inner[1]:
            return inner[0], len(model.entries) > 1
    return None


def own_input_fits(declared: MaybeShape, built: bool, received: MaybeShape) -> bool:
    """Whether a model with that input of its own takes `received`: built, as Keras'
    functional input spec checks it (`built_input_fits`); holding only its Input, it is
    built by the call and wants exactly its declared shape (Sequential.build, Keras 3.15)."""
    if declared is None or received is None:
        return True
    if built:
        return built_input_fits(declared, received)
    return tuple(declared) == tuple(received)


def own_input_refusal(model: ModelIR, shape: MaybeShape, label: str, previous: str,
                      entry: LayerEntry) -> Finding | None:
    """A nested model, entry of a Sequential model, refusing the tensor `previous` gives it,
    in the Sequential model's words."""
    own = own_input(model)
    if own is None or shape is None or own_input_fits(own[0], own[1], shape):
        return None
    declared = own[0]
    assert declared is not None
    rule = INCOMPATIBLE_RANK if len(declared) != len(shape) else INCOMPATIBLE_DIM
    return rule.finding(
        f"{label} was built for inputs of shape {format_shape(declared)}, but it receives "
        f"{format_shape(shape)} from {previous}", at=entry.range, file=model.file)
