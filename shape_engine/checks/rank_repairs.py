"""What a rank refusal (SL101) is fixed with, whichever way the model is written: the facts
and edits that a Sequential model's fixes (`build_fixes`) and a functional layer call's
(`call_fixes`) share. Each caller places the edits its own way (a list entry, a line, an
argument) and `verify.keep_working_fixes` keeps only those after which Keras builds.
"""

from __future__ import annotations

from collections.abc import Iterator

from shape_engine.context import Document
from shape_engine.findings import Edit, Fix, Range
from shape_engine.fixes import extend_tuple, fix, set_keyword, shape_literal
from shape_engine.ir import LayerCall
from shape_engine.layers import RULES
from shape_engine.layers.base import LayerArgs, Unknowable, facts_of, is_input_kind
from shape_engine.shapes import Shape

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
