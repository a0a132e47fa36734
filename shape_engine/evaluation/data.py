"""Lists and data (numpy arrays): the values a program changes in place, followed so that every
name and container holding one sees the change, and their methods.

How data's shapes change is `shape_engine.data.arrays`; this is where evaluation meets it."""

from __future__ import annotations

import ast

from shape_engine.data import arrays
from shape_engine.data.objects import CHANGEABLE_IN_PLACE, DataObject
from shape_engine.evaluation import dicts
from shape_engine.evaluation.builtin_functions import iteration_items
from shape_engine.evaluation.classes import ObjectValue, escape_object
from shape_engine.evaluation.constants import optional_int
from shape_engine.evaluation.dicts import ModelDict
from shape_engine.evaluation.limits import MAX_FORWARDS, MAX_SEQUENCE_LENGTH
from shape_engine.evaluation.state import EvaluatorState
from shape_engine.values import (
    UNKNOWN,
    ArrayValue,
    Const,
    ModelValue,
    NotConstant,
    Seq,
    Value,
    to_python,
)

# List methods that change the list in place.
LIST_METHODS = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "reverse",
                          "sort"})
# Methods of data (numpy arrays) that change its shape in place, or only its values.
ARRAY_RESHAPING_METHODS = frozenset({"resize"})
ARRAY_VALUE_METHODS = frozenset({"fill", "put", "itemset", "setfield", "byteswap"})

# The values that can be changed in place (see `DataValues._mutated`).
_CHANGEABLE = CHANGEABLE_IN_PLACE  # a data module adds its kinds when first imported


