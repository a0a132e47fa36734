"""What checks and fixes may know about the document besides the model: its text and syntax."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from shape_engine.source import LineIndex


@dataclass(frozen=True)
class Document:
    text: str
    index: LineIndex
    tree: ast.Module
    path: str | None = None
