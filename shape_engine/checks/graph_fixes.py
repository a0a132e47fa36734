"""Quick fixes for layer calls Keras refuses in a functional graph: for merge layers
(SL110), concatenate along the one axis where the inputs differ, or project the shortcut of
an elementwise merge to the other branch's channels with a 1x1 convolution (a Dense for flat
tensors); for one-tensor layers (a rank, a Reshape's target...), those of `call_fixes`.

Each fix is verified like every other (`verify.keep_working_fixes`) before it is offered.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Sequence

from shape_engine.checks.call_fixes import Uses, refusal_fixes
from shape_engine.context import Document
from shape_engine.findings import Edit, Finding, Fix, Position, Range
from shape_engine.fixes import fix
from shape_engine.ir import LayerCall, ModelIR
from shape_engine.keras.calls import Given, Graph
from shape_engine.keras.tensors import Node
from shape_engine.layers.merging import ELEMENTWISE
from shape_engine.shapes import Shape

# Layers that project channels, by the rank of the tensors merged (batch included).
_PROJECTIONS = {2: "Dense({channels})", 3: "Conv1D({channels}, 1)",
                4: "Conv2D({channels}, 1)", 5: "Conv3D({channels}, 1)"}


def with_graph_fixes(graph: Graph, document: Document, models: Sequence[ModelIR] = ()
                     ) -> list[Finding]:
    """The graph's findings, the fixable ones with their fixes. `models`: the program's
    models (a fix must not change what their outputs are)."""
    fixed: dict[int, Finding] = {}
    uses: Uses | None = None
    for finding, node, given in graph.refused_inputs:
        if finding.file is not None or not isinstance(node.layer, LayerCall):
            continue
        if given.as_list:
            candidates = [_concatenate_axis(node.layer, given, document),
                          _project_shortcut(node, given, document)]
            found = tuple(f for f in candidates if f is not None)
        else:
            uses = uses or Uses(graph, models)
            found = refusal_fixes(finding, node, given, uses, document)
        if found:
            fixed[id(finding)] = dataclasses.replace(finding, fixes=found, preferred_fix=0)
    return [fixed.get(id(f), f) for f in graph.findings]


def _shapes(given: Given) -> list[Shape] | None:
    shapes = [t.shape for t in given.positional]
    if len(shapes) < 2 or any(s is None for s in shapes):
        return None
    return [s for s in shapes if s is not None]


def _concatenate_axis(layer: LayerCall, given: Given, document: Document) -> Fix | None:
    """Concatenate's inputs agree on every axis but one: concatenate along that one."""
    shapes = _shapes(given)
    if layer.kind != "Concatenate" or shapes is None or layer.has_unpacking:
        return None
    rank = len(shapes[0])
    if any(len(s) != rank for s in shapes):
        return None
    differing = [axis for axis in range(1, rank)
                 if len({s[axis] for s in shapes}) > 1]
    if len(differing) != 1 or any(s[differing[0]] is None for s in shapes):
        return None
    axis = differing[0]
    edit: Edit | None
    if "axis" in layer.kwarg_value_ranges:
        edit = Edit(layer.kwarg_value_ranges["axis"], str(axis))
    elif layer.args:
        edit = Edit(layer.arg_ranges[0], str(axis)) if layer.arg_ranges else None
    else:
        end = layer.range.end
        inside = Position(end.line, end.character - 1)
        if document.index.text_of(Range(inside, end)) != ")":
            return None
        edit = Edit(Range(inside, inside), f"axis={axis}")
    if edit is None:
        return None
    return fix(f"Concatenate along axis {axis}, where the inputs differ", [edit], safe=False)


def _project_shortcut(node: Node, given: Given, document: Document) -> Fix | None:
    """Two branches of the same shape but their channels (last axis): project the older one,
    the shortcut, to the other's channels."""
    layer = node.layer
    shapes = _shapes(given)
    if not isinstance(layer, LayerCall) or layer.kind not in ELEMENTWISE or shapes is None:
        return None
    if len(shapes) != 2 or len(shapes[0]) != len(shapes[1]) or (
            len(shapes[0]) not in _PROJECTIONS):
        return None
    a, b = shapes
    if a[1:-1] != b[1:-1] or a[-1] is None or b[-1] is None or a[-1] == b[-1]:
        return None
    older = min((0, 1), key=lambda i: given.positional[i].node.range.start)
    channels = shapes[1 - older][-1]
    written = _element(layer, given, older)
    prefix = _layers_prefix(layer)
    if written is None or prefix is None:
        return None
    text = document.index.text_of(written)
    projection = _PROJECTIONS[len(a)].format(channels=channels)
    return fix(f"Project {text} to {channels} channels: {prefix}{projection}({text})",
               [Edit(written, f"{prefix}{projection}({text})")], safe=False)


def _element(layer: LayerCall, given: Given, index: int) -> Range | None:
    """Where the merge call's list writes its `index`-th tensor."""
    call = given.call
    if call is None or not call.args or not isinstance(call.args[0], ast.List | ast.Tuple):
        return None
    elements = call.args[0].elts
    if index >= len(elements) or isinstance(elements[index], ast.Starred):
        return None
    return layer.source.range_of(elements[index])


def _layers_prefix(layer: LayerCall) -> str | None:
    """How the program names the layers module where it wrote this layer (`layers.`,
    `tf.keras.layers.`); None when it imported the class by name."""
    func = layer.node.func
    if not isinstance(func, ast.Attribute):
        return None
    return ast.unparse(func.value) + "."