class DataValues(EvaluatorState):
    def _new_list(self, items: list[Value] | tuple[Value, ...]) -> Seq:
        return Seq(tuple(items), "list", self._region)

    def _mutated(self, old: Value, new: Value) -> None:
        """`old` (a list or data) was changed in place into `new`: every name and container
        that holds `old` holds `new` from now on."""
        if type(old) in _CHANGEABLE:
            self._forward[id(old)] = (old, new)
            self._changes += 1

    def _change_list(self, seq: Seq, items: list[Value] | None) -> None:
        """The list `seq` now holds `items` (None: not known)."""
        if items is not None and (len(items) > MAX_SEQUENCE_LENGTH or seq.birth < self._region):
            # Changed on a path that may not run, while it was made before: either list.
            items = None
        self._mutated(seq, UNKNOWN if items is None else Seq(tuple(items), "list", seq.birth))

    def _current(self, value: Value) -> Value:
        """What a value is now, after the changes made in place to the lists and data it is
        or holds."""
        if not self._forward:
            return value
        if isinstance(value, Seq):
            if not value.holds_mutable:
                return value
            checked = self._checked.get(id(value))
            if checked is not None and checked[0] is value and checked[1] == self._changes:
                return value
        elif not isinstance(value, _CHANGING):
            return value
        current = self._current_in(value, set())
        if isinstance(current, Seq):
            self._checked[id(current)] = (current, self._changes)
        return current

    def _current_in(self, value: Value, active: set[int]) -> Value:
        start, steps = value, 0
        while True:
            entry = self._forward.get(id(value))
            if entry is None or entry[0] is not value:
                break
            value = entry[1]
            steps += 1
            if steps > MAX_FORWARDS:
                return UNKNOWN
        if steps > 1:
            self._forward[id(start)] = (start, value)  # later lookups take one step
        if not isinstance(value, Seq) or not value.holds_mutable:
            return value
        if id(value) in active:
            return UNKNOWN  # a list that holds itself
        # Walking the items is charged like evaluating them (`[f(), f()]` nested by recursion
        # is walked again at each use).
        self._steps += 1 + len(value.items) // 4
        if self._steps > self._check_at and self._over_budget():
            return UNKNOWN
        active.add(id(value))
        # Only lists and data are ever changed in place (see `_mutated`). The items are
        # copied only once one is found changed: most lists hold tensors or layers.
        items: list[Value] | None = None
        for i, item in enumerate(value.items):
            if type(item) in _CHANGEABLE:
                now = self._current_in(item, active)
                if now is not item:
                    if items is None:
                        items = list(value.items)
                    items[i] = now
        active.discard(id(value))
        if items is None:
            return value
        fresh = Seq(tuple(items), value.kind, value.birth)
        if value.kind == "list":
            self._mutated(value, fresh)  # still the same list, with its items as they are now
        return fresh

    def _index_or_slice(self, node: ast.expr) -> int | slice | None:
        """A constant list index or slice, None when not known."""
        try:
            if isinstance(node, ast.Slice):
                bounds = [optional_int(to_python(self._eval(b))) if b is not None else None
                          for b in (node.lower, node.upper, node.step)]
                return slice(*bounds)
            index = to_python(self._eval(node))
        except (NotConstant, TypeError):
            return None
        if isinstance(index, int) and not isinstance(index, bool):
            return index
        return None

    def _set_item(self, seq: Seq, index_node: ast.expr, value: Value) -> None:
        where = self._index_or_slice(index_node)
        current = self._current(seq)  # evaluating the index may have changed it
        if not isinstance(current, Seq):
            return
        seq = current
        items = list(seq.items)
        try:
            if isinstance(where, slice):
                replacement = iteration_items(value)
                if replacement is None:
                    raise ValueError
                items[where] = replacement
            elif where is not None:
                items[where] = value
            else:
                raise ValueError
        except (IndexError, ValueError, TypeError):
            self._change_list(seq, None)
        else:
            self._change_list(seq, items)

    def _list_method(self, seq: Seq, name: str, args: list[Value], kwargs: dict[str, Value]
                     ) -> Value:
        """`items.append(x)` and the other list methods, followed on the list itself."""
        if name == "copy" and not args and not kwargs:
            return self._new_list(seq.items)
        if name not in LIST_METHODS:
            self._escape(args, kwargs)
            return UNKNOWN
        items = list(seq.items)
        result: Value = Const(None)
        changed: list[Value] | None = None
        if kwargs:
            pass
        elif name == "append" and len(args) == 1:
            changed = [*items, args[0]]
        elif name == "extend" and len(args) == 1:
            more = iteration_items(args[0])
            changed = None if more is None else [*items, *more]
        elif name == "insert" and len(args) == 2 and isinstance(args[0], Const) and isinstance(
                args[0].value, int) and not isinstance(args[0].value, bool):
            items.insert(args[0].value, args[1])
            changed = items
        elif name == "pop" and len(args) <= 1:
            index = args[0].value if args and isinstance(args[0], Const) else -1 if not args \
                else None
            if isinstance(index, int) and not isinstance(index, bool):
                try:
                    result = items.pop(index)
                    changed = items
                except IndexError:
                    pass
        elif name == "clear" and not args:
            changed = []
        elif name == "reverse" and not args:
            changed = items[::-1]
        self._change_list(seq, changed)
        return result if changed is not None else UNKNOWN

    def _array_method(self, receiver: ArrayValue, name: str, node: ast.Call,
                      args: list[Value], kwargs: dict[str, Value]) -> Value:
        if name in ARRAY_RESHAPING_METHODS:
            self._mutated(receiver, UNKNOWN)  # `x.resize(...)`: a new shape, in place
            return UNKNOWN
        if name in ARRAY_VALUE_METHODS:
            self._mutated(receiver, values_changed(receiver))
            return UNKNOWN
        return arrays.method(receiver, name, args, kwargs, self._range(node))

    def _data_object_method(self, receiver: DataObject, name: str, node: ast.Call,
                            args: list[Value], kwargs: dict[str, Value]) -> Value:
        result, changed = receiver.call_method(name, args, kwargs, self._range(node))
        if changed is not None:
            self._mutated(receiver, changed)  # `df.drop(..., inplace=True)`
        return result

    def _escape(self, args: list[Value], kwargs: dict[str, Value]) -> None:
        """Code the engine does not follow gets these values: it may change the models and
        lists among them, or keep them and change them later (data is taken to keep its
        shape)."""
        pending = [*args, *kwargs.values()]
        seen: set[int] = set()
        while pending:
            value = self._current(pending.pop())
            if id(value) in seen:
                continue
            seen.add(id(value))
            if isinstance(value, ModelValue):
                value.model.lose_track()
            elif isinstance(value, DataObject):  # a frame may get or lose columns in place
                self._mutated(value, value.after_escape())
            elif isinstance(value, ObjectValue):
                pending.extend(escape_object(value))
            elif isinstance(value, ModelDict):
                pending.extend(dicts.escape(value))
            elif isinstance(value, Seq) and value.holds_mutable:
                self._steps += len(value.items) // 4
                pending.extend(value.items)
                if value.kind == "list":
                    self._mutated(value, UNKNOWN)


def values_changed(array: ArrayValue) -> ArrayValue:
    """Data whose values were changed in place: its shape and dtype stay, nothing else."""
    return ArrayValue(array.shape, array.dtype, array.origin)


# Tested at each value's every use: a tuple made once (`A | B` would be made anew).
_CHANGING = (ArrayValue, DataObject)
