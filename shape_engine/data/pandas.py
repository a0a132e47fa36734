"""pandas, statically: a DataFrame's rows and columns, a Series' length, as far as known.

`pd.read_csv` of a file named by a literal path has the columns of its header row (`files`),
unknown rows; what selects or drops columns by name or position follows them; `values` and
`to_numpy()` give 2-D data. Anything not modelled is unknown; a frame is always 2-D, so its
values keep their rank even when no column is known.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

from shape_engine.data.files import DataFolder, read_lines, split_row
from shape_engine.data.objects import CHANGEABLE_IN_PLACE, DataObject, Evaluate, guarded
from shape_engine.data.pandas_names import FRAME_ATTRIBUTES
from shape_engine.findings import Range
from shape_engine.shapes import Dim
from shape_engine.values import (
    UNKNOWN,
    ArrayValue,
    BoundMethod,
    Const,
    NotConstant,
    Seq,
    Value,
    to_python,
)

DType = Literal["int", "float", "bool", "str"]
Label = str | int
# Methods that give the same frame or series back, with the same rows and columns.
_SAME = frozenset({"copy", "astype", "fillna", "sort_values", "sort_index", "round", "abs",
                   "ffill", "bfill", "interpolate", "clip", "replace", "infer_objects"})
# Methods that keep the columns and may drop rows.
_FEWER_ROWS = frozenset({"dropna", "drop_duplicates", "head", "tail", "sample", "query",
                         "nlargest", "nsmallest"})
_SERIES_SAME = _SAME | frozenset({"map", "apply", "cumsum", "diff", "shift", "pct_change",
                                  "rank", "where", "mask"})


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _const(value: Value | None) -> object:
    if value is None:
        return None
    try:
        return to_python(value)
    except NotConstant:
        return UNKNOWN


def _is_mask(index: ast.expr) -> bool:
    """`df[df["a"] > 2]`, `df[(m) & (n)]`, `df[~m]`: a comparison is a boolean filter."""
    if isinstance(index, ast.UnaryOp) and isinstance(index.op, ast.Invert):
        return _is_mask(index.operand)
    if isinstance(index, ast.BinOp) and isinstance(index.op, ast.BitAnd | ast.BitOr):
        return _is_mask(index.left) or _is_mask(index.right)
    return isinstance(index, ast.Compare)


@dataclass(frozen=True, eq=False)
class SeriesValue(DataObject):
    """A pandas Series: `rows` values."""

    rows: Dim
    dtype: DType | None = None
    origin: Range | None = None

    def as_array(self) -> ArrayValue:
        return ArrayValue((self.rows,), self.dtype, self.origin)

    @guarded(UNKNOWN)
    def attribute(self, attr: str) -> Value:
        if attr == "values":
            return self.as_array()
        if attr == "shape":
            return Seq((Const(self.rows) if self.rows is not None else UNKNOWN,))
        if attr == "ndim":
            return Const(1)
        return BoundMethod(self, attr)

    @guarded((UNKNOWN, UNKNOWN))
    def call_method(self, name: str, args: list[Value], kwargs: dict[str, Value],
                    at: Range) -> tuple[Value, Value | None]:
        if _const(kwargs.get("inplace")) is not None and _const(kwargs.get("inplace")):
            return Const(None), UNKNOWN
        if name == "to_numpy":
            return self.as_array(), None
        if name in _SERIES_SAME:
            dtype = self.dtype if name in ("copy", "sort_values", "sort_index") else None
            return SeriesValue(self.rows, dtype, at), None
        if name in _FEWER_ROWS:
            return SeriesValue(None, self.dtype, at), None
        return UNKNOWN, None

    @guarded(UNKNOWN)
    def after_store(self, index: ast.expr | None, value: Value, evaluate: Evaluate) -> Value:
        return SeriesValue(self.rows, None, self.origin)

    @guarded(UNKNOWN)
    def after_escape(self) -> Value:
        return SeriesValue(None, None, self.origin)  # `s.drop(..., inplace=True)` inside


@dataclass(frozen=True, eq=False)
class FrameValue(DataObject):
    """A DataFrame: `rows` rows (None: unknown) and its column labels (None: unknown)."""

    rows: Dim
    columns: tuple[Label, ...] | None = None
    origin: Range | None = None

    @property
    def width(self) -> Dim:
        return len(self.columns) if self.columns is not None else None

    def as_array(self, at: Range | None = None) -> ArrayValue:
        return ArrayValue((self.rows, self.width), None, at or self.origin)

    def with_columns(self, columns: tuple[Label, ...] | None, at: Range) -> FrameValue:
        return FrameValue(self.rows, columns, at)

    @guarded(UNKNOWN)
    def attribute(self, attr: str) -> Value:
        if attr == "values":
            return self.as_array()
        if attr == "shape":
            return Seq(tuple(Const(d) if d is not None else UNKNOWN
                             for d in (self.rows, self.width)))
        if attr == "ndim":
            return Const(2)
        if attr == "columns" and self.columns is not None:
            return Seq(tuple(Const(c) for c in self.columns))
        if attr == "iloc":
            return _Indexer(self, "iloc")
        if attr == "loc":
            return _Indexer(self, "loc")
        if attr == "T":
            return FrameValue(self.width, None, self.origin)
        if self.columns is not None and attr in self.columns and attr not in FRAME_ATTRIBUTES:
            return SeriesValue(self.rows, None, self.origin)  # `df.label`: the column
        return BoundMethod(self, attr)

    @guarded(UNKNOWN)
    def item(self, index: ast.expr, evaluate: Evaluate, at: Range) -> Value:
        key = evaluate(index)
        if isinstance(key, Const) and isinstance(key.value, str | int) and not isinstance(
                key.value, bool):
            if self.columns is not None and key.value not in self.columns:
                return UNKNOWN  # a KeyError at run time: not this engine's to report
            return SeriesValue(self.rows, None, at)
        if isinstance(key, Seq):
            labels = _const(key)
            if isinstance(labels, list | tuple) and all(isinstance(c, str | int)
                                                        for c in labels):
                if self.columns is not None and not set(labels) <= set(self.columns):
                    return UNKNOWN
                return FrameValue(self.rows, tuple(labels), at)
        if isinstance(key, SeriesValue | ArrayValue) or _is_mask(index):  # some rows
            return FrameValue(None, self.columns, at)
        if isinstance(key, Seq):  # columns from a list of unknown labels
            return FrameValue(self.rows, None, at)
        return UNKNOWN

    @guarded((UNKNOWN, UNKNOWN))
    def call_method(self, name: str, args: list[Value], kwargs: dict[str, Value],
                    at: Range) -> tuple[Value, Value | None]:
        inplace = _const(kwargs.get("inplace"))
        if name == "to_numpy":
            return self.as_array(at), None
        if name == "drop":
            dropped = self._drop(args, kwargs, at)
            if inplace is not None and inplace is not False:
                return Const(None), dropped if inplace is True else UNKNOWN
            return dropped, None
        if inplace is not None and inplace is not False:
            return Const(None), UNKNOWN
        if name in _SAME:
            return replace(self, origin=at), None
        if name in _FEWER_ROWS:
            axis = _const(kwargs.get("axis", Const(0)))
            if axis not in (0, "index"):
                return UNKNOWN, None
            return FrameValue(None, self.columns, at), None
        if name == "reset_index":
            return FrameValue(self.rows, self.columns if _const(kwargs.get("drop")) is True
                              else None, at), None
        if name == "pop" and args:
            label = _const(args[0])
            if self.columns is not None and label in self.columns:
                rest = tuple(c for c in self.columns if c != label)
                return SeriesValue(self.rows, None, at), FrameValue(self.rows, rest,
                                                                   self.origin)
            return SeriesValue(self.rows, None, at), UNKNOWN
        return UNKNOWN, None

    def _drop(self, args: list[Value], kwargs: dict[str, Value], at: Range) -> Value:
        axis = _const(kwargs.get("axis", args[1] if len(args) > 1 else Const(0)))
        if "columns" in kwargs:
            labels, axis = _const(kwargs["columns"]), 1
        elif "index" in kwargs:
            labels, axis = _const(kwargs["index"]), 0
        else:
            labels = _const(kwargs.get("labels", args[0] if args else None))
        if axis in (0, "index", "rows"):
            return FrameValue(None, self.columns, at)
        if axis not in (1, "columns"):
            return UNKNOWN
        if isinstance(labels, str | int) and not isinstance(labels, bool):
            labels = [labels]
        if not isinstance(labels, list | tuple) or self.columns is None:
            return FrameValue(self.rows, None, at)
        if _const(kwargs.get("errors")) != "ignore" and not set(labels) <= set(self.columns):
            return UNKNOWN  # KeyError at run time
        return FrameValue(self.rows, tuple(c for c in self.columns if c not in labels), at)

    @guarded(UNKNOWN)
    def after_store(self, index: ast.expr | None, value: Value, evaluate: Evaluate) -> Value:
        key = _const(evaluate(index)) if index is not None else UNKNOWN
        if isinstance(key, str | int) and not isinstance(key, bool) and self.columns is not None:
            if key in self.columns:
                return self
            return FrameValue(self.rows, (*self.columns, key), self.origin)
        return FrameValue(self.rows, None, self.origin)

    @guarded(UNKNOWN)
    def after_escape(self) -> Value:
        # `df["new"] = ...` or `df.dropna(inplace=True)` inside: still a 2-D frame.
        return FrameValue(None, None, self.origin)

    @guarded(UNKNOWN)
    def after_attribute(self, attr: str, value: Value) -> Value:
        if attr == "columns":
            labels = _const(value)
            if isinstance(labels, list | tuple) and (self.width is None
                                                     or len(labels) == self.width):
                return FrameValue(self.rows, tuple(labels), self.origin)
            return FrameValue(self.rows, None, self.origin)
        return self


@dataclass(frozen=True, eq=False)
class _Indexer(DataObject):
    """`frame.iloc` / `frame.loc`, waiting for its subscript."""

    frame: FrameValue
    kind: Literal["iloc", "loc"]

    @guarded(UNKNOWN)
    def item(self, index: ast.expr, evaluate: Evaluate, at: Range) -> Value:
        parts = list(index.elts) if isinstance(index, ast.Tuple) else [index]
        if len(parts) > 2 or any(isinstance(p, ast.Starred) for p in parts):
            return UNKNOWN
        row_part = parts[0]
        rows: Dim | Literal["one"]
        if isinstance(row_part, ast.Slice):
            rows = self._slice_length(row_part, evaluate)
        else:
            row = _const(evaluate(row_part))
            rows = "one" if _is_whole(row) and self.kind == "iloc" else None
            if self.kind == "loc" and not isinstance(row, list):
                return UNKNOWN  # a label: one row or several
        columns = self._columns(parts[1], evaluate) if len(parts) == 2 else self.frame.columns
        if columns == "one":
            return UNKNOWN if rows == "one" else SeriesValue(rows, None, at)  # one cell: unknown
        if rows == "one":
            return SeriesValue(len(columns) if isinstance(columns, tuple) else None, None, at)
        return FrameValue(rows, columns, at)

    def _slice_length(self, part: ast.Slice, evaluate: Evaluate) -> Dim:
        if part.lower is None and part.upper is None and part.step is None:
            return self.frame.rows
        if self.kind != "iloc" or self.frame.rows is None:
            return None
        bounds = [_const(evaluate(b)) if b is not None else None
                  for b in (part.lower, part.upper, part.step)]
        if not all(b is None or _is_whole(b) for b in bounds):
            return None
        return len(range(self.frame.rows)[slice(*bounds)])  # type: ignore[arg-type]

    def _columns(self, part: ast.expr, evaluate: Evaluate
                 ) -> tuple[Label, ...] | Literal["one"] | None:
        known = self.frame.columns
        if isinstance(part, ast.Slice):
            bounds = [_const(evaluate(b)) if b is not None else None
                      for b in (part.lower, part.upper, part.step)]
            if known is None or self.kind != "iloc":
                return known if all(b is None for b in bounds) else None
            if not all(b is None or _is_whole(b) for b in bounds):
                return None
            return known[slice(*bounds)]  # type: ignore[arg-type]
        key = _const(evaluate(part))
        if _is_whole(key) if self.kind == "iloc" else isinstance(key, str | int):
            return "one"
        if isinstance(key, list) and known is not None:
            try:
                if self.kind == "iloc":
                    return tuple(known[i] for i in key)
                if set(key) <= set(known):
                    return tuple(key)
            except (IndexError, TypeError):
                return None
        return None


def read_csv(args: list[Value], kwargs: dict[str, Value], at: Range,
             folder: DataFolder | None) -> Value:
    """A frame whose columns come from the header row, when the file can be read."""
    return FrameValue(None, _csv_columns(args, kwargs, folder), at)


def _csv_columns(args: list[Value], kwargs: dict[str, Value], folder: DataFolder | None
                 ) -> tuple[Label, ...] | None:
    names = _const(kwargs.get("names"))
    usecols = _const(kwargs.get("usecols"))
    index_col = _const(kwargs.get("index_col"))
    if (index_col is not None and index_col is not False) or any(
            k in kwargs for k in _UNFOLLOWED_CSV):
        return None
    if names is not None:  # usecols then picks among the names: not followed
        return tuple(names) if isinstance(names, list | tuple) and usecols is None else None
    columns = _header(args, kwargs, folder)
    if columns is None:
        return None
    if usecols is None:
        return columns
    if isinstance(usecols, list | tuple) and all(_is_whole(u) for u in usecols):
        picked = sorted(set(usecols))
        return tuple(columns[i] for i in picked) if all(
            0 <= i < len(columns) for i in picked) else None
    if isinstance(usecols, list | tuple) and all(isinstance(u, str) for u in usecols):
        return tuple(c for c in columns if c in usecols) if set(usecols) <= set(
            columns) else None
    return None


# read_csv arguments whose effect on the columns is not followed.
_UNFOLLOWED_CSV = frozenset({"compression", "converters", "engine", "comment", "quotechar",
                             "escapechar", "dialect", "iterator", "chunksize", "header_row",
                             "lineterminator"})


def _header(args: list[Value], kwargs: dict[str, Value], folder: DataFolder | None
            ) -> tuple[Label, ...] | None:
    path = _const(args[0] if args else kwargs.get("filepath_or_buffer"))
    if folder is None or not isinstance(path, str) or "://" in path:
        return None
    sep = _const(kwargs.get("sep", kwargs.get("delimiter", args[1] if len(args) > 1
                                                  else Const(","))))
    if _const(kwargs.get("delim_whitespace")) is True or sep == r"\s+":
        sep = None
    elif not isinstance(sep, str) or len(sep) != 1:
        return None
    header = _const(kwargs.get("header", Const("infer")))
    skip = _const(kwargs.get("skiprows", Const(0)))
    if not _is_whole(skip) or header not in ("infer", 0, None):
        return None
    located = folder.locate(path)
    if located is None:
        return None
    lines = read_lines(located, skip, 1)  # type: ignore[arg-type]
    if not lines:
        return None
    fields = split_row(lines[0], sep)
    if not fields:
        return None
    if header is None:
        return tuple(range(len(fields)))
    # pandas names an empty header field after its position (a saved index column).
    named = tuple(field or f"Unnamed: {i}" for i, field in enumerate(fields))
    if len(set(named)) != len(named):
        return None  # pandas renames duplicates ("a.1")
    return named


def dataframe(args: list[Value], kwargs: dict[str, Value], at: Range) -> Value:
    """`pd.DataFrame(...)`: columns from `columns=`, or a 2-D array's width."""
    given = _const(kwargs.get("columns"))
    data = args[0] if args else kwargs.get("data")
    rows: Dim = None
    width: int | None = None
    if isinstance(data, ArrayValue) and data.shape is not None and len(data.shape) == 2:
        rows, width = data.shape
    elif isinstance(data, FrameValue):
        return FrameValue(data.rows, data.columns if given is None else None, at)
    if isinstance(given, list | tuple) and (width is None or width == len(given)):
        return FrameValue(rows, tuple(given), at)
    return FrameValue(rows, tuple(range(width)) if width is not None and given is None
                      else None, at)


