"""sklearn's OneHotEncoder: one column per category, dense or sparse as it was made.

(`train_test_split`, the scalers and LabelEncoder on arrays are in `arrays`; their pandas
versions in `pandas`.)"""

from __future__ import annotations

from dataclasses import dataclass

from shape_engine.data.objects import CHANGEABLE_IN_PLACE, DataObject, guarded
from shape_engine.data.pandas import FrameValue, SeriesValue
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

_ENCODER = "sklearn.preprocessing.OneHotEncoder"


def _const(value: Value | None, default: object = None) -> object:
    if value is None:
        return default
    try:
        return to_python(value)
    except NotConstant:
        return UNKNOWN


def _rows(value: Value | None) -> tuple[Dim, bool] | None:
    """The rows of 2-D input, and whether it has one column; None when not 2-D data."""
    if isinstance(value, FrameValue):
        return value.rows, value.width == 1
    if isinstance(value, ArrayValue) and value.shape is not None and len(value.shape) == 2:
        return value.shape[0], value.shape[1] == 1
    if isinstance(value, SeriesValue):
        return None  # sklearn refuses 1-D input
    return None


@dataclass(frozen=True, eq=False)
class SparseMatrixValue(DataObject):
    """A scipy sparse matrix: 2-D; `toarray()` gives its dense array."""

    shape: tuple[Dim, Dim]
    origin: Range | None = None

    @guarded(UNKNOWN)
    def attribute(self, attr: str) -> Value:
        if attr == "shape":
            return Seq(tuple(Const(d) if d is not None else UNKNOWN for d in self.shape))
        return BoundMethod(self, attr)

    @guarded((UNKNOWN, UNKNOWN))
    def call_method(self, name: str, args: list[Value], kwargs: dict[str, Value],
                    at: Range) -> tuple[Value, Value | None]:
        if name in ("toarray", "todense"):
            return ArrayValue(self.shape, "float", at), None
        return UNKNOWN, None


@dataclass(frozen=True, eq=False)
class EncoderValue(DataObject):
    """`OneHotEncoder(...)`: `width` columns when its categories are given, dense or sparse."""

    sparse: bool | None
    width: int | None

    @guarded((UNKNOWN, UNKNOWN))
    def call_method(self, name: str, args: list[Value], kwargs: dict[str, Value],
                    at: Range) -> tuple[Value, Value | None]:
        if name == "fit":
            return self, None
        if name not in ("fit_transform", "transform"):
            return UNKNOWN, None
        given = _rows(args[0] if args else kwargs.get("X"))
        if given is None:
            return UNKNOWN, None
        rows, _ = given
        shape = (rows, self.width)
        if self.sparse is False:
            return ArrayValue(shape, "float", at), None
        if self.sparse is True:
            return SparseMatrixValue(shape, at), None
        return UNKNOWN, None


def _encoder(kwargs: dict[str, Value]) -> EncoderValue:
    sparse = _const(kwargs.get("sparse_output", kwargs.get("sparse")), True)
    categories = _const(kwargs.get("categories"), "auto")
    width = None
    if (isinstance(categories, list | tuple) and all(isinstance(c, list | tuple)
                                                     for c in categories)
            and "drop" not in kwargs and "handle_unknown" not in kwargs
            and "max_categories" not in kwargs and "min_frequency" not in kwargs):
        width = sum(len(c) for c in categories)
    return EncoderValue(sparse if isinstance(sparse, bool) else None, width)


def call(name: str, args: list[Value], kwargs: dict[str, Value], at: Range) -> Value | None:
    if name == _ENCODER and not args:
        return _encoder(kwargs)
    return None


CHANGEABLE_IN_PLACE.update({EncoderValue, SparseMatrixValue})
