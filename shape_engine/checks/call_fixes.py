"""Quick fixes for a layer call Keras refuses for its input in a functional graph: the ones a
Sequential model gets (`build_fixes`, sharing `refusal_repairs`), written the functional way.

A tensor of the wrong rank (SL101):
- add the axis a declared `keras.Input(shape=...)` lacks, or drop the batch dimension
  written into it, when that Input feeds only this call;
- `return_sequences=True` on the RNN whose last step reaches an RNN;
- remove the Flatten that made the tensor flat (inline, or its line just before);
- a Reshape holding exactly the tensor's elements, as a line `x = layers.Reshape(...)(x)`
  before `x = layer(x)` (the call rebinds `x` anyway, so no other use of `x` changes), else
  around the call's argument: `layer(layers.Reshape(...)(h))`.
A Reshape whose target does not hold what it receives (SL104): the Dense before it made to
output what the target holds, or a target that holds what it receives. A Flatten of axes of
unknown size before a layer that needs them known (SL102): a global pooling instead.

Only this call's input may change: an edit that would also change what another call, or a
model's outputs, receive is not proposed. `verify.keep_working_fixes` then keeps only the
fixes after which the file parses and Keras builds.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Iterator, Sequence

from shape_engine.checks.refusal_repairs import (
    declared_input_fixes,
    global_pooling_fix,
    input_shape_range,
    is_recurrent,
    refit_target_fix,
    reshape_mismatch,
    reshape_target,
    reshape_title,
    resize_dense_fix,
    return_sequences_fix,
)
from shape_engine.context import Document
from shape_engine.findings import Edit, Finding, Fix, Position, Range
from shape_engine.fixes import (
    Imports,
    TextMap,
    fix,
    fixes,
    insert,
    layer_call_text,
    newline,
    node_at,
    owns_lines,
    shape_literal,
    wrap,
)
from shape_engine.ir import LayerCall, ModelIR
from shape_engine.keras.calls import Given, Graph
from shape_engine.keras.tensors import Node, TensorValue
from shape_engine.layers.base import facts_of
from shape_engine.layers.refusals import (
    INCOMPATIBLE_RANK,
    RESHAPE_SIZE_MISMATCH,
    UNKNOWN_REQUIRED_DIM,
)


class Uses:
    """How the graph uses its tensors and layers: the calls that consume each tensor, the
    tensors that are some model's outputs, and how often each call site was evaluated."""

    def __init__(self, graph: Graph, models: Sequence[ModelIR]) -> None:
        self.consumers: Counter[int] = Counter()
        self.calls_at: Counter[Range] = Counter()  # call site -> its evaluations
        self.layer_calls: Counter[Range] = Counter()  # layer constructor -> its objects' calls
        for node in graph.nodes:
            self.calls_at[node.range] += 1
            if isinstance(node.layer, LayerCall):
                self.layer_calls[node.layer.range] += 1
            for tensor in {id(t): t for t in node.inputs}.values():
                self.consumers[id(tensor)] += 1
        self.outputs = {id(t) for m in models if m.graph is not None for t in m.graph.outputs}

    def only_feeds(self, tensor: TensorValue) -> bool:
        """Nothing but one call receives `tensor` (and no model gives it out)."""
        return self.consumers[id(tensor)] == 1 and id(tensor) not in self.outputs

    def made_once(self, node: Node) -> bool:
        """The call that made `node` ran once, and its layer object is called once."""
        layer = node.layer
        return self.calls_at[node.range] == 1 and (
            not isinstance(layer, LayerCall) or self.layer_calls[layer.range] == 1)