def get_dummies(args: list[Value], kwargs: dict[str, Value], at: Range) -> Value:
    """One column per category: the rows are kept, the columns are not known."""
    data = args[0] if args else kwargs.get("data")
    if isinstance(data, FrameValue | SeriesValue):
        return FrameValue(data.rows, None, at)
    return FrameValue(None, None, at)


def split(args: list[Value], kwargs: dict[str, Value], at: Range) -> Value | None:
    """sklearn's train_test_split given frames or series: each split keeps its columns; the
    rows are those of the array version (`split_rows`), unknown here unless given."""
    if not any(isinstance(a, FrameValue | SeriesValue) for a in args):
        return None
    result: list[Value] = []
    for value in args:
        if isinstance(value, FrameValue):
            result += [FrameValue(None, value.columns, at), FrameValue(None, value.columns, at)]
        elif isinstance(value, SeriesValue):
            result += [SeriesValue(None, value.dtype, at), SeriesValue(None, value.dtype, at)]
        elif isinstance(value, ArrayValue) and value.shape:
            rest = value.shape[1:]
            result += [replace(value, shape=(None, *rest), origin=at),
                       replace(value, shape=(None, *rest), origin=at)]
        else:
            result += [UNKNOWN, UNKNOWN]
    return Seq(tuple(result))


def as_array(value: Value) -> Value:
    """What numpy, sklearn and Keras see of a frame or series: its values (also inside a
    tuple or list given as an argument: `from_tensor_slices((features, labels))`)."""
    if isinstance(value, FrameValue | SeriesValue):
        return value.as_array()
    if isinstance(value, Seq) and holds_frames(value):
        return Seq(tuple(as_array(item) for item in value.items), value.kind, value.birth)
    return value


def holds_frames(value: Value) -> bool:
    """A frame or series, or a tuple or list holding one (one level deep)."""
    if isinstance(value, FrameValue | SeriesValue):
        return True
    return isinstance(value, Seq) and any(isinstance(item, FrameValue | SeriesValue)
                                          for item in value.items)


PANDAS_CALLS: dict[str, Callable[[list[Value], dict[str, Value], Range], Value]] = {
    "pandas.DataFrame": dataframe,
    "pandas.get_dummies": get_dummies,
}


CHANGEABLE_IN_PLACE.update({FrameValue, SeriesValue})
