"""What checks and fixes may know about the document besides the model: its text and syntax."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cached_property

from shape_engine.bindings import Scopes
from shape_engine.source import LineIndex


@dataclass(frozen=True)
class Document:
    """The text being analysed, parsed once, with its line index."""

    text: str
    index: LineIndex
    tree: ast.Module
    path: str | None = None

    @cached_property
    def scopes(self) -> Scopes:
        """Parents, blocks and binding sites of the tree, made on first use, kept with the
        document (and gone with it)."""
        return Scopes(self.tree)
