"""Inlay hints: `-> (None, 26, 26, 32)` after each layer, and after data assignments.

Layer shapes and data shapes can be switched off separately. A data assignment whose value
spells its shape out, `np.zeros((32, 10))` or `np.random.rand(32, 10)`, gets no hint: it would
only repeat the line.
"""

from __future__ import annotations

from lsprotocol import types

from server.convert import Lines
from shape_engine.facts import Facts
from shape_engine.findings import Position, Range
from shape_engine.shapes import MaybeShape, format_shape

# What may follow a layer before its hint: the list's comma and closing brackets.
_CLOSERS = ",)] \t"


def inlay_hints(facts: Facts, lines: Lines, wanted: Range, layer_shapes: bool = True,
                data_shapes: bool = True) -> list[types.InlayHint]:
    found: dict[Position, list[tuple[MaybeShape, str]]] = {}
    for layer in facts.layers if layer_shapes else ():
        if layer.output_shape is None or not _within(layer.entry.end, wanted):
            continue
        tooltip = layer.label if layer.params is None else (
            f"{layer.label}: {layer.params:,} parameter{'s' if layer.params != 1 else ''}")
        at = _after(layer.entry.end, lines) if layer.listed else layer.entry.end
        found.setdefault(at, []).append((layer.output_shape, tooltip))
    for data in facts.data:
        if data.shape is None or data.hint_at is None or not _within(data.hint_at, wanted):
            continue
        if data.made_by is None:  # an array: a data shape
            if not data_shapes or _spelled_out(
                    data.shape, _source(lines, data.at.start.line, data.hint_at.line)):
                continue
            kind = "data"
        else:  # a symbolic tensor: a layer call's output
            if not layer_shapes:
                continue
            kind = f"tensor from {data.made_by}"
        found.setdefault(data.hint_at, []).append((data.shape, f"{data.name}: {kind}"))
    hints = []
    for at, shapes in sorted(found.items()):
        distinct = list(dict.fromkeys(format_shape(shape) for shape, _ in shapes))
        tooltips = list(dict.fromkeys(tooltip for _, tooltip in shapes))
        hints.append(types.InlayHint(
            position=lines.to_client(at),
            label="-> " + " | ".join(distinct),
            kind=types.InlayHintKind.Type,
            padding_left=True,
            tooltip="\n".join(tooltips)))
    return hints


def _after(end: Position, lines: Lines) -> Position:
    """Past the comma and brackets that close the layer's line, before any comment."""
    line = lines.line(end.line)
    at = end.character
    while at < len(line) and line[at] in _CLOSERS:
        at += 1
    while at > end.character and line[at - 1] in " \t":
        at -= 1
    return Position(end.line, at)


def _source(lines: Lines, first: int, last: int) -> str:
    return "".join(lines.line(index) for index in range(first, last + 1))


def _spelled_out(shape: MaybeShape, source: str) -> bool:
    """Whether the assignment's text holds the shape as a tuple or as call arguments:
    `(32, 10)`, `(32,)` or `(32)` (from `np.zeros((32, 10))`, `rand(32, 10)`, `ones(32)`)."""
    if shape is None or any(not isinstance(dim, int) for dim in shape):
        return False
    compact = "".join(source.split())
    dims = ",".join(str(dim) for dim in shape)
    spellings = {f"({dims})", f"({dims},)"}
    return any(spelling in compact for spelling in spellings)


def _within(pos: Position, wanted: Range) -> bool:
    return wanted.start.line <= pos.line <= wanted.end.line
