"""What Keras' build refusals are fixed with, whichever way the model is written: the facts
and edits that a Sequential model's fixes (`build_fixes`) and a functional layer call's
(`call_fixes`) share, for a tensor of the wrong rank (SL101), a Reshape whose target does not
hold what it receives (SL104) and a Flatten of axes of unknown size (SL102). Each caller
finds the layers concerned its own way (the model's list, the graph's nodes), places new
layers its own way (a list entry, a line, an argument), and `verify.keep_working_fixes` keeps
only the fixes after which Keras builds.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from shape_engine.context import Document
from shape_engine.findings import Edit, Fix, Range
from shape_engine.fixes import (
    Imports,
    extend_tuple,
    fix,
    layer_call_text,
    set_keyword,
    shape_literal,
    units_edit,
)
from shape_engine.ir import LayerCall
from shape_engine.layers import RULES
from shape_engine.layers.base import LayerArgs, Unknowable, facts_of, is_input_kind
from shape_engine.shapes import Shape, product

# Larger element counts are not factored (the search would be slow, the Reshape absurd).
MAX_FACTORED = 10**7


def is_recurrent(kind: str | None) -> bool:
    """An RNN layer, or one wrapped in Bidirectional: it takes (batch, steps, features)."""
    return facts_of(kind).rnn or kind == "Bidirectional"


def added_axis(kind: str) -> str:
    """What an axis of 1 added to the input of a layer needing a rank makes: channels for a
    spatial layer (convolution, pooling, ...), features for a recurrent one."""
    return "features" if is_recurrent(kind) else "channel"


def balanced_factors(n: int, count: int) -> tuple[int, ...] | None:
    """`count` factors of n, as close to each other as possible: 128, 2 -> (8, 16)."""
    if n <= 0 or count <= 0 or n > MAX_FACTORED:
        return None
    if count == 1:
        return (n,)
    root = round(n ** (1 / count))
    for first in range(min(root, n), 0, -1):
        if n % first == 0:
            rest = balanced_factors(n // first, count - 1)
            if rest is not None:
                return (first, *rest)
    return None


def reshape_target(shape: Shape, need: int) -> tuple[int, ...] | None:
    """The Reshape target that turns a flat (batch, n) tensor into the rank a layer needs,
    holding exactly its n elements: balanced spatial axes and one channel, (batch, 64) for a
    Conv2D -> (8, 8, 1)."""
    elements = shape[1] if len(shape) == 2 else None
    if elements is None or need < 3:
        return None
    target = balanced_factors(elements, need - 2)
    return None if target is None else (*target, 1)


def reshape_title(target: tuple[int, ...], label: str, elements: int) -> str:
    return f"Insert Reshape({shape_literal(target)}) before {label}: {elements} elements"


def input_shape_range(call: LayerCall) -> Range | None:
    """Where `keras.Input(shape=...)` (or `InputLayer(...)`) writes its shape."""
    if call.file is not None or not is_input_kind(call.kind):
        return None
    if "shape" in call.kwarg_value_ranges:
        return call.kwarg_value_ranges["shape"]
    return call.arg_ranges[0] if call.arg_ranges and not call.has_unpacking else None


def declared_input_fixes(document: Document, where: Range, shape: Shape, need: int,
                         kind: str) -> Iterator[Fix | None]:
    """The input declared at `where` (its shape, batch aside, gives `shape`) edited to the
    rank the layer `kind` needs: an axis of 1 added, or a batch dimension written into it
    dropped."""
    rank = len(shape)
    if rank == need - 1:
        axis = added_axis(kind)
        new = shape_literal((*shape[1:], 1))
        edit = extend_tuple(document, where, "1")
        yield fix(f"Add a {axis} axis to the input: {new}", [edit] if edit else None,
                  safe=axis == "channel")
    elif rank == need + 1:
        new = shape_literal(shape[2:])
        yield fix(f"Drop the batch dimension from the input shape: {new}",
                  [Edit(where, new)])


def returning_rnn(call: LayerCall) -> LayerCall | None:
    """The RNN layer of `call` (itself, or the one Bidirectional wraps) when it returns only
    its last step, as written (return_sequences not set, or False)."""
    rnn = call
    if call.kind == "Bidirectional":
        try:
            inner = LayerArgs(call, RULES["Bidirectional"].params).layer("layer")
        except Unknowable:
            return None
        if not isinstance(inner, LayerCall):
            return None
        rnn = inner
    if not facts_of(rnn.kind).rnn:
        return None
    try:
        if LayerArgs(rnn, RULES[rnn.kind or ""].params).flag("return_sequences", False):
            return None
    except Unknowable:
        return None
    return rnn


def return_sequences_fix(document: Document, call: LayerCall) -> Fix | None:
    """`return_sequences=True` on the RNN of `call`, so that an RNN after it gets steps."""
    rnn = returning_rnn(call)
    if rnn is None:
        return None
    edits = set_keyword(document, rnn, "return_sequences", "True")
    return fix(f"Set return_sequences=True on {rnn.label}", edits)


# -- SL104: a Reshape's target -------------------------------------------------------------------


@dataclass(frozen=True)
class ReshapeMismatch:
    """A Reshape given `elements` values per sample for a `target` (-1 for one axis) that
    does not hold them."""

    call: LayerCall
    elements: int
    target: tuple[int, ...]

    @property
    def wanted(self) -> int | None:
        """The elements the target holds; None when it has a -1 (it holds any multiple)."""
        return None if -1 in self.target else product(self.target)


def reshape_mismatch(call: LayerCall, shape: Shape) -> ReshapeMismatch | None:
    """The Reshape `call` refusing an input of `shape`, when both are fully known."""
    if call.kind != "Reshape":
        return None
    elements = product(shape[1:])
    try:
        target = LayerArgs(call, RULES["Reshape"].params).shape_tuple("target_shape")
    except Unknowable:
        return None
    dims = tuple(d for d in target if d is not None)
    if elements is None or len(dims) != len(target):
        return None
    return ReshapeMismatch(call, elements, dims)


def refit_target_fix(mismatch: ReshapeMismatch) -> Fix | None:
    """A target of the Reshape's rank that holds what it receives."""
    new = fitting_target(mismatch.target, mismatch.elements)
    if new is None:
        return None
    where = mismatch.call.argument_range("target_shape", 0)
    return fix(f"Reshape to {shape_literal(new)}: {mismatch.elements} elements",
               [Edit(where, shape_literal(new))], safe=False)