def refusal_fixes(finding: Finding, node: Node, given: Given, uses: Uses, document: Document
                  ) -> tuple[Fix, ...]:
    """The fixes of Keras' refusal of the input of the layer call `node`; () when none is
    clear."""
    layer = node.layer
    if finding.file is not None or node.file is not None or node.within is not None or (
            given.as_list or len(given.positional) != 1 or given.keywords
            or not isinstance(layer, LayerCall) or layer.kind is None):
        return ()
    tensor = given.positional[0]
    # The call in the document's own tree, whose statements the edits are placed among.
    call = _call_at(document, node.range)
    if tensor.shape is None or call is None:
        return ()
    context = _Call(node, layer, call, tensor, uses, document)
    if finding.code == INCOMPATIBLE_RANK.code:
        return fixes(*context.rank_fixes())
    if finding.code == RESHAPE_SIZE_MISMATCH.code:
        return fixes(*context.reshape_fixes())
    if finding.code == UNKNOWN_REQUIRED_DIM.code:
        return fixes(context.global_pooling())
    return ()


class _Call:
    """One refused layer call: the tensor it was given, and the call as written."""

    def __init__(self, node: Node, layer: LayerCall, call: ast.Call, tensor: TensorValue,
                 uses: Uses, document: Document) -> None:
        self.node = node
        self.layer = layer
        self.call = call
        self.tensor = tensor
        self.shape = tensor.shape or ()
        self.uses = uses
        self.document = document
        self.kind = layer.kind or ""

    # -- SL101 ---------------------------------------------------------------------------------

    def rank_fixes(self) -> Iterator[Fix | None]:
        need = facts_of(self.kind).rank
        rank = len(self.shape)
        if need is None or rank == need:
            return
        yield from self._input_fixes(need)
        if rank == 2 and need == 3 and is_recurrent(self.kind):
            yield self._return_sequences()
        if rank == 2:
            yield self._remove_flatten()
            yield self._insert_reshape(need)

    # -- the Input -------------------------------------------------------------------------

    def _input_fixes(self, need: int) -> Iterator[Fix | None]:
        made = self.tensor.node
        call = made.input_call
        if not made.is_input or call is None or not self.uses.only_feeds(self.tensor) or (
                self.uses.calls_at[made.range] != 1):
            return
        where = input_shape_range(call)
        if where is not None:
            yield from declared_input_fixes(self.document, where, self.shape, need, self.kind)

    # -- return_sequences=True ----------------------------------------------------------------

    def _return_sequences(self) -> Fix | None:
        """On the RNN that made the tensor, through layers that keep the rank (Dropout),
        when nothing else receives what they make."""
        tensor = self.tensor
        while True:
            made = tensor.node
            layer = made.layer
            if not isinstance(layer, LayerCall) or made.file is not None or len(
                    made.outputs) != 1 or len(made.inputs) != 1 or made.is_op or not (
                    self.uses.only_feeds(tensor) and self.uses.made_once(made)):
                return None
            if not facts_of(layer.kind).keeps_rank:
                return return_sequences_fix(self.document, layer)
            tensor = made.inputs[0]

    # -- remove the Flatten -------------------------------------------------------------------

    def _remove_flatten(self) -> Fix | None:
        made = self.tensor.node
        flatten = made.layer
        if not isinstance(flatten, LayerCall) or flatten.kind != "Flatten" or (
                made.file is not None or len(made.inputs) != 1
                or not self.uses.only_feeds(self.tensor) or not self.uses.made_once(made)):
            return None
        title = (f"Remove {flatten.label}: {self.layer.label} needs the axes it flattens")
        argument = self._argument()
        if argument is None:
            return None
        mapping = TextMap(self.document.text)
        flatten_call = _call_at(self.document, made.range)
        if flatten_call is None or len(flatten_call.args) != 1 or flatten_call.keywords:
            return None
        source = flatten_call.args[0]
        if self._range(argument) == made.range:
            # layer(layers.Flatten()(h)) -> layer(h)
            return fix(title, [Edit(made.range, mapping.slice(self._range(source)))],
                       safe=False)
        # x = layers.Flatten()(x) just before x = layer(x): that line goes.
        name = self._rebinding()
        previous = self._previous_statement()
        if name is None or previous is None or not _assigns(previous, name) or not (
                isinstance(source, ast.Name) and source.id == name) or (
                self._range(previous.value) != made.range):
            return None
        where = self._range(previous)
        if not owns_lines(self.document, where):
            return None
        return fix(title, [Edit(Range(Position(where.start.line, 0),
                                      Position(where.end.line + 1, 0)), "")], safe=False)

    # -- insert a Reshape ---------------------------------------------------------------------

    def _insert_reshape(self, need: int) -> Fix | None:
        target = reshape_target(self.shape, need)
        argument = self._argument()
        if target is None or argument is None:
            return None
        imports = Imports(self.document, self.node.range.start)
        text, import_edits = layer_call_text(imports, "Reshape", shape_literal(target))
        title = reshape_title(target, self.layer.label, self.shape[1] or 0)
        name = self._rebinding()
        if name is not None:
            statement = self.document.scopes.statement(self.call)
            where = self._range(statement)
            if owns_lines(self.document, where):
                indent = self.document.index.lines[where.start.line][:where.start.character]
                line = f"{indent}{name} = {text}({name}){newline(self.document)}"
                return fix(title, [*import_edits, insert(Position(where.start.line, 0), line)],
                           safe=False)
        return fix(title, [*import_edits, *wrap(self._range(argument), f"{text}(", ")")],
                   safe=False)

    # -- SL104 ---------------------------------------------------------------------------------

    def reshape_fixes(self) -> Iterator[Fix | None]:
        mismatch = reshape_mismatch(self.layer, self.shape)
        if mismatch is None:
            return
        made = self.tensor.node
        if isinstance(made.layer, LayerCall) and len(self.shape) == 2 and (
                self.uses.only_feeds(self.tensor) and self.uses.made_once(made)):
            yield resize_dense_fix(self.document, made.layer, mismatch.wanted)
        if self.uses.made_once(self.node):
            yield refit_target_fix(mismatch)

    # -- SL102 ---------------------------------------------------------------------------------

    def global_pooling(self) -> Fix | None:
        """The Flatten that made the tensor, of axes of unknown size, replaced by a global
        pooling."""
        made = self.tensor.node
        flatten = made.layer
        if not isinstance(flatten, LayerCall) or len(made.inputs) != 1 or (
                made.inputs[0].shape is None or not self.uses.only_feeds(self.tensor)
                or not self.uses.made_once(made)):
            return None
        imports = Imports(self.document, flatten.range.start)
        return global_pooling_fix(imports, flatten, flatten.label, len(made.inputs[0].shape))

    # -- where the call is written ------------------------------------------------------------

    def _argument(self) -> ast.expr | None:
        """The tensor argument as written: the call's one positional argument."""
        args = self.call.args
        if len(args) != 1 or isinstance(args[0], ast.Starred):
            return None
        return args[0]

    def _rebinding(self) -> str | None:
        """`x` when the call is written `x = layer(x)`: a statement of its own that rebinds
        the very name it reads (no other use of `x` sees the tensor it is given)."""
        argument = self._argument()
        statement = self.document.scopes.statement(self.call)
        if not isinstance(argument, ast.Name) or not isinstance(statement, ast.Assign) or (
                statement.value is not self.call) or not _assigns(statement, argument.id):
            return None
        return argument.id

    def _previous_statement(self) -> ast.Assign | None:
        scopes = self.document.scopes
        statement = scopes.statement(self.call)
        block = scopes.block_of(statement)
        if block is None:
            return None
        place = scopes.index(statement)
        previous = block[place - 1] if place > 0 else None
        return previous if isinstance(previous, ast.Assign) else None

    def _range(self, node: ast.AST) -> Range:
        return self.document.index.range_of(node)


def _assigns(statement: ast.Assign, name: str) -> bool:
    """`name = ...`, one target, a plain name."""
    return len(statement.targets) == 1 and isinstance(statement.targets[0], ast.Name) and (
        statement.targets[0].id == name)


def _call_at(document: Document, where: Range) -> ast.Call | None:
    found = node_at(document, where)
    return found if isinstance(found, ast.Call) else None
