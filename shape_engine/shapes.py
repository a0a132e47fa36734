"""Shapes as the engine sees them: a tuple of dims, batch first; None is an unknown dim.

A wholly unknown shape is `None` (type `MaybeShape`), and it silences everything downstream.
"""

from __future__ import annotations

import math

Dim = int | None
Shape = tuple[Dim, ...]
MaybeShape = Shape | None


def format_shape(shape: MaybeShape) -> str:
    if shape is None:
        return "(unknown)"
    if len(shape) == 1:
        return f"({_dim(shape[0])},)"
    return "(" + ", ".join(_dim(d) for d in shape) + ")"


def _dim(d: Dim) -> str:
    return "None" if d is None else str(d)


def product(dims: Shape) -> int | None:
    """Number of elements, or None when any dim is unknown."""
    if any(d is None for d in dims):
        return None
    return math.prod(d for d in dims if d is not None)


def dims_compatible(a: Dim, b: Dim) -> bool:
    return a is None or b is None or a == b
