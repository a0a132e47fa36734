"""Calls that make symbolic tensors, evaluated when the program makes them, as Keras does:
`keras.Input(...)`, a layer called on tensors, a model called on tensors, `keras.Model(...)`.

A layer is built at its first call; a later call of the same object must fit the weights
that call made. Keras' refusals become findings at the call it refuses; what cannot be known
makes a tensor of unknown shape, silent downstream.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

from shape_engine.findings import Finding, Range, Related
from shape_engine.ir import LayerCall, ModelIR
from shape_engine.keras.layer_call import (
    FlowingList,
    InSequence,
    argument_refusal,
    built_input_fits,
    compute,
    constructor_refusal,
    entry_label,
    input_shape_of,
    past_unknown_dims,
    refusal_finding,
    sequence_refusal,
)
from shape_engine.keras.ops import NotModelled, OpRefusal
from shape_engine.keras.own_input import own_input, own_input_fits, own_input_refusal
from shape_engine.keras.replay import BuildSequential, Replay, ReplayRefusal
from shape_engine.keras.tensors import GraphModel, Node, TensorValue
from shape_engine.layers import MULTI_INPUT_LAYERS, MULTI_INPUT_RULES, RULES, LayerArgs, LayerOutput
from shape_engine.layers.base import (
    MultiInputRule,
    Refusal,
    Unknowable,
    facts_of,
    is_input_kind,
)
from shape_engine.layers.merging import merge_list
from shape_engine.layers.refusals import (
    DISCONNECTED_GRAPH,
    INCOMPATIBLE_DIM,
    INCOMPATIBLE_RANK,
    INVALID_TENSOR_OP,
    MULTIPLE_OUTPUTS,
    UNKNOWN_REQUIRED_DIM,
    WRONG_INPUT_COUNT,
)
from shape_engine.partial_shapes import certain_past_unknown_dims
from shape_engine.shapes import MaybeShape, Shape, format_shape
from shape_engine.values import Const, Value

# How many nodes one program's graph may hold before further calls are taken as unknown.
MAX_NODES = 20_000


# A layer object after its first call: the node of that call (what it was built on), its
# parameters, and whether that tensor had dims the engine does not know. A plain tuple: one
# is made at nearly every layer call.
_Built = tuple[Node, int | None, bool]


@dataclass
class Graph:
    """Every node the program made, the layers built so far, and Keras' refusals."""

    nodes: list[Node] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # How a Sequential model called on a tensor is built; None: its output is not known.
    build_sequential: BuildSequential | None = None
    # Layer calls refused for their inputs' shapes (merges, and one-tensor layers such as a
    # rank refusal), with the finding and what they got: what the checks' fixes start from.
    refused_inputs: list[tuple[Finding, Node, Given]] = field(default_factory=list)
    _built: dict[int, _Built] = field(default_factory=dict)
    _inputs: dict[int, TensorValue] = field(default_factory=dict)
    # Each node's place in `nodes` (which is only appended to), by id, for the first
    # `_ordered` nodes: kept up to date as models are made, not built anew for each.
    _order: dict[int, int] = field(default_factory=dict)
    _ordered: int = 0

    @property
    def full(self) -> bool:
        return len(self.nodes) >= MAX_NODES

    # -- Input -------------------------------------------------------------------------------

    def make_input(self, call: LayerCall) -> TensorValue:
        """`keras.Input(...)`: one tensor per call (a function called twice makes two)."""
        made = self._inputs.get(id(call))
        if made is not None:
            return made
        try:
            shape, guessed = input_shape_of(call)
        except Refusal as refusal:
            self._refuse(refusal.rule.finding(refusal.message or refusal.rule.summary,
                                              _argument_at(call, refusal), file=call.file))
            tensor = self.input_tensor(call, None, call.range)
            tensor.node.refused = True
            return tensor
        return self.input_tensor(call, shape, call.range, guessed)

    def input_tensor(self, call: LayerCall, shape: MaybeShape, at: Range,
                     guessed: bool = False) -> TensorValue:
        """The tensor of the Input `call` once its shape is known (`input_shape_of`), its
        node made at `at` (the call, or a Sequential model's entry)."""
        node = Node(call.label, at, (), is_input=True, input_call=call, file=call.file)
        dtype = call.kwargs.get("dtype")
        tensor = TensorValue(shape, node, dtype=_constant_str(dtype),
                             name=_constant_str(call.kwargs.get("name")), guessed=guessed)
        node.outputs = (tensor,)
        self.nodes.append(node)
        self._inputs[id(call)] = tensor
        return tensor

    # -- layer(x) ----------------------------------------------------------------------------

    def call_layer(self, layer: LayerCall, given: Given, at: Range
                   ) -> TensorValue | list[TensorValue]:
        """The layer object `layer` called on tensors."""
        node, output = self.layer_node(layer, given, at)
        if output is not None and output.multiple_outputs and output.outputs is not None:
            return list(node.outputs)
        return node.outputs[0]

    def layer_node(self, layer: LayerCall, given: Given, at: Range,
                   in_sequence: InSequence | None = None) -> tuple[Node, LayerOutput | None]:
        """The node of `layer` called on tensors, and what its rule gave (None: refused).

        `in_sequence`: the call a Sequential model makes of its entry on the tensor before
        it. Its constructor's refusals were checked in the order the Sequential model makes
        its layers and its refusal is worded as the model's (the entry, what the entry before
        gives). A layer object that is two entries of the model is one layer there too.
        """
        # Positionally (is_input, input_call between): a class called with keywords packs
        # them into a dict, at every layer call.
        node = Node(layer.label, at, given.tensors(), layer, False, None, layer.file)
        self.nodes.append(node)
        output: LayerOutput | None
        if in_sequence is not None:
            output = self._in_sequence(layer, given, node, in_sequence)
        elif layer.kind in MULTI_INPUT_LAYERS:  # the registry is asked for these kinds only
            output = self._multi(layer, MULTI_INPUT_RULES[layer.kind or ""], given, node)
        else:
            output = self._single(layer, given, node)
        if output is not None:
            output = self._shared(layer, node, output,
                                  in_sequence is not None and in_sequence.guessed_dims)
        if output is None:
            node.refused, node.params = True, None
            self._unknown_outputs(node)
            return node, None
        node.params = output.params
        guessed = output.partial or _any_guessed(node.inputs)
        if output.multiple_outputs:
            shapes = output.outputs
            if shapes is None:
                self._unknown_outputs(node)
                return node, output
            node.outputs = tuple(TensorValue(shape, node, index=i, guessed=guessed)
                                 for i, shape in enumerate(shapes))
            return node, output
        # Positionally (dtype, index, name between), as the node above.
        node.outputs = (TensorValue(output.shape, node, None, 0, None, guessed),)
        return node, output

    def _in_sequence(self, layer: LayerCall, given: Given, node: Node, in_sequence: InSequence
                     ) -> LayerOutput | None:
        """Keras' refusals in the order a Sequential model meets them: the constructor's,
        the arguments' when no shape reaches the layer, a layer the model cannot hold, the
        input spec a layer object that is an earlier entry too was built with, then the
        rule's on what reaches it."""
        tensor = given.positional[0]
        if in_sequence.flowing is not None:
            return self._list_in_sequence(layer, in_sequence.flowing, in_sequence)
        refused = constructor_refusal(layer)
        if refused is None and tensor.shape is None:
            refused = argument_refusal(layer, in_sequence.entry.range, in_sequence.previous)
        if refused is None:
            refused = sequence_refusal(layer, in_sequence)
        if refused is not None:
            self._refuse(refused)
            return None
        if tensor.shape is None or layer.kind not in RULES:
            return LayerOutput(None, None)  # not known, or a layer not modelled
        if self._refused_by_built_spec(layer, tensor, node, given, in_sequence.guessed_dims):
            return None
        return self._rule_in_sequence(layer, tensor.shape, in_sequence,
                                      in_sequence.guessed_dims or tensor.guessed)

    def _rule_in_sequence(self, layer: LayerCall, shape: Shape, in_sequence: InSequence,
                          guessed: bool) -> LayerOutput | None:
        """The layer's rule on what reaches the entry, a refusal in the model's words."""
        try:
            return compute(layer, shape, guessed)
        except Refusal as refusal:
            if guessed and not certain_past_unknown_dims(refusal.rule):
                return past_unknown_dims(layer, shape, refusal)
            self._refuse(refusal_finding(refusal, layer, in_sequence.entry.range, shape,
                                         in_sequence.previous, in_sequence.made_at))
            return None

    def _list_in_sequence(self, layer: LayerCall, flowing: FlowingList,
                          in_sequence: InSequence) -> LayerOutput | None:
        """A list of tensors reaching a Sequential model's entry, as `Sequential.build` hands
        it on (`takes_flowing_list`): a layer that passes lists keeps it as it is (several
        outputs), a merge layer merges it, a Lambda sees its first tensor, any other layer
        is refused."""
        entry, previous = in_sequence.entry, in_sequence.previous
        if facts_of(layer.kind).passes_lists:
            return LayerOutput(None, 0, multiple_outputs=True, outputs=flowing.shapes,
                               multiple_outputs_why=flowing.why)
        if layer.kind in MULTI_INPUT_LAYERS:
            try:
                return merge_list(layer, flowing.shapes)
            except Refusal as unmergeable:
                self._refuse(MULTIPLE_OUTPUTS.finding(
                    f"{unmergeable.message}; {previous} {flowing.why}", at=entry.range,
                    file=in_sequence.file))
                return None
        if layer.kind == "Lambda" and flowing.shapes and flowing.shapes[0] is not None:
            # Keras puts the batch size of the list's first tensor before output_shape:
            # the rule sees that tensor.
            return self._rule_in_sequence(layer, flowing.shapes[0], in_sequence,
                                          in_sequence.guessed_dims)
        self._refuse(MULTIPLE_OUTPUTS.finding(
            f"{layer.label} receives a list of tensors: {previous} {flowing.why}; a "
            "Sequential layer takes one tensor", at=entry.range, file=in_sequence.file))
        return None

    def _single(self, layer: LayerCall, given: Given, node: Node) -> LayerOutput | None:
        rule = RULES.get(layer.kind or "")  # kinds are canonical: no alias to resolve
        if rule is None or not rule.needs_input:
            return LayerOutput(None, None)  # a layer not modelled, an InputLayer called
        if given.as_list:
            taken = self._list_taken(layer, given, node)
            if taken is not False:
                return taken
            self._refuse(WRONG_INPUT_COUNT.finding(
                f"{layer.written_name} takes one tensor, but it is called on a list of "
                f"{len(given.positional)}: {given.describe_all()}", at=node.range,
                file=layer.file))
            return None
        tensor = given.positional[0]
        # What the constructor refuses, Keras raises where the layer is made.
        args = LayerArgs(layer, rule.params)  # read by the constructor's checks and the rule
        refused = argument_refusal(layer, node.range, "its input", rule, args)
        if refused is not None:
            self._refuse(refused)
            return None
        if tensor.shape is None:
            return LayerOutput(None, None)
        built = id(layer) in self._built
        if built and self._refused_by_built_spec(layer, tensor, node, given):
            return None
        try:
            return compute(layer, tensor.shape, tensor.guessed, built=built, rule=rule,
                           args=args)
        except Refusal as refusal:
            if refusal.rule is UNKNOWN_REQUIRED_DIM and not refusal.every_call and built:
                # Built already, it is not built again: only its build needs the dim.
                return past_unknown_dims(layer, tensor.shape, refusal, tensor.guessed)
            if tensor.guessed and not certain_past_unknown_dims(refusal.rule):
                return past_unknown_dims(layer, tensor.shape, refusal)
            finding = self._input_finding(refusal, layer, node, given, tensor.shape)
            self._refuse(finding)
            self.refused_inputs.append((finding, node, given))
            return None

    def _list_taken(self, layer: LayerCall, given: Given, node: Node
                    ) -> LayerOutput | Literal[False] | None:
        """A one-tensor layer called on a list, as Keras 3.15 takes it: Lambda hands the
        list to its function (output (batch of the first tensor,) + output_shape, else
        unknown); the layers that pass lists apply themselves to each tensor. False: Keras
        refuses the list."""
        if layer.kind == "Lambda":
            first = given.positional[0].shape if given.positional else None
            if first is None:
                return LayerOutput(None, None)
            try:
                return compute(layer, first)
            except Refusal as refusal:  # output_shape itself refused
                self._refuse(self._input_finding(refusal, layer, node, given, None))
                return None
        if not facts_of(layer.kind).passes_lists:
            return False
        shapes: list[MaybeShape] = []
        for tensor in given.positional:
            try:
                shapes.append(None if tensor.shape is None else compute(layer, tensor.shape).shape)
            except Refusal:
                shapes.append(None)
        return LayerOutput(None, 0, multiple_outputs=True, outputs=tuple(shapes))

    def _multi(self, layer: LayerCall, rule: MultiInputRule, given: Given, node: Node
               ) -> LayerOutput | None:
        takes_list = rule.takes_list
        if takes_list and not given.as_list:
            self._refuse(WRONG_INPUT_COUNT.finding(
                f"{layer.written_name} merges a list of tensors, but it is called on "
                f"{given.describe(0)} alone", at=node.range, file=layer.file))
            return None
        shapes = [t.shape for t in given.positional]
        keywords = {k: t.shape for k, t in given.keywords.items()}
        if None in shapes or None in keywords.values():
            return LayerOutput(None, None)
        if given.options:
            # Call arguments such as return_attention_scores=True, read like the others.
            layer = replace(layer, kwargs={**layer.kwargs, **given.options})
        try:
            return rule.compute(LayerArgs(layer, rule.params),
                                tuple(s for s in shapes if s is not None),
                                {k: s for k, s in keywords.items() if s is not None})
        except Refusal as refusal:
            if any(t.guessed for t in given.tensors()):
                return LayerOutput(None, None)  # sizes the engine does not know may fit
            finding = self._input_finding(refusal, layer, node, given, None)
            self._refuse(finding)
            if takes_list:
                self.refused_inputs.append((finding, node, given))
            return None
        except (Unknowable, ArithmeticError, ValueError, TypeError, IndexError, KeyError):
            return LayerOutput(None, None)

    def _shared(self, layer: LayerCall, node: Node, output: LayerOutput, guessed: bool = False
                ) -> LayerOutput:
        """A layer object called again keeps the weights its first call made. `guessed`:
        the tensor has dims the engine does not know (a Sequential model's input)."""
        built = self._built.get(id(layer))
        if built is None:
            self._built[id(layer)] = (node, output.params, guessed)
            return output
        # The same weights, counted once per layer (`GraphModel.params`); what its built
        # input spec lets through computes its output anew (`_refused_by_built_spec`).
        return output._replace(params=built[1])

    def _refused_by_built_spec(self, layer: LayerCall, tensor: TensorValue, node: Node,
                               given: Given, guessed: bool = False) -> bool:
        """A layer object called again checks its input against the spec its build set
        from its first input (Keras 3.15: before anything else, and it is not built again):
        the rank it was built on (EinsumDense, PReLU, BatchNormalization, ...), the sizes its
        weights took (Dense's last axis, a convolution's channels). Refused: the finding.
        `guessed`: the tensor has dims the engine does not know (a Sequential model's input):
        only its rank is checked then."""
        built = self._built.get(id(layer))
        if built is None:
            return False
        built_node, _, built_guessed = built
        rule = RULES.get(layer.kind or "")
        first = built_node.inputs[0].shape if len(built_node.inputs) == 1 else None
        if rule is None or first is None or tensor.shape is None:
            return False
        spec = rule.spec_built_on(layer, first)
        why = spec.refuses(tensor.shape) if spec is not None else None
        if spec is None or why is None:
            return False
        if why == "axis" and (guessed or built_guessed or tensor.guessed or any(
                t.guessed for t in built_node.inputs)):
            return False  # sizes the engine does not know may well fit
        related = (Related(built_node.range, f"{layer.label} is first called here on "
                           f"{format_shape(first)}", layer.file),)
        if why == "rank":
            self._refuse(INCOMPATIBLE_RANK.finding(
                f"{layer.written_name} was built at line {built_node.line} on inputs of shape "
                f"{format_shape(first)}, and its input spec keeps that rank ({len(first)}), "
                f"but {given.describe(0)} is {format_shape(tensor.shape)}, of rank "
                f"{len(tensor.shape)} (a layer object called twice keeps what its first "
                "call built)",
                at=node.range, related=related, file=layer.file))
        else:
            self._refuse(INCOMPATIBLE_DIM.finding(
                f"{layer.written_name} was built at line {built_node.line} on inputs of shape "
                f"{format_shape(first)}; its weights do not fit {format_shape(tensor.shape)}, "
                "which this call gives it (a layer object called twice shares its weights)",
                at=node.range, related=related, file=layer.file))
        return True

    def _input_finding(self, refusal: Refusal, layer: LayerCall, node: Node, given: Given,
                       shape: MaybeShape) -> Finding:
        if refusal.needs is not None and shape is not None:
            message = (f"{layer.written_name} expects {refusal.needs} but "
                       f"{given.describe(0)} is {format_shape(shape)}")
            if refusal.detail:
                message += f": {refusal.detail}"
            at = node.range
        else:
            message = refusal.message or refusal.rule.summary
            if refusal.needs is not None:
                message = f"{layer.written_name} expects {refusal.needs}"
            if len(given.tensors()) > 1:
                message += f"; {given.origins()}"
            at = _argument_at(layer, refusal) if refusal.argument else node.range
            if not (node.range.start <= at.start and at.end <= node.range.end):
                # A layer made apart: Keras refuses the argument when the layer is built,
                # at this call.
                message += f" ({layer.label}, line {layer.range.start.line + 1})"
                at = node.range
        related = tuple(
            Related(t.node.range, f"{t.node.label} makes {format_shape(t.shape)}", t.node.file)
            for t in given.tensors() if t.node.range != at)
        return refusal.rule.finding(message, at, related=related, file=layer.file)

    # -- ops on tensors ----------------------------------------------------------------------

    def op(self, label: str, at: Range, operands: list[Value],
           compute: Callable[[list[MaybeShape]], Shape], file: str | None) -> TensorValue:
        """`x + y`, `x[:, 0]`, `keras.ops.concatenate([a, b])`: a node that is no layer."""
        tensors = tuple(v for v in operands if isinstance(v, TensorValue))
        node = Node(label, at, tensors, file=file, is_op=True)
        self.nodes.append(node)
        shape: MaybeShape = None
        guessed = any(t.guessed for t in tensors)
        try:
            shape = compute([_operand_shape(v) for v in operands])
        except OpRefusal as refusal:
            if not guessed:  # else sizes the engine does not know may well fit
                node.refused = True
                self._refuse(INVALID_TENSOR_OP.finding(
                    f"{label}: {refusal}; "
                    + ", ".join(f"{t.node.label} (line {t.node.line}) gives "
                                f"{format_shape(t.shape)}" for t in tensors), at=at,
                    file=file))
        except (NotModelled, ArithmeticError, ValueError, TypeError, IndexError):
            shape = None
        tensor = TensorValue(shape, node, guessed=guessed)
        node.outputs = (tensor,)
        return tensor

    # -- model(x) ----------------------------------------------------------------------------

    def call_model(self, model: ModelIR, given: Given, at: Range
                   ) -> TensorValue | list[TensorValue]:
        """A Sequential or functional model called on tensors, like a layer."""
        node = Node(model.name or model.variable or "model", at, given.tensors(), layer=model,
                    file=model.file)
        self.nodes.append(node)
        if any(t.guessed for t in given.tensors()):
            # Whether its input fits depends on sizes the engine does not know.
            return self._unknown_outputs(node, len(model.graph.outputs)
                                         if model.graph is not None else 1)
        if model.graph is not None:
            return self._call_functional(model, model.graph, given, node)
        if given.as_list or not given.positional:
            return self._unknown_outputs(node)
        tensor = given.positional[0]
        if tensor.shape is None or self.build_sequential is None:
            return self._unknown_outputs(node)
        report = self.build_sequential(model, None)
        if report.input_origin == "declared":
            own = own_input(model)
            if own is not None and not own[1] and _only_an_input(model) and not (
                    own_input_fits(own[0], own[1], tensor.shape)):
                # Nothing after its Input: Keras builds it only now, on this tensor's shape,
                # which must be the Input's exactly, None dims too (Sequential.build, Keras
                # 3.15), as for a Sequential model's entry.
                self._refuse(INCOMPATIBLE_DIM.finding(
                    f"{node.label} holds only an Input, configured for "
                    f"{format_shape(report.input_shape)}, and Keras builds it on the tensor "
                    f"it is called on: {given.describe(0)} is {format_shape(tensor.shape)}",
                    at=at, file=model.file))
                node.refused = True
                return self._unknown_outputs(node)
            if report.input_shape is not None and not built_input_fits(report.input_shape,
                                                                        tensor.shape):
                self._refuse(INCOMPATIBLE_DIM.finding(
                    f"{node.label} was built for inputs of shape "
                    f"{format_shape(report.input_shape)}, but {given.describe(0)} is "
                    f"{format_shape(tensor.shape)}", at=at, file=model.file))
                node.refused = True
                return self._unknown_outputs(node)
            if report.refused or tuple(report.input_shape or ()) != tuple(tensor.shape):
                node.params = report.total_params
                return self._unknown_outputs(node)
        else:
            # What the model refuses whatever it is built on (its layers' constructors) is
            # reported where the model is made: Keras never reaches this call then.
            unbuilt = {(f.code, f.range) for f in report.findings}
            report = self.build_sequential(model, tensor.shape)
            if report.refused:
                refusals = [f for f in report.findings if (f.code, f.range) not in unbuilt]
                if refusals:
                    self._refuse(INCOMPATIBLE_RANK.finding(
                        f"{node.label}, built on {given.describe(0)} "
                        f"{format_shape(tensor.shape)}, is refused: "
                        + "; ".join(f.message for f in refusals),
                        at=at, related=tuple(Related(f.range, f.message, f.file)
                                             for f in refusals), file=model.file))
                node.refused = True
                return self._unknown_outputs(node)
            if model.called_on is None:
                model.called_on = tensor.shape
        node.params = report.total_params
        if report.output_list_why is not None:
            return self._unknown_outputs(node)
        out = TensorValue(report.output_shape, node)
        node.outputs = (out,)
        return out

    def model_node(self, model: ModelIR, given: Given, at: Range, in_sequence: InSequence
                   ) -> Node:
        """A model as the entry of a Sequential model, called on the tensor before it, its
        refusal worded as the model's. A functional model is called as the functional API
        calls it (the node's outputs are unknown where that is not known: several outputs
        are a list, which the Sequential model does not follow); a Sequential one is run
        nested on what reaches it (`_sequential_entry`)."""
        node = Node(entry_label(in_sequence.entry), at, given.tensors(), layer=model,
                    file=model.file)
        self.nodes.append(node)
        if in_sequence.flowing is not None:
            self._model_given_list(model, in_sequence.flowing, node, in_sequence)
            return node
        if model.graph is None:
            self._sequential_entry(model, given.positional[0], node, in_sequence)
            return node
        count = len(model.graph.outputs)
        if in_sequence.guessed_dims or any(t.guessed for t in given.tensors()):
            self._unknown_outputs(node, count)  # whether it fits depends on unknown sizes
            node.params = model.graph.params
        else:
            self._call_functional(model, model.graph, given, node, in_sequence)
        return node

    def _sequential_entry(self, model: ModelIR, tensor: TensorValue, node: Node,
                          in_sequence: InSequence) -> None:
        """A Sequential model as the entry of another: refused when what reaches it does
        not fit an input of its own; else its layers run nested on what reaches it (the
        interpreter's `in_sequence.run_nested`)."""
        refused = own_input_refusal(model, tensor.shape, node.label, in_sequence.previous,
                                    in_sequence.entry)
        if refused is not None:
            self._refuse(refused)
            node.refused, node.params = True, None
            self._unknown_outputs(node)
            return
        if in_sequence.run_nested is None:
            node.params = None
            self._unknown_outputs(node)
            return
        built = in_sequence.run_nested(model, tensor.shape)
        node.params = built.total_params
        # A list of tensors coming out (return_state=True inside) is followed by the
        # interpreter's list rows, not as tensors.
        node.outputs = (TensorValue(built.output_shape, node),)

    def _model_given_list(self, model: ModelIR, flowing: FlowingList, node: Node,
                          in_sequence: InSequence) -> None:
        """A model entry the list of tensors the entry before gives reaches: built on an
        input of its own, it wants one tensor; else (an unbuilt Sequential model) Keras hands
        the list to each of its layers, which the interpreter follows (`run_nested`)."""
        self._unknown_outputs(node)
        own = own_input(model)
        if own is not None and own[1]:
            self._refuse(MULTIPLE_OUTPUTS.finding(
                f"{node.label} receives a list of tensors: {in_sequence.previous} "
                f"{flowing.why}; a Sequential layer takes one tensor",
                at=in_sequence.entry.range, file=in_sequence.file))
            node.refused, node.params = True, None
            return
        built = in_sequence.run_nested(model, None) if in_sequence.run_nested else None
        node.params = built.total_params if built is not None else None

    def _call_functional(self, model: ModelIR, graph: GraphModel, given: Given, node: Node,
                         in_sequence: InSequence | None = None
                         ) -> TensorValue | list[TensorValue]:
        node.params = graph.params
        count = len(graph.inputs)
        if (given.as_list or count > 1) and not given.keywords and (
                len(given.positional) != count):
            what = (f"a list of {len(given.positional)}" if given.as_list
                    else "one tensor")
            self._refuse(WRONG_INPUT_COUNT.finding(
                f"{node.label} has {count} input{'s' if count > 1 else ''}, but it is called "
                f"on {what}: {given.describe_all()} (Keras raises \"expects {count} named "
                "input(s)\")", at=node.range, file=model.file))
            node.refused = True
            return self._unknown_outputs(node, len(graph.outputs))
        tensors = given.positional if given.as_list or count == 1 else ()
        if len(tensors) != count or any(
                t.shape is None or i.shape is None for t, i in zip(tensors, graph.inputs,
                                                                     strict=False)):
            return self._unknown_outputs(node, len(graph.outputs))
        for index, (mine, declared) in enumerate(zip(tensors, graph.inputs, strict=True)):
            assert mine.shape is not None and declared.shape is not None
            if not _functional_input_fits(declared.shape, mine.shape):
                received = (f"it receives {format_shape(mine.shape)}" if in_sequence else
                            f"{given.describe(index)} is {format_shape(mine.shape)}")
                self._refuse(INCOMPATIBLE_DIM.finding(
                    f"{node.label} was built for inputs of shape "
                    f"{format_shape(declared.shape)}, but {received}", at=node.range,
                    file=in_sequence.file if in_sequence else model.file))
                node.refused = True
                return self._unknown_outputs(node, len(graph.outputs))
        batch = tensors[0].shape[0] if tensors[0].shape else None
        same_inputs = all(tuple(t.shape or ())[1:] == tuple(i.shape or ())[1:]
                          for t, i in zip(tensors, graph.inputs, strict=True))
        guessed = any(o.guessed for o in graph.outputs)
        if all(t.shape == i.shape for t, i in zip(tensors, graph.inputs, strict=True)):
            # The very tensors it was built on: its outputs as they are (an output need not
            # have a batch axis: CenterCrop of a rank-3 tensor crops one unbatched image).
            shapes: list[MaybeShape] = [o.shape for o in graph.outputs]
        elif same_inputs:
            shapes = [(batch, *o.shape[1:]) if o.shape is not None else None
                      for o in graph.outputs]
        else:
            replayed = Replay(self.build_sequential).graph(graph, [t.shape for t in tensors])
            if replayed.refusal is not None:
                self._refuse_replay(replayed.refusal, model, given, node, in_sequence)
                return self._unknown_outputs(node, len(graph.outputs))
            shapes = list(replayed.shapes)
            guessed = replayed.guessed
        outs = tuple(TensorValue(shape, node, index=i, guessed=guessed)
                     for i, shape in enumerate(shapes))
        node.outputs = outs
        return outs[0] if graph.single_output else list(outs)

    def _refuse_replay(self, refused: ReplayRefusal, model: ModelIR, given: Given, node: Node,
                       in_sequence: InSequence | None) -> None:
        """A functional model called on other shapes than its inputs' runs its graph again
        (`Replay`), and Keras refuses a layer in it: the finding at this call."""
        received = ("what reaches it" if in_sequence else
                    ", ".join(f"{given.describe(i)} {format_shape(t.shape)}"
                              for i, t in enumerate(given.positional)))
        layer = refused.layer
        self._refuse(refused.refusal.rule.finding(
            f"{node.label} runs its graph again on {received}, and Keras refuses a layer in "
            f"it: {refused.describe()}", at=node.range,
            related=(Related(layer.range, f"{layer.label} refuses {format_shape(refused.shape)}"
                             " when the model is called on this tensor", layer.file),),
            file=in_sequence.file if in_sequence else model.file))
        node.refused = True

    def _unknown_outputs(self, node: Node, count: int = 1
                         ) -> TensorValue | list[TensorValue]:
        node.outputs = tuple(TensorValue(None, node, index=i) for i in range(count))
        return node.outputs[0] if count == 1 else list(node.outputs)

    # -- keras.Model(...) --------------------------------------------------------------------

    def make_model(self, model: ModelIR, inputs: tuple[TensorValue, ...],
                   outputs: tuple[TensorValue, ...], at: Range) -> bool:
        """Attach the graph between `inputs` and `outputs` to `model`; False (and a finding)
        when Keras refuses: an output that depends on an Input not among `inputs`."""
        nodes: dict[int, Node] = {}
        pending = [t.node for t in outputs]
        missing: list[Node] = []
        given = {id(t.node) for t in inputs}
        while pending:
            current = pending.pop()
            key = id(current)
            if key in nodes:
                continue
            nodes[key] = current
            if key in given:
                continue
            if current.is_input:
                missing.append(current)
            for tensor in current.inputs:
                pending.append(tensor.node)
        if missing:
            first = missing[0]
            self._refuse(DISCONNECTED_GRAPH.finding(
                f"The outputs of this model depend on {first.label} (line {first.line}), "
                "which is not among its inputs: Keras refuses a graph not connected to its "
                "inputs", at=at,
                related=tuple(Related(n.range, f"{n.label} is not among the model's inputs",
                                      n.file) for n in missing), file=model.file))
            return False
        order = self._node_order()
        try:
            # By the order's own lookup: no Python key function called per node.
            ranked = sorted(nodes, key=order.__getitem__)
        except KeyError:  # a node not made in this graph: first, as if made first
            ranked = sorted(nodes, key=lambda key: order.get(key, 0))
        model.graph = GraphModel(inputs, outputs, nodes=[nodes[key] for key in ranked])
        return True

    def _node_order(self) -> dict[int, int]:
        if len(self.nodes) < self._ordered:  # not appended to: ordered anew
            self._order, self._ordered = {}, 0
        for place in range(self._ordered, len(self.nodes)):
            self._order[id(self.nodes[place])] = place
        self._ordered = len(self.nodes)
        return self._order

    def _refuse(self, finding: Finding) -> None:
        self.findings.append(finding)


