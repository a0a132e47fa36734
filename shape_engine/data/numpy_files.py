"""numpy's file readers given a literal path: `np.load` of a `.npy` file (its exact shape and
dtype) or a `.npz` archive (its arrays by name), `np.loadtxt`/`np.genfromtxt` of a text file
(its columns; the rows are unknown)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from shape_engine.data.files import (
    DataFolder,
    StoredArray,
    read_lines,
    read_npy,
    read_npz,
    split_row,
)
from shape_engine.data.objects import CHANGEABLE_IN_PLACE, DataObject, Evaluate, guarded
from shape_engine.findings import Range
from shape_engine.shapes import Dim
from shape_engine.values import UNKNOWN, ArrayValue, Const, NotConstant, Seq, Value, to_python

# Lines looked at to count a text file's columns (and to see that it has several rows).
_SAMPLE_LINES = 8


def _const(value: Value | None, default: object = None) -> object:
    if value is None:
        return default
    try:
        return to_python(value)
    except NotConstant:
        return UNKNOWN


def _array(stored: StoredArray, at: Range) -> ArrayValue:
    return ArrayValue(tuple(stored.shape), stored.dtype, at)


@dataclass(frozen=True, eq=False)
class ArchiveValue(DataObject):
    """What `np.load` gives for a `.npz` file: its arrays by name."""

    arrays: tuple[tuple[str, StoredArray], ...]
    origin: Range | None = None
    # `with np.load(path) as data:` binds the archive itself.
    context_is_self = True

    @guarded(UNKNOWN)
    def attribute(self, attr: str) -> Value:
        if attr == "files":
            return Seq(tuple(Const(name) for name, _ in self.arrays), "list")
        return super().attribute(attr)

    @guarded(UNKNOWN)
    def item(self, index: ast.expr, evaluate: Evaluate, at: Range) -> Value:
        key = evaluate(index)
        if isinstance(key, Const):
            for name, stored in self.arrays:
                if name == key.value:
                    return _array(stored, at)
        return UNKNOWN

    @guarded((UNKNOWN, UNKNOWN))
    def call_method(self, name: str, args: list[Value], kwargs: dict[str, Value],
                    at: Range) -> tuple[Value, Value | None]:
        if name == "get" and args:
            key = _const(args[0])
            for stored_name, stored in self.arrays:
                if stored_name == key:
                    return _array(stored, at), None
        return UNKNOWN, None


def _path(args: list[Value], kwargs: dict[str, Value], key: str, folder: DataFolder | None
          ) -> Path | None:
    written = _const(args[0] if args else kwargs.get(key))
    if folder is None or not isinstance(written, str):
        return None
    return folder.locate(written)


def load(args: list[Value], kwargs: dict[str, Value], at: Range,
         folder: DataFolder | None) -> Value:
    """`np.load(path)`: the array of a `.npy` file, the archive of a `.npz` one."""
    located = _path(args, kwargs, "file", folder)
    if located is None:
        return UNKNOWN
    if located.suffix == ".npz":
        arrays = read_npz(located)
        return ArchiveValue(tuple(arrays.items()), at) if arrays is not None else UNKNOWN
    stored = read_npy(located)
    return _array(stored, at) if stored is not None else UNKNOWN


def load_text(args: list[Value], kwargs: dict[str, Value], at: Range,
              folder: DataFolder | None, skip_key: str) -> Value:
    """`np.loadtxt` / `np.genfromtxt`: (rows, columns), squeezed as numpy does (one column or
    one row gives 1-D data): the shape is known only when the file has several rows."""
    if any(k in kwargs for k in ("unpack", "names", "converters", "max_rows", "ndmin",
                                 "usecols", "dtype", "comments", "skip_footer")):
        return UNKNOWN
    delimiter = _const(kwargs.get("delimiter"), None)
    skip = _const(kwargs.get(skip_key), 0)
    located = _path(args, kwargs, "fname", folder)
    if located is None or not isinstance(skip, int) or (
            delimiter is not None and not isinstance(delimiter, str)):
        return UNKNOWN
    lines = read_lines(located, skip, _SAMPLE_LINES)
    if lines is None:
        return UNKNOWN
    rows = [split_row(line, delimiter) for line in lines
            if line.strip() and not line.lstrip().startswith("#")]
    widths = {len(row) for row in rows if row is not None}
    if len(rows) < 2 or None in rows or len(widths) != 1:
        return UNKNOWN
    if skip_key == "skiprows" and not all(_numeric(f) for row in rows for f in row or ()):
        return UNKNOWN  # loadtxt raises on a field that is not a number
    width = widths.pop()
    shape: tuple[Dim, ...] = (None,) if width == 1 else (None, width)
    return ArrayValue(shape, "float", at)


def _numeric(field: str) -> bool:
    try:
        float(field)
    except ValueError:
        return False
    return True


CHANGEABLE_IN_PLACE.update({ArchiveValue})
