"""A functional model called on tensors of other shapes than its inputs' (Keras 3.15).

Keras then runs its graph again on the new shapes, but only through each layer's
`compute_output_spec` (`Function.compute_output_spec`): no layer is built again and no
input spec is checked, so what only a build refuses (an undefined dim that would size
weights, the sizes Concatenate's build compares) does not stop it. Models nested in it
(functional or Sequential) are replayed the same way, after the check of their own input.
What is not modelled gives unknown shapes. What Keras refuses there is what a layer refuses
on every call (`Refusal.every_call`: Reshape's size check, from its compute_output_shape):
the replay stops at it and says which layer refused (`Replayed.refusal`), where no size the
engine does not know reached that layer; any other refusal gives unknown shapes.
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
from shape_engine.shapes import MaybeShape, Shape, format_shape

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
class ReplayRefusal:
    """A layer of the replayed graph that Keras' compute_output_spec refuses, on `shape`."""

    layer: LayerCall
    shape: Shape
    refusal: Refusal

    def describe(self) -> str:
        """"Reshape((1, 2, 1)) (line 7) expects 2 elements but gets (None, 1): 1 element"."""
        refusal, layer = self.refusal, self.layer
        what = (f"expects {refusal.needs} but gets {format_shape(self.shape)}"
                if refusal.needs is not None else
                f"refuses {format_shape(self.shape)}: {refusal.message or refusal.rule.summary}")
        if refusal.detail:
            what += f": {refusal.detail}"
        return f"{layer.written_name} (line {layer.range.start.line + 1}) {what}"


@dataclass(frozen=True)
class Replayed:
    """The shapes of a replay's outputs (None: not known); `guessed`: some of their None
    dims are only unknown to the engine (a layer's argument not known), see `partial_shapes`.
    `refusal`: the layer Keras refuses in it (the shapes are then unknown)."""

    shapes: tuple[MaybeShape, ...]
    guessed: bool = False
    refusal: ReplayRefusal | None = None


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
        partial: set[int] = set()  # tensors whose None dims may be only the engine's
        for node in graph.nodes:
            if node.is_input:
                continue
            outputs = self._node(node, [known.get(id(t)) for t in node.inputs], depth,
                                 any(id(t) in partial for t in node.inputs))
            if outputs is not None and outputs.refusal is not None:
                return Replayed(tuple(None for _ in graph.outputs), refusal=outputs.refusal)
            if outputs is not None and outputs.guessed:
                guessed = True
                partial.update(id(t) for t in node.outputs)
            for i, tensor in enumerate(node.outputs):
                shapes = outputs.shapes if outputs is not None else ()
                known[id(tensor)] = shapes[i] if i < len(shapes) else None
        return Replayed(tuple(known.get(id(o)) for o in graph.outputs), guessed)

    def _node(self, node: Node, given: list[MaybeShape], depth: int, guessed: bool
              ) -> Replayed | None:
        """What one call of the graph gives on these shapes; None when not known. Ops are
        not replayed. `guessed`: some given None dims may be only the engine's."""
        if node.is_op or any(s is None for s in given):
            return None
        shapes = [s for s in given if s is not None]
        layer = node.layer
        try:
            if isinstance(layer, LayerCall):
                return _layer(layer, shapes)
            if isinstance(layer, ModelIR) and depth < MAX_DEPTH:
                if layer.graph is not None:
                    replayed = self._functional(layer.graph, shapes, depth + 1)
                elif len(shapes) == 1:
                    replayed = self._sequential(layer, shapes[0])
                else:
                    return None
                if guessed and replayed is not None and replayed.refusal is not None:
                    return None  # sizes the engine does not know may well fit
                return replayed
        except _Refused as refused:
            return None if guessed else Replayed((), refusal=refused.refusal)
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
        calls = [layer for layer in layers
                 if isinstance(layer, LayerCall) and not is_input_kind(layer.kind)]
        try:
            rows = _replay_rows(calls, shape)
        except _Refused as refused:
            return Replayed((None,), refusal=refused.refusal)
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
    its `compute_output_spec` only (its weights stay as built); None when not known or
    refused. The outputs' shapes are all known (one tensor each)."""
    try:
        return _replay_rows(layers, shape)
    except _Refused:
        return None


def _replay_rows(layers: Sequence[LayerCall], shape: Shape) -> list[LayerOutput] | None:
    """`replay_layers`, raising _Refused for a refusal Keras meets on every call, unless
    sizes the engine does not know reached the refusing layer."""
    outputs: list[LayerOutput] = []
    for layer in layers:
        if layer.kind not in RULES or layer.kind in _CALL_TRACED:
            return None
        try:
            output = _single(layer, shape)
        except _Refused:
            if any(o.partial for o in outputs):
                return None
            raise
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


class _Refused(Exception):
    """A refusal Keras meets in the replay (`Refusal.every_call`)."""

    def __init__(self, refusal: ReplayRefusal) -> None:
        super().__init__(refusal.describe())
        self.refusal = refusal


def _single(layer: LayerCall, shape: Shape) -> LayerOutput:
    """The layer's rule as for a layer built already, past a build's refusal of an
    undefined dim (its build is not run again); a refusal of every call raises _Refused,
    other refusals Refusal."""
    try:
        return compute(layer, shape, built=True)
    except Refusal as refusal:
        if refusal.rule is UNKNOWN_REQUIRED_DIM and not refusal.every_call:
            return past_unknown_dims(layer, shape, refusal, guessed=False)
        if refusal.every_call:
            raise _Refused(ReplayRefusal(layer, shape, refusal)) from None
        raise