@dataclass
class Given:
    """The tensors a call receives: positional ones (or the list given as the first
    argument) and keyword ones, with the source text naming each when it is a name."""

    positional: tuple[TensorValue, ...]
    as_list: bool = False
    keywords: dict[str, TensorValue] = field(default_factory=dict)
    names: tuple[str | None, ...] = ()
    # Call arguments that change what comes out (return_attention_scores=True).
    options: dict[str, Value] = field(default_factory=dict)
    # The call as written (`layers.Add()([x, y])`), for fixes that edit its arguments.
    call: ast.Call | None = None

    def tensors(self) -> tuple[TensorValue, ...]:
        if not self.keywords:
            return self.positional
        return (*self.positional, *self.keywords.values())

    def describe(self, index: int) -> str:
        """"x from Dense(64) (line 7)": the tensor, the call that made it and where."""
        tensor = self.tensors()[index]
        name = self.names[index] if index < len(self.names) else None
        made = f"{tensor.node.label} (line {tensor.node.line})"
        return f"{name} from {made}" if name else f"the output of {made}"

    def origins(self) -> str:
        """"x from Dense(64) (line 7), y from Conv2D(8, 3) (line 9)"."""
        return ", ".join(self.describe(i) for i in range(len(self.tensors())))

    def describe_all(self) -> str:
        return ", ".join(f"{self.describe(i)} {format_shape(t.shape)}"
                         for i, t in enumerate(self.tensors()))