def resize_dense_fix(document: Document, dense: LayerCall, units: int | None) -> Fix | None:
    """The Dense layer feeding a Reshape made to output what the Reshape's target holds."""
    if units is None or dense.kind != "Dense":
        return None
    edit = units_edit(document, dense, units)
    if edit is None:
        return None
    return fix(f"Make {dense.label} output {units} units for the Reshape", [edit], safe=False)


def fitting_target(target: tuple[int | None, ...], elements: int) -> tuple[int, ...] | None:
    """A target of the same rank holding `elements`, keeping as many trailing dims as divide.

    (28, 28, 1) for 128 elements -> (8, 16, 1): 128 is not a multiple of 28, but of 1.
    """
    dims = [d for d in target if d is not None]
    if len(dims) != len(target) or any(d <= 0 and d != -1 for d in dims):
        return None
    for kept in range(len(dims) - 1, -1, -1):
        suffix = dims[len(dims) - kept:] if kept else []
        if -1 in suffix:
            continue
        size = math.prod(suffix)
        if size <= 0 or elements % size:
            continue
        head = balanced_factors(elements // size, len(dims) - kept)
        if head is not None:
            return (*head, *suffix)
    return None


# -- SL102: a Flatten of axes of unknown size ------------------------------------------------


def global_pooling_fix(imports: Imports, flatten: LayerCall, label: str, input_rank: int
                       ) -> Fix | None:
    """The Flatten `flatten` (its constructor call, given a tensor of `input_rank`) replaced
    by the global pooling of its rank, which takes axes of any size."""
    spatial = input_rank - 2
    if flatten.kind != "Flatten" or flatten.file is not None or spatial not in (1, 2, 3):
        return None
    text, edits = layer_call_text(imports, f"GlobalAveragePooling{spatial}D")
    return fix(f"Replace {label} with GlobalAveragePooling{spatial}D(): it works with axes "
               "of unknown size", [*edits, Edit(flatten.range, text)], safe=False)
