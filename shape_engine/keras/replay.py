"""A functional model called on tensors of other shapes than its inputs' (Keras 3.15).

Keras then runs its graph again on the new shapes, but only through each layer's
`compute_output_spec` (`Function.compute_output_spec`): no layer is built again and no
input spec is checked, so what only a build refuses (an undefined dim that would size
weights, the sizes Concatenate's build compares) does not stop it. Models nested in it
(functional or Sequential) are replayed the same way, after the check of their own input.
What is not modelled, or what Keras would refuse there, gives unknown shapes: a replay only
gives shapes, never findings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from shape_engine.ir import LayerCall, ModelIR
from shape_engine.keras.layer_call import (
    BuiltSequential,
    built_input_fits,
    compute,
    past_unknown_dims,
)
from shape_engine.keras.tensors import GraphModel, Node
from shape_engine.layers import MULTI_INPUT_RULES, RULES, LayerArgs, LayerOutput
from shape_engine.layers.base import Refusal, Unknowable, is_input_kind
from shape_engine.layers.refusals import UNKNOWN_REQUIRED_DIM
from shape_engine.shapes import MaybeShape, Shape

# Builds a Sequential model, on its own input or else on `outer_input` (a batch shape): the
# interpreter, given by whoever makes the graph (it sits above this module).
BuildSequential = Callable[[ModelIR, MaybeShape], BuiltSequential]

# Layers with no compute_output_shape of their own (Keras 3.15): their compute_output_spec
# traces their call, which weights built for another shape may fail.
_CALL_TRACED = frozenset({"GRUCell", "LSTMCell", "SimpleRNNCell", "StackedRNNCells",
                          "Pipeline"})

# How deep models nested in models are followed.
MAX_DEPTH = 8

_NOT_KNOWN = (Refusal, Unknowable, ArithmeticError, ValueError, TypeError, IndexError,
              KeyError)


@dataclass(frozen=True)
class Replayed:
    """The shapes of a replay's outputs (None: not known); `guessed`: some of their None
    dims are only unknown to the engine (a layer's argument not known), see `partial_shapes`."""

    shapes: tuple[MaybeShape, ...]
    guessed: bool = False


class Replay:
    """Replays graphs; `build_sequential` (None: not known) builds a nested Sequential model
    with a declared input, to know that input."""

    def __init__(self, build_sequential: BuildSequential | None) -> None:
        self.build_sequential = build_sequential

    def graph(self, graph: GraphModel, inputs: Sequence[MaybeShape], depth: int = 0
              ) -> Replayed:
        known: dict[int, MaybeShape] = {
            id(i): s for i, s in zip(graph.inputs, inputs, strict=True)}
        guessed = False
        for node in graph.nodes:
            if node.is_input:
                continue
            outputs = self._node(node, [known.get(id(t)) for t in node.inputs], depth)
            if outputs is not None:
                guessed = guessed or outputs.guessed
            for i, tensor in enumerate(node.outputs):
                shapes = outputs.shapes if outputs is not None else ()
                known[id(tensor)] = shapes[i] if i < len(shapes) else None
        return Replayed(tuple(known.get(id(o)) for o in graph.outputs), guessed)

    def _node(self, node: Node, given: list[MaybeShape], depth: int) -> Replayed | None:
        """What one call of the graph gives on these shapes; None when not known. Ops are
        not replayed."""
        if node.is_op or any(s is None for s in given):
            return None
        shapes = [s for s in given if s is not None]
        layer = node.layer
        try:
            if isinstance(layer, LayerCall):
                return _layer(layer, shapes)
            if isinstance(layer, ModelIR) and depth < MAX_DEPTH:
                if layer.graph is not None:
                    return self._functional(layer.graph, shapes, depth + 1)
                if len(shapes) == 1:
                    return self._sequential(layer, shapes[0])
        except _NOT_KNOWN:
            return None
        return None

    def _functional(self, graph: GraphModel, shapes: list[Shape], depth: int
                    ) -> Replayed | None:
        """A nested functional model: its input check, then the shortcut Keras takes for
        the shapes it was built on, else its graph."""
        if len(shapes) != len(graph.inputs):
            return None
        for declared, shape in zip(graph.inputs, shapes, strict=True):
            if declared.shape is None or not built_input_fits(declared.shape, shape):
                return None  # Keras refuses; what it says there is not modelled
        if all(tuple(d.shape or ()) == s for d, s in zip(graph.inputs, shapes, strict=True)):
            return Replayed(tuple(o.shape for o in graph.outputs),
                            any(o.guessed for o in graph.outputs))
        return self.graph(graph, shapes, depth)

    def _sequential(self, model: ModelIR, shape: Shape) -> Replayed | None:
        """A nested Sequential model, built already (on its declared input or on the
        tensor it was first called on): its input check, then each layer in turn."""
        if model.opaque or model.superseded or model.builds:
            return None
        layers = [entry.layer for entry in model.entries]
        if not layers or not all(isinstance(layer, LayerCall) and layer.kind in RULES
                                 for layer in layers):
            return None
        built_on = self._built_on(model)
        if built_on is None or not built_input_fits(built_on, shape):
            return None
        rows = replay_layers([layer for layer in layers if isinstance(layer, LayerCall)
                              and not is_input_kind(layer.kind)], shape)
        if rows is None:
            return None
        return Replayed((rows[-1].shape if rows else shape,), any(r.partial for r in rows))

    def _built_on(self, model: ModelIR) -> MaybeShape:
        """The batch shape a Sequential model was built on: the input it declares, or the
        tensor it was first called on."""
        if model.called_on is not None:
            return model.called_on
        if self.build_sequential is None:
            return None
        report = self.build_sequential(model, None)
        if report.input_origin != "declared" or report.refused:
            return None
        return report.input_shape


def replay_layers(layers: Sequence[LayerCall], shape: Shape) -> list[LayerOutput] | None:
    """What each of a built Sequential model's layers gives in turn from `shape`, through
    its `compute_output_spec` only (its weights stay as built); None when not known. The
    outputs' shapes are all known (one tensor each)."""
    outputs: list[LayerOutput] = []
    for layer in layers:
        if layer.kind not in RULES or layer.kind in _CALL_TRACED:
            return None
        try:
            output = _single(layer, shape)
        except _NOT_KNOWN:
            return None
        if output.shape is None or output.multiple_outputs:
            return None
        outputs.append(output)
        shape = output.shape
    return outputs


def _layer(layer: LayerCall, shapes: list[Shape]) -> Replayed | None:
    multi = MULTI_INPUT_RULES.get(layer.kind or "")
    if multi is not None:
        if not multi.takes_list:
            return None  # attention: not modelled here
        rule = multi.output_shape_only or multi.compute
        result = rule(LayerArgs(layer, multi.params), tuple(shapes), {})
    elif len(shapes) == 1 and layer.kind in RULES:
        result = _single(layer, shapes[0])
    else:
        return None
    if result.multiple_outputs:
        return Replayed(result.outputs or (), result.partial) if result.outputs else None
    return Replayed((result.shape,), result.partial)


def _single(layer: LayerCall, shape: Shape) -> LayerOutput:
    """The layer's rule, past a build's refusal of an undefined dim (its build is not run
    again); other refusals raise."""
    try:
        return compute(layer, shape)
    except Refusal as refusal:
        if refusal.rule is UNKNOWN_REQUIRED_DIM and not refusal.every_call:
            return past_unknown_dims(layer, shape, refusal, guessed=False)
        raise
