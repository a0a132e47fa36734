"""A built functional model run on data of other shapes, as Keras runs it at fit/predict:
each layer's rule again on what reaches it, and the axes its weights were built for by the
model's own tensors (a Dense built for 28 features refuses 1). Used to tell data Keras
refuses somewhere inside the model from data it silently takes for something else.
"""

from __future__ import annotations

from shape_engine.checks.training import fixed_axes
from shape_engine.ir import LayerCall
from shape_engine.keras.layer_call import compute
from shape_engine.keras.tensors import GraphModel, Node
from shape_engine.layers import MULTI_INPUT_RULES, RULES, LayerArgs, LayerOutput
from shape_engine.layers.base import Refusal, Unknowable
from shape_engine.layers.refusals import UNKNOWN_REQUIRED_DIM
from shape_engine.shapes import MaybeShape, Shape


def refused_inside(graph: GraphModel, fed: dict[int, Shape]) -> bool | None:
    """Whether a layer of the graph refuses the data: `fed` gives the shape of some Inputs
    (by the id of their tensor; the others keep their declared shapes). True: a layer
    refuses it; False: every layer takes it; None: not known (a layer, op or nested model
    the engine cannot run again, or a refusal of a dim it does not know)."""
    known: dict[int, MaybeShape] = {id(t): fed.get(id(t), t.shape) for t in graph.inputs}
    certain = True
    for node in graph.nodes:
        if node.is_input:
            continue
        given = [known.get(id(t)) for t in node.inputs]
        outputs = _run(node, given)
        if outputs is True:
            return True
        if outputs is None:
            certain = False
        for i, tensor in enumerate(node.outputs):
            known[id(tensor)] = outputs[i] if isinstance(outputs, tuple) and i < len(
                outputs) else None
    return False if certain else None


def _run(node: Node, given: list[MaybeShape]) -> tuple[MaybeShape, ...] | bool | None:
    """The node's output shapes; True when Keras refuses its input; None when not known."""
    layer = node.layer
    if node.is_op or node.refused or not isinstance(layer, LayerCall) or not given:
        return None
    shapes = [s for s in given if s is not None]
    if len(shapes) != len(given):
        return None
    for built, shape in zip(node.inputs, shapes, strict=True):
        if built.shape is None:
            return None
        axes = fixed_axes(layer, len(built.shape))
        if axes is None:
            return None
        for axis in axes:
            # Counted from the end when it is the last axis: the data may have another rank.
            at = -1 if axis == len(built.shape) - 1 else axis
            if not shape or len(shape) <= at:
                return None
            a, b = built.shape[at], shape[at]
            if a is not None and b is not None and a != b:
                return True
    try:
        multi = MULTI_INPUT_RULES.get(layer.kind or "")
        if multi is not None and multi.takes_list:
            result = multi.compute(LayerArgs(layer, multi.params), tuple(shapes), {})
        elif multi is None and len(shapes) == 1 and layer.kind in RULES:
            result = compute(layer, shapes[0])
        else:
            return None
    except Refusal as refusal:
        return None if refusal.rule is UNKNOWN_REQUIRED_DIM else True
    except (Unknowable, ArithmeticError, ValueError, TypeError, IndexError, KeyError):
        return None
    return _outputs(result)


def _outputs(result: LayerOutput) -> tuple[MaybeShape, ...] | None:
    outputs = result.outputs if result.multiple_outputs else (result.shape,)
    return None if outputs is None or None in outputs else tuple(outputs)
