"""`fixes.node_at`: the outermost expression written exactly at a range, found by a walk of
only the statements and nodes whose lines hold it (its own child listing and line filter
are shortcuts that must give what a walk of the whole tree gives)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from shape_engine.context import Document
from shape_engine.findings import Position, Range
from shape_engine.fixes import _child_nodes, node_at, sequence_at
from shape_engine.source import LineIndex

SOURCE = '''
import keras
from keras import layers

def block(x, filters=64, *rest, **options):
    """A block."""
    y = layers.Conv2D(filters, 3, padding="same", **options)(x)
    y = layers.add([x, y]); z = [y, (y), {"a": y, **options}]
    if filters > 1:
        return keras.ops.relu(y[:, 0]) if rest else lambda t: t.shape[-1]
    return [t async for t in y] or {k: v for k, v in options.items()} or f"{filters!r:>4}"

model = keras.Model(
    inputs=keras.Input((8, 8, 3)),
    outputs=block(keras.Input((8, 8, 3)), filters=8),
)
model.compile(loss=["mse",
                    "mae"], metrics={"out": ["mae"]})
x_train = y_train = None; model.fit(x_train, (y_train), epochs=2 * 3)
'''


def _document(text: str) -> Document:
    return Document(text, LineIndex(text), ast.parse(text), None)


def test_child_nodes_are_ast_child_nodes_without_contexts() -> None:
    sources = [SOURCE, *(p.read_text(encoding="utf-8") for p in
                         sorted(Path(__file__).parents[1].joinpath("shape_engine").glob("*.py")))]
    for text in sources:
        for node in ast.walk(ast.parse(text)):
            expected = [c for c in ast.iter_child_nodes(node)
                        if not isinstance(c, ast.expr_context)]
            got = _child_nodes(node)
            assert len(got) == len(expected)
            assert all(a is b for a, b in zip(got, expected, strict=True))


# Non-ASCII lines, where ast's columns (UTF-8 bytes) are not the ranges' characters: the
# walk leaves out nodes beside the range by their columns only on ASCII lines.
NON_ASCII = (SOURCE.replace('"same"', '"sämé"').replace('{"a": y', '{"ä€": y')
             .replace('"mae"], metrics', '"mäe"], metrics')
             + 'z = ["€", ("é", 1), {"ü": [2, "ö"]}]; model.fit(["€"], {"ü": z}, x="é")\n')


@pytest.mark.parametrize("text", [SOURCE, NON_ASCII], ids=["ascii", "non-ascii"])
def test_every_expression_is_found_at_its_range_as_a_whole_walk_finds_it(text: str) -> None:
    document = _document(text)
    index = document.index
    # A whole-tree breadth-first walk: the first expression at a range is the outermost.
    outermost: dict[Range, ast.expr] = {}
    for node in ast.walk(document.tree):
        if isinstance(node, ast.expr):
            outermost.setdefault(index.range_of(node), node)
    assert len(outermost) > 100
    for where, node in outermost.items():
        assert node_at(document, where) is node, where
        assert node_at(document, where) is node  # asked again: the same answer


def test_a_range_no_expression_has_finds_none() -> None:
    document = _document(SOURCE)
    call = next(n for n in ast.walk(document.tree) if isinstance(n, ast.Call))
    where = document.index.range_of(call)
    wider = Range(where.start, Position(where.end.line, where.end.character + 1))
    assert node_at(document, wider) is None


def _written_as_values(tree: ast.AST) -> list[ast.expr]:
    """The expressions written as an argument, a keyword's value, an element or a dict's
    value: where the checks ask for lists and tuples (a bare tuple is never one of them)."""
    found: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            found += [*node.args, *(k.value for k in node.keywords)]
        elif isinstance(node, ast.List | ast.Tuple | ast.Set):
            found += node.elts
        elif isinstance(node, ast.Dict):
            found += node.values
    return found


@pytest.mark.parametrize("text", [SOURCE, NON_ASCII], ids=["ascii", "non-ascii"])
def test_sequence_at_gives_the_list_or_tuple_node_at_finds(text: str) -> None:
    document = _document(text)
    found = 0
    for written in _written_as_values(document.tree):
        where = document.index.range_of(written)
        node = node_at(document, where)
        expected = node if isinstance(node, ast.List | ast.Tuple) else None
        assert sequence_at(document, where) is expected, where
        found += expected is not None
    assert found >= 5  # lists and tuples written in calls, as elements and as values