def _any_guessed(tensors: tuple[TensorValue, ...]) -> bool:
    """Whether a tensor has dims only the engine does not know. A loop, not any() of a
    generator, whose frames cost at every layer call."""
    for tensor in tensors:  # noqa: SIM110
        if tensor.guessed:
            return True
    return False


def _only_an_input(model: ModelIR) -> bool:
    """A Sequential whose known layers are its Input alone (a model whose stack the engine
    cannot follow is not)."""
    return not model.opaque and bool(model.entries) and all(
        isinstance(entry.layer, LayerCall) and is_input_kind(entry.layer.kind)
        for entry in model.entries)


def _functional_input_fits(declared: Shape, received: Shape) -> bool:
    """A functional model called on a tensor (Keras 3.15): a trailing size-1 axis dropped
    from either side, then the axes both have compared, the batch axis aside; a rank of its
    own is accepted there (observed: (8, 3) takes (8, 3, 2) and (8,))."""
    return built_input_fits(declared, received)


def _operand_shape(value: Value) -> MaybeShape:
    """A tensor's shape; a number is a scalar, shape (); anything else is not known."""
    if isinstance(value, TensorValue):
        return value.shape
    if isinstance(value, Const) and isinstance(value.value, int | float) and not isinstance(
            value.value, bool):
        return ()
    raise NotModelled


def _argument_at(call: LayerCall, refusal: Refusal) -> Range:
    if refusal.argument is None:
        return call.range
    rule = RULES.get(call.kind or "")
    params = rule.params if rule else ()
    position = params.index(refusal.argument) if refusal.argument in params else None
    return call.argument_range(refusal.argument, position)


def _constant_str(value: object) -> str | None:
    if isinstance(value, Const) and isinstance(value.value, str):
        return value.value
    return None
