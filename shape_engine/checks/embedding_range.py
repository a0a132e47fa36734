"""SL323: the data holds indices an Embedding has no row for.

`Embedding(input_dim, ...)` has rows 0 .. input_dim - 1. Data with a larger index (a
vocabulary of 1,000 words into `Embedding(500, ...)`) fails during fit on CPU with
"indices[...] = 721 is not in [0, 500)"; on a GPU the lookup gives zero vectors silently.
Reported only when the data surely holds such an index (its bounds are reached, or so many
values are drawn over them that missing every one is improbable).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from shape_engine.checks.losses import surely_outside
from shape_engine.checks.multi_io import fed_inputs, is_functional
from shape_engine.checks.training import feeds
from shape_engine.context import Document
from shape_engine.findings import Finding, Related, Severity
from shape_engine.ir import LayerCall
from shape_engine.keras.tensors import Node
from shape_engine.layers.base import is_input_kind
from shape_engine.rule import Rule
from shape_engine.values import ArrayValue, Const, Value

if TYPE_CHECKING:
    from shape_engine.interpret import ModelReport

EMBEDDING_INDEX_OUT_OF_RANGE = Rule(
    "SL323", "embedding-index-out-of-range", Severity.ERROR,
    "The data holds indices at or above the Embedding's input_dim.",
    "An Embedding(input_dim, output_dim) has one row per index 0 .. input_dim - 1. An index "
    "at or above input_dim (a vocabulary of num_words=10000 into Embedding(5000, ...), "
    "integer data drawn up to 999 into Embedding(500, ...)) makes fit fail on CPU with "
    "'indices[...] is not in [0, input_dim)'; on a GPU the lookup returns zero vectors "
    "without an error. input_dim must be the vocabulary size: the largest index plus one.",
)


def _whole(value: Value | None) -> int | None:
    if isinstance(value, Const) and isinstance(value.value, int) and not isinstance(
            value.value, bool):
        return value.value
    return None


def _first_embedding(report: ModelReport) -> tuple[LayerCall, int] | None:
    for layer in report.layers:
        call = layer.entry.layer
        if not isinstance(call, LayerCall) or call.has_unpacking:
            return None
        if is_input_kind(call.kind):
            continue
        if call.kind != "Embedding":
            return None
        rows = _whole(call.kwargs.get("input_dim", call.args[0] if call.args else None))
        return (call, rows) if rows is not None and rows > 0 else None
    return None


def check_embedding_range(report: ModelReport, document: Document) -> Iterator[Finding]:
    if report.model.opaque or report.refused or report.model.file is not None:
        return
    found = _first_embedding(report)
    if found is None:
        return
    embedding, rows = found
    for call in report.model.trainings:
        for feed in feeds(call, document):
            data = feed.x
            if (data is None or data.value.bounds is None
                    or data.value.dtype not in ("int", None)
                    or not surely_outside(data.value, rows)):
                continue
            low, high = data.value.bounds
            yield EMBEDDING_INDEX_OUT_OF_RANGE.finding(
                f"{feed.method}: the data holds indices in [{int(low)}, {int(high)}] but "
                f"{embedding.label} has rows for 0 .. {rows - 1} only: fit fails on CPU "
                "('indices ... is not in [0, " + f"{rows})'), a GPU looks up zero vectors. "
                f"Use input_dim={int(high) + 1}",
                at=data.where, related=(Related(embedding.range,
                                                f"{embedding.label}: {rows} rows"),))


def check_graph_embedding_range(report: ModelReport, document: Document) -> Iterator[Finding]:
    """SL323 for a functional model that is not a plain chain: each input's data against the
    Embedding layers that Input feeds (a user id and an item id into their own tables)."""
    model = report.model
    graph = model.graph
    if graph is None or not is_functional(model) or model.file is not None or report.refused:
        return
    fed = _embeddings_by_input(graph.nodes)
    tables = {id(t): fed.get(id(t), []) for t in graph.inputs}
    if not any(tables.values()):
        return
    for method, port, part in fed_inputs(report, document):
        data = part.value
        if (not isinstance(data, ArrayValue) or data.bounds is None
                or data.dtype not in ("int", None)):
            continue
        for embedding, rows in tables.get(id(port.tensor), []):
            if not surely_outside(data, rows):
                continue
            low, high = data.bounds
            yield EMBEDDING_INDEX_OUT_OF_RANGE.finding(
                f"{method}: {port.data} holds indices in [{int(low)}, {int(high)}] but "
                f"{embedding.label} has rows for 0 .. {rows - 1} only: fit fails on CPU "
                "('indices ... is not in [0, " + f"{rows})'), a GPU looks up zero vectors. "
                f"Use input_dim={int(high) + 1}",
                at=part.where, related=(Related(embedding.range,
                                                f"{embedding.label}: {rows} rows"),))
            break


def _embeddings_by_input(nodes: list[Node]) -> dict[int, list[tuple[LayerCall, int]]]:
    """The Embedding layers called on one tensor, with their number of rows, by that
    tensor's id (one walk of the graph, whatever its number of inputs)."""
    found: dict[int, list[tuple[LayerCall, int]]] = {}
    for node in nodes:
        layer = node.layer
        if (isinstance(layer, LayerCall) and layer.kind == "Embedding" and not node.is_op
                and len(node.inputs) == 1 and not layer.has_unpacking):
            rows = _whole(layer.kwargs.get("input_dim", layer.args[0] if layer.args else None))
            if rows is not None and rows > 0:
                found.setdefault(id(node.inputs[0]), []).append((layer, rows))
    return found
