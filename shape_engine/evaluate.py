"""Abstract evaluation of a module: follows constants, imports and Keras objects, never runs code.

The evaluator walks statements in program order with an environment of abstract values. It
knows just enough Python to follow how Keras models are written: assignments and unpacking,
arithmetic on constants, literal `for` loops (unrolled), functions (evaluated at each call with
the arguments given there), and branches whose outcome it cannot know (both sides evaluated,
names that differ become unknown, models changed inside become opaque).

What it produces is the model IR (`ModelIR`) and the data values (`ArrayValue`) bound to names;
shapes are computed later by `interpret`.
"""

from __future__ import annotations

import ast
import builtins
import operator
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from shape_engine import arrays, budget
from shape_engine.data import calls as data_calls
from shape_engine.data.calls import CHANGEABLE_DATA
from shape_engine.data.files import DataFolder
from shape_engine.data.objects import DataObject
from shape_engine.findings import Range
from shape_engine.ir import (
    BuildCall,
    CompileCall,
    LayerCall,
    LayerEntry,
    ModelIR,
    Snapshot,
    TrainingCall,
)
from shape_engine.keras import ops
from shape_engine.keras.calls import Given, Graph
from shape_engine.keras.tensors import TensorValue
from shape_engine.keras_names import (
    IMAGE_DATA_FORMAT,
    MERGE_FUNCTIONS,
    MODEL_NAMES,
    SEQUENTIAL_NAMES,
    SET_IMAGE_DATA_FORMAT,
    STATIC_SHAPE_FUNCTIONS,
    TENSOR_INPUT_NAMES,
    TF_KERAS_LEGACY_LAYERS,
    layer_class_name,
    layer_kind,
    star_exports,
)
from shape_engine.shapes import MaybeShape, Shape
from shape_engine.source import LineIndex
from shape_engine.values import (
    UNKNOWN,
    ArrayValue,
    BoundMethod,
    Const,
    FunctionValue,
    LayerValue,
    ModelValue,
    ModuleRef,
    NotConstant,
    Seq,
    Unknown,
    Value,
    from_python,
    module_ref,
    to_python,
)

# Bounds that keep evaluation proportional to the file, whatever it contains.
MAX_CALL_DEPTH = 8
MAX_LOOP_ITERATIONS = 256
MAX_EXPRESSION_DEPTH = 100
MAX_SEQUENCE_LENGTH = 10_000  # items in a sequence (nested ones included) or characters
MAX_INT_BITS = 4_096  # bigger ints are not worth computing with: `x = x * x` in a loop
# Evaluation steps (statements and expressions; a big value counts by its size, since whoever
# uses it walks it): a base that lets a small file unroll its loops, plus an allowance per
# character of source, so the work stays proportional to the file whatever it contains.
BASE_STEPS = 5_000
STEPS_PER_CHARACTER = 1
# What the objects evaluation records cost later (interpreting, checking, verifying fixes), in
# steps: `model.fit(x, y)` in a loop records a training call at every turn.
LAYER_STEPS = 10
MODEL_STEPS = 20
TRAINING_STEPS = 100
# How often (in steps) evaluation looks at the clock and asks whether to stop (`budget`).
CHECK_EVERY = 2_048

TRAINING_METHODS = frozenset(
    {"fit", "evaluate", "predict", "train_on_batch", "test_on_batch", "predict_on_batch",
     "__call__"}
)
# Model methods that neither change the layer stack nor let it escape.
INERT_MODEL_METHODS = frozenset(
    {"summary", "save", "save_weights", "load_weights", "get_weights", "set_weights",
     "to_json", "get_config", "count_params", "get_layer", "export", "stop_training"}
)
# Callables that may be handed a model without changing its layers.
INERT_CALLEES = frozenset(
    {"print", "len", "str", "repr", "isinstance", "type", "id", "hash", "keras.utils.plot_model",
     "keras.utils.model_to_dot", "keras.models.save_model", "keras.saving.save_model"}
)
# Python operators between symbolic tensors, which keras.ops broadcasts.
TENSOR_OPERATORS: dict[type[ast.operator], str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
KERAS_OPS = "keras.ops."
# Arguments of a layer's call that change what it gives back.
CALL_OPTIONS = frozenset({"return_attention_scores"})
# List methods that change the list in place.
LIST_METHODS = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "reverse",
                          "sort"})
# Methods of data (numpy arrays) that change its shape in place, or only its values.
ARRAY_RESHAPING_METHODS = frozenset({"resize"})
ARRAY_VALUE_METHODS = frozenset({"fill", "put", "itemset", "setfield", "byteswap"})
# Expressions the evaluator does not model that keep the values they are made of (a dict or a
# set holds them, a generator hands them on): what they hold may change through them.
HOLDING_EXPRESSIONS = (ast.Dict, ast.Set, ast.Yield, ast.YieldFrom, ast.Await, ast.Starred)
# Forwarding steps followed before a value is taken as unknown (see `Evaluator._current`).
MAX_FORWARDS = 10_000
# Stacks a model keeps from before its pops (see `ModelIR.superseded`): past that, a layer
# added and popped again goes unchecked.
MAX_SNAPSHOTS = 64
MODULE_ROOTS = frozenset({"tensorflow", "keras", "numpy", "sklearn", "tf_keras",
                          "pandas"})

# Resolves `import name` (level > 0 for relative imports) to (path, source text) or None.
ModuleResolver = Callable[[str, int, str | None], "tuple[str, str] | None"]


# The values that can be changed in place (see `Evaluator._mutated`).
_CHANGEABLE = frozenset({Seq, ArrayValue, *CHANGEABLE_DATA})
# The builtins, made once: `len` and `range` are looked up at every turn of a loop.
_BUILTIN_REFS: dict[str, Value] = {name: ModuleRef(name) for name in dir(builtins)}


class _Return(Exception):
    def __init__(self, value: Value) -> None:
        self.value = value


class Scope:
    def __init__(self, parent: Scope | None = None) -> None:
        self.vars: dict[str, Value] = {}
        self.parent = parent
        self.star_modules: list[ModuleRef] = []
        # Names a function declares `global` / `nonlocal`: they live in another scope.
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()

    @property
    def module(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def lookup(self, name: str) -> Value:
        scope: Scope | None = self.module if name in self.globals else self
        while scope is not None:
            if name in scope.vars:
                return scope.vars[name]
            for module in scope.star_modules:
                if star_exports(module.name, name):
                    return module.attribute(name)
            scope = scope.parent
        return _BUILTIN_REFS.get(name, UNKNOWN)

    def owner(self, name: str) -> Scope:
        """The scope that binding `name` here binds it in."""
        if name in self.globals:
            return self.module
        if name in self.nonlocals:
            scope = self.parent
            while scope is not None and scope.parent is not None:
                if name in scope.vars:
                    return scope
                scope = scope.parent
        return self


@dataclass
class DataBinding:
    """A name bound to data or to a symbolic tensor, kept for hover and inlay hints."""

    name: str
    range: Range  # the assignment target
    value: ArrayValue | TensorValue


@dataclass
class Program:
    """What evaluating a module found."""

    models: list[ModelIR] = field(default_factory=list)
    data: list[DataBinding] = field(default_factory=list)
    # The symbolic tensors the program made, the layer calls between them, Keras' refusals.
    graph: Graph = field(default_factory=Graph)
    module_scope: Scope = field(default_factory=Scope)
    exhausted: bool = False  # the step budget ran out; later code was not evaluated
    timed_out: bool = False  # the caller's deadline passed (see `budget`): so did evaluation
    stopped_at: int | None = None  # the line of the statement where evaluation stopped
    steps: int = 0  # evaluation steps spent (see BASE_STEPS)
    budget: int = 0  # the steps it could spend (more than `steps` when exhausted)


class Evaluator:
    def __init__(
        self,
        tree: ast.Module,
        index: LineIndex,
        file: str | None = None,
        resolver: ModuleResolver | None = None,
        _importing: frozenset[str] = frozenset(),
        data_folder: DataFolder | None = None,
    ) -> None:
        self.tree = tree
        self.index = index
        self.file = file
        # Where the data files the program names by a literal path are looked for.
        self.data_folder = data_folder if data_folder is not None else DataFolder.of(file)
        self.resolver = resolver
        self.program = Program()
        self.scope = self.program.module_scope
        self._uncertain = 0
        self._call_depth = 0
        self._expr_depth = 0
        self._steps = 0
        self._budget = BASE_STEPS + STEPS_PER_CHARACTER * sum(len(line) for line in index.lines)
        # The next step count at which `_over_budget` looks: the budget, or the next time
        # to look at the clock, whichever comes first (-1 once stopped).
        self._check_at = min(self._budget, CHECK_EVERY)
        self._called_functions: set[ast.AST] = set()
        self._jumps: dict[ast.AST, bool] = {}  # loops with break/continue, by loop node
        self._bound_names: dict[ast.stmt, frozenset[str] | None] = {}  # by statement
        self._importing = _importing
        self._function_returns: list[list[Value]] = []
        # keras.config.image_data_format() as the program has set it so far (None: unknown).
        self._image_data_format: str | None = "channels_last"
        # Lists and data changed in place, by id: (the old value, what it is now). Every
        # holder of the old value sees the new one (see `_current`).
        self._forward: dict[int, tuple[Value, Value]] = {}
        # How many changes were made so far, and the sequences found current after how many
        # (by id: the sequence itself, that count): they need no new look until the next.
        self._changes = 0
        self._checked: dict[int, tuple[Value, int]] = {}
        # The innermost uncertain region (0: none), and how many were entered.
        self._region = 0
        self._regions_made = 0

    # -- entry point -------------------------------------------------------------------------

    def run(self) -> Program:
        self._exec_body(self.tree.body)
        self._run_uncalled_functions(self.tree.body)
        self.program.steps, self.program.budget = self._steps, self._budget
        return self.program

    def _run_uncalled_functions(self, body: list[ast.stmt]) -> None:
        """Functions never called in the file still build models: evaluate them once."""
        for stmt in body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                if stmt in self._called_functions:
                    continue
                fn = self.scope.vars.get(stmt.name)
                if isinstance(fn, FunctionValue) and fn.node is stmt:
                    # When it would run, and after what, is not known: it sees the module as
                    # it ends, and what it changes there is not seen by the others.
                    saved = (dict(self.scope.vars), dict(self._forward),
                             self._image_data_format)
                    self._call_function(fn, [], {}, use_defaults=True)
                    self.scope.vars, self._forward, self._image_data_format = (
                        saved[0], saved[1], saved[2])

    # -- statements --------------------------------------------------------------------------

    def _exec_body(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self._steps += 1
            if self._steps > self._check_at and self._over_budget():
                if self.program.stopped_at is None:
                    self.program.stopped_at = stmt.lineno - 1
                return
            _STATEMENTS.get(type(stmt), Evaluator._other_statement)(self, stmt)

    def _over_budget(self) -> bool:
        if self._steps <= self._check_at:
            return False
        if self._check_at >= 0 and self._steps <= self._budget:
            if not budget.out_of_time():  # may raise budget.Interrupted
                self._check_at = min(self._budget, self._steps + CHECK_EVERY)
                return False
            self.program.timed_out = True
        self._check_at = -1
        if not self.program.exhausted:
            self.program.exhausted = True
            # What the rest of the program does to the models is not known.
            for model in self.program.models:
                model.lose_track()
        return True

    def _assign(self, stmt: ast.Assign) -> None:
        value = self._eval(stmt.value)
        for target in stmt.targets:
            self._bind(target, value, stmt.value)

    def _annotated_assign(self, stmt: ast.AnnAssign) -> None:
        if stmt.value is not None:
            self._bind(stmt.target, self._eval(stmt.value), stmt.value)

    def _expression_statement(self, stmt: ast.Expr) -> None:
        self._eval(stmt.value)

    def _function_definition(self, stmt: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._set_name(stmt.name, self._function(stmt))

    def _class_definition(self, stmt: ast.ClassDef) -> None:
        self._set_name(stmt.name, UNKNOWN)

    def _return(self, stmt: ast.Return) -> None:
        value = self._eval(stmt.value) if stmt.value is not None else Const(None)
        if self._function_returns:
            self._function_returns[-1].append(value)
            if not self._uncertain:
                raise _Return(value)

    def _while(self, stmt: ast.While) -> None:
        self._eval(stmt.test)
        self._branches([stmt.body, stmt.orelse], fallthrough=True)

    def _with(self, stmt: ast.With | ast.AsyncWith) -> None:
        for item in stmt.items:
            value = self._eval(item.context_expr)
            if item.optional_vars is not None:
                entered = value if isinstance(value, DataObject) and value.context_is_self \
                    else UNKNOWN
                self._bind(item.optional_vars, entered, None)
        self._exec_body(stmt.body)

    def _match(self, stmt: ast.Match) -> None:
        self._eval(stmt.subject)
        self._branches([case.body for case in stmt.cases], fallthrough=True)

    def _delete_statement(self, stmt: ast.Delete) -> None:
        for target in stmt.targets:
            self._delete(target)

    def _declaration(self, stmt: ast.Global | ast.Nonlocal) -> None:
        if self.scope.parent is None:
            return  # `global` at module level changes nothing
        declared = self.scope.globals if isinstance(stmt, ast.Global) else self.scope.nonlocals
        for name in stmt.names:
            self.scope.vars.pop(name, None)
            declared.add(name)

    def _other_statement(self, stmt: ast.stmt) -> None:
        if type(stmt).__name__ == "TryStar":  # Python >= 3.11
            self._try(stmt)  # type: ignore[arg-type]
        # pass, raise, assert, break, continue: nothing to follow

    def _if(self, stmt: ast.If) -> None:
        test = self._eval(stmt.test)
        truth = _truth(test)
        if truth is True:
            self._exec_body(stmt.body)
        elif truth is False:
            self._exec_body(stmt.orelse)
        else:
            self._branches([stmt.body, stmt.orelse], fallthrough=False)

    def _for(self, stmt: ast.For | ast.AsyncFor) -> None:
        iterable = self._eval(stmt.iter)
        items = _iteration_items(iterable)
        if items is not None and len(items) <= MAX_LOOP_ITERATIONS and not self._jumps_in(stmt):
            for item in items:
                self._bind(stmt.target, item, None)
                self._exec_body(stmt.body)
            self._exec_body(stmt.orelse)
            return
        self._bind(stmt.target, UNKNOWN, None)
        self._branches([stmt.body + stmt.orelse], fallthrough=True)

    def _jumps_in(self, loop: ast.For | ast.AsyncFor) -> bool:
        # Cached: a loop nested in an unrolled loop is entered at every turn.
        found = self._jumps.get(loop)
        if found is None:
            found = self._jumps[loop] = _has_jump(loop.body)
        return found

    def _try(self, stmt: ast.Try) -> None:
        # The body usually runs to the end; the handlers are the uncertain part.
        with self._uncertainty():
            self._exec_body(stmt.body)
        self._branches([h.body for h in stmt.handlers] + [stmt.orelse], fallthrough=True)
        self._exec_body(stmt.finalbody)

    @contextmanager
    def _uncertainty(self) -> Iterator[None]:
        """Code that may or may not run: a region of its own. A list made in the region can
        change exactly inside it; one made before cannot (it may or may not change)."""
        self._uncertain += 1
        outer = self._region
        self._regions_made += 1
        self._region = self._regions_made
        try:
            yield
        finally:
            self._uncertain -= 1
            self._region = outer

    def _branches(self, bodies: list[list[ast.stmt]], fallthrough: bool) -> None:
        """Evaluate each body from the same state; names on which they disagree become unknown."""
        names = self._names_bound_in(bodies)
        if names is not None:
            self._branches_over(bodies, fallthrough, names)
            return
        before = dict(self.scope.vars)
        outcomes: list[dict[str, Value]] = []
        data_format, formats = self._image_data_format, []
        with self._uncertainty():
            for body in bodies:
                self.scope.vars = dict(before)
                self._image_data_format = data_format
                self._exec_body(body)
                outcomes.append(self.scope.vars)
                formats.append(self._image_data_format)
        if fallthrough:
            outcomes.append(before)
            formats.append(data_format)
        self._join_data_formats(formats)
        merged: dict[str, Value] = {}
        for name in set().union(*outcomes):
            merged[name] = _join([o.get(name) for o in outcomes])
        self.scope.vars = merged

    def _branches_over(self, bodies: list[list[ast.stmt]], fallthrough: bool,
                       names: frozenset[str]) -> None:
        """`_branches` for bodies that can only bind `names`: only those are saved and merged
        (copying every variable at every branch would make a long module quadratic)."""
        variables = self.scope.vars
        before = {name: variables[name] for name in names if name in variables}
        outcomes: list[dict[str, Value | None]] = []
        data_format, formats = self._image_data_format, []
        with self._uncertainty():
            for body in bodies:
                for name in names:
                    if name in before:
                        variables[name] = before[name]
                    else:
                        variables.pop(name, None)
                self._image_data_format = data_format
                self._exec_body(body)
                variables = self.scope.vars
                outcomes.append({name: variables.get(name) for name in names})
                formats.append(self._image_data_format)
        if fallthrough:
            outcomes.append({name: before.get(name) for name in names})
            formats.append(data_format)
        self._join_data_formats(formats)
        for name in names:
            values = [outcome[name] for outcome in outcomes]
            if all(v is None for v in values):
                variables.pop(name, None)
            else:
                variables[name] = _join(values)

    def _join_data_formats(self, formats: list[str | None]) -> None:
        """The image data format after branches that left these (None: unknown)."""
        same = all(f == formats[0] for f in formats)
        self._image_data_format = formats[0] if same else None

    def _names_bound_in(self, bodies: list[list[ast.stmt]]) -> frozenset[str] | None:
        """Every name the bodies may bind in this scope (a superset), or None when a star
        import may bind any."""
        found: set[str] = set()
        for body in bodies:
            for stmt in body:
                names = self._bound_names.get(stmt)
                if stmt not in self._bound_names:
                    names = self._bound_names[stmt] = _names_bound_by(stmt)
                if names is None:
                    return None
                found |= names
        return frozenset(found)

    # -- binding -----------------------------------------------------------------------------

    def _bind(self, target: ast.expr, value: Value, value_node: ast.expr | None) -> None:
        if isinstance(target, ast.Name):
            self._set_name(target.id, value)
            if isinstance(value, ModelValue) and not value.model.variable:
                value.model.variable = target.id
                value.model.name = value.model.name or target.id
            if isinstance(value, ArrayValue | TensorValue) and self.file is None:
                self.program.data.append(
                    DataBinding(target.id, self.index.range_of(target), value))
        elif isinstance(target, ast.Tuple | ast.List):
            for element, item in zip(target.elts, self._unpack_into(target.elts, value),
                                     strict=True):
                self._bind(element.value if isinstance(element, ast.Starred) else element,
                           item, None)
        elif isinstance(target, ast.Starred):
            self._bind(target.value, UNKNOWN, None)
        elif isinstance(target, ast.Attribute):
            receiver = self._eval(target.value)
            if isinstance(receiver, ModelValue):
                # Writing into an object we track (model.layers = ...) makes it unknowable.
                receiver.model.lose_track(0)
            elif isinstance(receiver, ArrayValue):
                self._mutated(receiver, UNKNOWN)  # `x.shape = (10, 2, 2)`, `x.dtype = ...`
            elif isinstance(receiver, DataObject):
                self._mutated(receiver, receiver.after_attribute(target.attr, value))
            else:
                self._escape([value], {})  # held by an object we do not follow
        elif isinstance(target, ast.Subscript):
            receiver = self._eval(target.value)
            if isinstance(receiver, BoundMethod) and isinstance(receiver.receiver, ModelValue):
                receiver = receiver.receiver  # model.layers[0] = ...
            if isinstance(receiver, ModelValue):
                receiver.model.lose_track(0)
            elif isinstance(receiver, Seq) and receiver.kind == "list":
                self._set_item(receiver, target.slice, value)
            elif isinstance(receiver, ArrayValue):
                self._mutated(receiver, _values_changed(receiver))  # `y[y > 9] = 9`
            elif isinstance(receiver, DataObject):  # `df["new"] = ...`
                self._mutated(receiver, receiver.after_store(target.slice, value, self._eval))
            else:
                self._escape([value], {})

    def _set_name(self, name: str, value: Value) -> None:
        scope = self.scope.owner(name)
        if scope is not self.scope and self._uncertain:
            # `global` / `nonlocal` written on a path that may not run: either value.
            value = _join([scope.vars.get(name), value])
        scope.vars[name] = value

    def _unpack_into(self, elements: list[ast.expr], value: Value) -> list[Value]:
        """The values `a, *rest, b = value` binds, one per element (a starred one gets a list)."""
        stars = [i for i, e in enumerate(elements) if isinstance(e, ast.Starred)]
        if not stars:
            return _unpack(value, len(elements))
        if len(stars) > 1:
            return [UNKNOWN] * len(elements)
        before = stars[0]
        after = len(elements) - before - 1
        items = _iteration_items(value)
        if items is None and isinstance(value, ArrayValue) and value.shape and isinstance(
                value.shape[0], int) and value.shape[0] <= MAX_LOOP_ITERATIONS:
            items = arrays.unpack(value, value.shape[0])
        if items is None or len(items) < before + after:
            return [UNKNOWN] * len(elements)
        middle = self._new_list(items[before:len(items) - after])
        return [*items[:before], middle, *items[len(items) - after:]]

    def _augmented(self, stmt: ast.AugAssign) -> None:
        current = self._eval(stmt.target)
        right = self._eval(stmt.value)
        if isinstance(current, Seq) and current.kind == "list" and isinstance(
                stmt.op, ast.Add | ast.Mult):
            # `items += more` extends the list in place: every holder of it sees the change.
            changed: list[Value] | None = None
            if isinstance(stmt.op, ast.Add):
                more = _iteration_items(right)
                changed = None if more is None else [*current.items, *more]
            else:
                count = right.value if isinstance(right, Const) else None
                if isinstance(count, int) and not isinstance(count, bool) and (
                        len(current.items) * max(count, 0) <= MAX_SEQUENCE_LENGTH):
                    changed = list(current.items) * count
            self._change_list(current, changed)
            self._bind(stmt.target, self._current(current), stmt.value)
            return
        value = self._binop(stmt.op, current, right)
        if isinstance(current, ArrayValue):
            # numpy changes the array in place: what else holds it keeps its shape only.
            self._mutated(current, _values_changed(current))
        self._bind(stmt.target, value, stmt.value)

    def _delete(self, target: ast.expr) -> None:
        if isinstance(target, ast.Name):
            self._set_name(target.id, UNKNOWN)
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self._delete(element)
        elif isinstance(target, ast.Subscript | ast.Attribute):
            receiver = self._eval(target.value)
            if isinstance(receiver, BoundMethod) and isinstance(receiver.receiver, ModelValue):
                receiver = receiver.receiver
            if isinstance(receiver, ModelValue):
                receiver.model.lose_track(0)
            elif isinstance(receiver, ArrayValue | DataObject):
                self._mutated(receiver, UNKNOWN)
            elif (isinstance(receiver, Seq) and receiver.kind == "list"
                  and isinstance(target, ast.Subscript)):
                items = list(receiver.items)
                where = self._index_or_slice(target.slice)
                try:
                    if where is None:
                        raise IndexError
                    del items[where]
                except (IndexError, ValueError, TypeError):
                    self._change_list(receiver, None)
                else:
                    self._change_list(receiver, items)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
                  ) -> FunctionValue:
        """A function as `def` or `lambda` makes it, its defaults evaluated there."""
        params = node.args
        positional = [*params.posonlyargs, *params.args]
        defaults: dict[str, Value] = {}
        for param, default in zip(positional[len(positional) - len(params.defaults):],
                                  params.defaults, strict=True):
            defaults[param.arg] = self._eval(default)
        for param, kw_default in zip(params.kwonlyargs, params.kw_defaults, strict=True):
            if kw_default is not None:
                defaults[param.arg] = self._eval(kw_default)
        return FunctionValue(node, self.scope, self.file, self.index, defaults)

    # -- values changed in place: lists and data -------------------------------------------

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
        elif not isinstance(value, ArrayValue | DataObject):
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
        if self._over_budget():
            return UNKNOWN
        active.add(id(value))
        # Only lists and data are ever changed in place (see `_mutated`).
        items = tuple([self._current_in(item, active) if type(item) in _CHANGEABLE else item
                       for item in value.items])
        active.discard(id(value))
        if all(map(operator.is_, items, value.items)):
            return value
        fresh = Seq(items, value.kind, value.birth)
        if value.kind == "list":
            self._mutated(value, fresh)  # still the same list, with its items as they are now
        return fresh

    def _index_or_slice(self, node: ast.expr) -> int | slice | None:
        """A constant list index or slice, None when not known."""
        try:
            if isinstance(node, ast.Slice):
                bounds = [_optional_int(to_python(self._eval(b))) if b is not None else None
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
                replacement = _iteration_items(value)
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
            more = _iteration_items(args[0])
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

    # -- imports -----------------------------------------------------------------------------

    def _import(self, stmt: ast.Import) -> None:
        for alias in stmt.names:
            if alias.asname:
                self._set_name(alias.asname, self._module_value(alias.name, 0))
            else:
                top = alias.name.split(".")[0]
                self._set_name(top, self._module_value(top, 0))

    def _import_from(self, stmt: ast.ImportFrom) -> None:
        module = stmt.module or ""
        root = module.split(".")[0]
        if stmt.level == 0 and root in MODULE_ROOTS:
            base = module_ref(module)
            for alias in stmt.names:
                if alias.name == "*":
                    self.scope.star_modules.append(base)
                else:
                    self._set_name(alias.asname or alias.name, base.attribute(alias.name))
            return
        exported = self._evaluate_user_module(module, stmt.level)
        for alias in stmt.names:
            if alias.name == "*":
                if exported is not None:
                    for name, value in exported.vars.items():
                        if not name.startswith("_"):
                            self._set_name(name, value)
                continue
            value = exported.vars.get(alias.name, UNKNOWN) if exported else UNKNOWN
            self._set_name(alias.asname or alias.name, value)

    def _module_value(self, name: str, level: int) -> Value:
        if level == 0 and name.split(".")[0] in MODULE_ROOTS:
            return module_ref(name)
        return UNKNOWN

    def _evaluate_user_module(self, module: str, level: int) -> Scope | None:
        """Evaluate another module of the user's project, found by the resolver, for its names."""
        if self.resolver is None:
            return None
        found = self.resolver(module, level, self.file)
        if found is None:
            return None
        path, text = found
        if path in self._importing or len(self._importing) > MAX_CALL_DEPTH:
            return None
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
        sub = Evaluator(tree, LineIndex(text), path, self.resolver,
                        self._importing | {path} | ({self.file} if self.file else set()))
        # The module's allowance joins the budget both share.
        self._budget += sub._budget - BASE_STEPS
        sub._steps, sub._budget = self._steps, self._budget
        sub._check_at = min(self._budget, self._steps + CHECK_EVERY)
        # Keras' settings and the values changed in place are the process's, shared.
        sub._forward, sub._image_data_format = self._forward, self._image_data_format
        sub._regions_made = self._regions_made
        sub._exec_body(tree.body)
        self._steps = sub._steps
        self._regions_made = sub._regions_made
        self._set_image_data_format(sub._image_data_format)
        return sub.program.module_scope

    # -- expressions -------------------------------------------------------------------------

    def _eval(self, node: ast.expr | None, charge: bool = True) -> Value:
        """`charge`: False for the receiver of an attribute (`items.append`), which is not
        walked."""
        if node is None:
            return UNKNOWN
        self._steps += 1
        if self._expr_depth > MAX_EXPRESSION_DEPTH or (
                self._steps > self._check_at and self._over_budget()):
            return UNKNOWN
        if isinstance(node, ast.Name):  # the commonest node, and a leaf: no depth to track
            value = self.scope.lookup(node.id)
        else:
            self._expr_depth += 1
            try:
                value = _EXPRESSIONS.get(type(node), Evaluator._other_expression)(self, node)
            finally:
                self._expr_depth -= 1
        if isinstance(value, Seq):
            if self._forward:
                value = self._current(value)
            return self._charged(value) if charge else value
        if isinstance(value, ArrayValue | DataObject):
            return self._current(value) if self._forward else value
        if charge and isinstance(value, Const) and isinstance(value.value, str | bytes):
            self._steps += len(value.value) // 64  # a long string is walked by its user too
        return value

    def _charged(self, value: Value) -> Value:
        """Charge a big sequence to the budget (using it walks it); past the size limit it
        is unknown (`x = [x, x]` in a loop doubles it at each turn)."""
        if isinstance(value, Seq):
            if value.size > MAX_SEQUENCE_LENGTH:
                return UNKNOWN
            self._steps += value.size // 4
        return value

    def _constant(self, node: ast.Constant) -> Value:
        return Const(node.value) if node.value is not ... else UNKNOWN

    def _sequence_display(self, node: ast.Tuple | ast.List) -> Value:
        items: list[Value] = []
        for element in node.elts:
            if isinstance(element, ast.Starred):
                inner = self._eval(element.value)
                if isinstance(inner, Seq):
                    items.extend(inner.items)
                    continue
                return UNKNOWN
            items.append(self._eval(element))
        if isinstance(node, ast.List):
            return self._new_list(items)
        return Seq(tuple(items), "tuple")

    def _attribute_of(self, node: ast.Attribute) -> Value:
        return self._attribute(self._eval(node.value, charge=False), node.attr)

    def _binary(self, node: ast.BinOp) -> Value:
        left, right = self._eval(node.left), self._eval(node.right)
        if (isinstance(left, TensorValue) or isinstance(right, TensorValue)) and type(
                node.op) in TENSOR_OPERATORS:
            return self.program.graph.op(
                TENSOR_OPERATORS[type(node.op)], self._range(node), [left, right],
                lambda shapes: ops.broadcast(_known_shape(shapes[0]), _known_shape(shapes[1])),
                self.file)
        return self._binop(node.op, left, right)

    def _unary(self, node: ast.UnaryOp) -> Value:
        return self._unaryop(node.op, self._eval(node.operand))

    def _conditional(self, node: ast.IfExp) -> Value:
        truth = _truth(self._eval(node.test))
        if truth is True:
            return self._eval(node.body)
        if truth is False:
            return self._eval(node.orelse)
        body, orelse = self._eval(node.body), self._eval(node.orelse)
        return _join([body, orelse])

    def _walrus(self, node: ast.NamedExpr) -> Value:
        value = self._eval(node.value)
        self._bind(node.target, value, node.value)
        return value

    def _other_expression(self, node: ast.expr) -> Value:
        # Evaluate children for their side effects (calls on models), then give up.
        children = [self._eval(child) for child in ast.iter_child_nodes(node)
                    if isinstance(child, ast.expr)]
        if isinstance(node, HOLDING_EXPRESSIONS):
            self._escape(children, {})  # `{"o": model}`: changed through the dict, maybe
        return UNKNOWN

    def _fold(self, node: ast.Compare | ast.BoolOp) -> Value:
        """Comparisons and boolean operators over constants."""
        operands = [node.left, *node.comparators] if isinstance(node, ast.Compare) else node.values
        values = [self._eval(child) for child in operands]
        if isinstance(node, ast.Compare) and ArrayValue in map(type, values):
            return arrays.compare(values)
        try:
            consts = [to_python(v) for v in values]
        except NotConstant:
            return UNKNOWN
        try:
            result = _fold_constants(node, consts)
        except Exception:
            return UNKNOWN
        return from_python(result)

    def _comprehension(self, node: ast.expr) -> Value:
        """`[Dense(u) for u in (64, 32)]`: unrolled like a literal loop."""
        if not isinstance(node, ast.ListComp) or len(node.generators) != 1:
            self._escape_names(node)
            return UNKNOWN
        generator = node.generators[0]
        items = _iteration_items(self._eval(generator.iter))
        if items is None or len(items) > MAX_LOOP_ITERATIONS or generator.ifs:
            self._escape_names(node)
            return UNKNOWN
        # The loop variables are the comprehension's own: put back what they were.
        names = {n.id for n in ast.walk(generator.target) if isinstance(n, ast.Name)}
        variables = self.scope.vars
        saved = {name: variables[name] for name in names if name in variables}
        results = []
        for item in items:
            self._bind_local(generator.target, item)
            results.append(self._eval(node.elt))
        for name in names:
            if name in saved:
                self.scope.vars[name] = saved[name]
            else:
                self.scope.vars.pop(name, None)
        return self._new_list(results)

    def _bind_local(self, target: ast.expr, value: Value) -> None:
        """Bind a comprehension's variables, which are never global."""
        if isinstance(target, ast.Name):
            self.scope.vars[target.id] = value
        elif isinstance(target, ast.Tuple | ast.List):
            for element, item in zip(target.elts, self._unpack_into(target.elts, value),
                                     strict=True):
                self._bind_local(element.value if isinstance(element, ast.Starred)
                                 else element, item)

    def _escape_names(self, node: ast.expr) -> None:
        """A comprehension not followed may store what its names hold (`{k: items ...}`)."""
        self._escape([self.scope.lookup(n.id) for n in _nodes_within(node)
                      if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)], {})

    def _attribute(self, receiver: Value, attr: str) -> Value:
        if isinstance(receiver, ModuleRef):
            return receiver.attribute(attr)
        if isinstance(receiver, ModelValue | LayerValue):
            return BoundMethod(receiver, attr)
        if isinstance(receiver, Seq) and receiver.kind == "list":
            return BoundMethod(receiver, attr)
        if isinstance(receiver, ArrayValue):
            return arrays.attribute(receiver, attr)
        if isinstance(receiver, DataObject):
            return receiver.attribute(attr)
        if isinstance(receiver, Const) and isinstance(receiver.value, str):
            return BoundMethod(receiver, attr)
        if isinstance(receiver, TensorValue):
            return _tensor_attribute(receiver, attr)
        return UNKNOWN

    def _subscript(self, node: ast.Subscript) -> Value:
        receiver = self._eval(node.value)
        if isinstance(receiver, TensorValue):
            return self._tensor_subscript(receiver, node)
        if isinstance(receiver, ArrayValue):
            return arrays.subscript(receiver, node.slice, self._eval, self._range(node))
        if isinstance(receiver, DataObject):
            return receiver.item(node.slice, self._eval, self._range(node))
        index = self._eval(node.slice) if not isinstance(node.slice, ast.Slice) else None
        if isinstance(receiver, Seq):
            if isinstance(node.slice, ast.Slice):
                bounds = [self._eval(b) if b is not None else Const(None)
                          for b in (node.slice.lower, node.slice.upper, node.slice.step)]
                try:
                    lower, upper, step = (_optional_int(to_python(b)) for b in bounds)
                    part = receiver.items[slice(lower, upper, step)]
                    return self._new_list(part) if receiver.kind == "list" else Seq(part)
                except (NotConstant, TypeError, ValueError):
                    return UNKNOWN
            if isinstance(index, Const) and isinstance(index.value, int) and not isinstance(
                    index.value, bool):
                try:
                    return receiver.items[index.value]
                except IndexError:
                    return UNKNOWN
        if isinstance(receiver, ModelValue):
            return UNKNOWN
        return UNKNOWN

    def _tensor_subscript(self, tensor: TensorValue, node: ast.Subscript) -> Value:
        """`x[:, 0]`, `x[..., :3]`, `x[:, None]` on a symbolic tensor."""
        parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        index: list[object] = []
        modelled = True
        for part in parts:
            if isinstance(part, ast.Slice):
                bounds = [self._eval(b) if b is not None else Const(None)
                          for b in (part.lower, part.upper, part.step)]
                try:
                    lower, upper, step = (_optional_int(to_python(b)) for b in bounds)
                except (NotConstant, TypeError, ValueError):
                    modelled = False
                    break
                index.append(slice(lower, upper, step))
                continue
            if isinstance(part, ast.Constant) and part.value is Ellipsis:
                index.append(Ellipsis)
                continue
            value = self._eval(part)
            python = value.value if isinstance(value, Const) else UNKNOWN
            if python is None or python is Ellipsis or (
                    isinstance(python, int) and not isinstance(python, bool)):
                index.append(python)
            else:
                modelled = False
                break
        chosen = index if modelled else None
        return self.program.graph.op(
            "slicing", self._range(node), [tensor],
            lambda shapes: ops.subscript(_known_shape(shapes[0]), chosen)
            if chosen is not None else _not_modelled(), self.file)

    def _tensor_op(self, name: str, node: ast.Call, args: list[Value],
                   kwargs: dict[str, Value]) -> Value | None:
        """`keras.ops.<name>(...)` on symbolic tensors; None when it is not such a call."""
        rule, count = ops.OPS[name]
        operands = ops.op_inputs(args, kwargs, count)
        if operands is None or not any(isinstance(v, TensorValue) for v in operands):
            return None
        return self.program.graph.op(
            f"keras.ops.{name}", self._range(node), operands,
            lambda shapes: rule(args, kwargs, shapes), self.file)

    def _binop(self, op: ast.operator, left: Value, right: Value) -> Value:
        if isinstance(left, Const) and isinstance(right, Const):  # the commonest case, first
            return _constant_binop(op, left, right, left.value, right.value)
        if isinstance(left, ArrayValue) or isinstance(right, ArrayValue):
            return arrays.binop(op, left, right)
        if isinstance(left, Seq) and isinstance(right, Seq) and isinstance(op, ast.Add):
            if left.size + right.size > MAX_SEQUENCE_LENGTH:
                return UNKNOWN
            if left.kind == "list":
                return self._new_list(left.items + right.items)
            return Seq(left.items + right.items, left.kind)
        for seq, count in ((left, right), (right, left)):
            # `[x] * 3` holds the same x three times (a list in it is one list, shared).
            if isinstance(seq, Seq) and isinstance(op, ast.Mult) and isinstance(count, Const):
                times = count.value
                if not isinstance(times, int) or isinstance(times, bool):
                    return UNKNOWN
                if len(seq.items) * max(times, 0) > MAX_SEQUENCE_LENGTH or (
                        seq.size * max(times, 0) > MAX_SEQUENCE_LENGTH):
                    return UNKNOWN
                items = seq.items * times
                return self._new_list(items) if seq.kind == "list" else Seq(items)
        try:
            a, b = to_python(left), to_python(right)
        except NotConstant:
            return UNKNOWN
        return _constant_binop(op, left, right, a, b)

    def _unaryop(self, op: ast.unaryop, operand: Value) -> Value:
        if isinstance(operand, ArrayValue):
            return arrays.unary(op, operand)
        try:
            value = to_python(operand)
        except NotConstant:
            return UNKNOWN
        try:
            if isinstance(op, ast.USub):
                return from_python(-value)  # type: ignore[operator]
            if isinstance(op, ast.UAdd):
                return from_python(+value)  # type: ignore[operator]
            if isinstance(op, ast.Not):
                return Const(not value)
            if isinstance(op, ast.Invert):
                return from_python(~value)  # type: ignore[operator]
        except TypeError:
            return UNKNOWN
        return UNKNOWN

    # -- calls -------------------------------------------------------------------------------

    def _call(self, node: ast.Call) -> Value:
        callee = self._eval(node.func)
        args: list[Value] = []
        has_unpacking = False
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                inner = self._eval(arg.value)
                if isinstance(inner, Seq):
                    args.extend(inner.items)
                else:
                    has_unpacking = True
            else:
                args.append(self._eval(arg))
        kwargs: dict[str, Value] = {}
        for keyword in node.keywords:
            if keyword.arg is None:
                has_unpacking = True
                self._eval(keyword.value)
            else:
                kwargs[keyword.arg] = self._eval(keyword.value)

        if isinstance(callee, ModuleRef):
            return self._call_named(callee, node, args, kwargs, has_unpacking)
        if isinstance(callee, BoundMethod):
            return self._call_method(callee, node, args, kwargs)
        if isinstance(callee, FunctionValue):
            self._called_functions.add(callee.node)
            return self._call_function(callee, args, kwargs)
        if isinstance(callee, LayerValue):
            return self._call_layer_object(callee.call, node, args, kwargs)
        if isinstance(callee, ModelValue):
            given = self._given(node, args, kwargs, ())
            if given is not None and not self.program.graph.full:
                return self._graph_result(
                    self.program.graph.call_model(callee.model, given, self._range(node)))
            self._record_training(callee.model, "__call__", node, args, kwargs)
            return UNKNOWN
        # An unknown callable may change any model or list handed to it.
        self._escape(args, kwargs)
        return UNKNOWN

    def _call_named(self, callee: ModuleRef, node: ast.Call, args: list[Value],
                    kwargs: dict[str, Value], has_unpacking: bool) -> Value:
        name = callee.name
        if name in SEQUENTIAL_NAMES:
            return self._new_sequential(node, args, kwargs)
        if name in MODEL_NAMES:
            return self._new_functional(node, args, kwargs)
        class_name = layer_class_name(name)
        if class_name is not None:
            call = self._layer_call(class_name, callee, node, args, kwargs, has_unpacking)
            if name in TENSOR_INPUT_NAMES:
                return self.program.graph.make_input(call)
            return LayerValue(call)
        if name in MERGE_FUNCTIONS and args:
            made = self._merge_function(MERGE_FUNCTIONS[name], callee, node, args, kwargs,
                                        has_unpacking)
            if made is not None:
                return made
        if name.startswith(KERAS_OPS) and name[len(KERAS_OPS):] in ops.OPS:
            made = self._tensor_op(name[len(KERAS_OPS):], node, args, kwargs)
            if made is not None:
                return made
        if name in STATIC_SHAPE_FUNCTIONS and len(args) == 1 and isinstance(args[0],
                                                                            TensorValue):
            return _tensor_attribute(args[0], "shape")
        if name in SET_IMAGE_DATA_FORMAT:
            value = args[0] if args else kwargs.get("data_format", UNKNOWN)
            try:
                # Keras takes str(data_format).lower(), and raises for anything else.
                text: str | None = str(to_python(value)).lower()
            except NotConstant:
                text = None
            self._set_image_data_format(
                text if text in ("channels_first", "channels_last") else None)
            return Const(None)
        if name in IMAGE_DATA_FORMAT and not args and not kwargs:
            return UNKNOWN if self._image_data_format is None else Const(self._image_data_format)
        if name in BUILTIN_FUNCTIONS:
            built = BUILTIN_FUNCTIONS[name](args, kwargs)
            if isinstance(built, Seq) and built.kind == "list":
                built = self._new_list(built.items)  # made here, in this region
            return built
        if name in INERT_CALLEES:
            return UNKNOWN
        if has_unpacking and name.startswith("keras.losses."):
            return UNKNOWN  # its arguments (from_logits...) are not known
        result = data_calls.call(name, args, kwargs, self._range(node), self.data_folder)
        if result is None:
            result = arrays.call(name, args, kwargs, self._range(node))
        if result is not None:
            return result
        self._escape(args, kwargs)
        return UNKNOWN

    def _set_image_data_format(self, value: str | None) -> None:
        # On a path that may not run, the branches' outcomes are joined (`_branches`).
        self._image_data_format = value

    def _layer_call(self, class_name: str, callee: ModuleRef, node: ast.Call, args: list[Value],
                    kwargs: dict[str, Value], has_unpacking: bool) -> LayerCall:
        self._steps += LAYER_STEPS
        positional = sum(1 for a in node.args if not isinstance(a, ast.Starred))
        at = self._range(node)
        return LayerCall(
            kind=layer_kind(callee.name),
            written_name=class_name,
            label=self._label(node, at, class_name),
            range=at,
            args=tuple(args),
            kwargs=kwargs,
            node=node,
            source=self.index,
            has_unpacking=has_unpacking or positional != len(args),
            file=self.file,
            image_data_format=self._image_data_format,
            via_tf=callee.via_tf if class_name in TF_KERAS_LEGACY_LAYERS else False,
        )

    def _label(self, node: ast.Call, at: Range, class_name: str) -> str:
        text = " ".join(self.index.text_of(at).split())
        # Show the arguments that identify the layer, not a long keyword tail.
        head = text[text.find("(") :] if "(" in text else "()"
        label = class_name + head
        if len(label) > 40:
            label = class_name + ("(...)" if node.args or node.keywords else "()")
            if node.args and not isinstance(node.args[0], ast.Starred):
                arg_text = self.index.text_of(self._range(node.args[0]))
                if len(arg_text) <= 20:
                    more = ", ..." if len(node.args) + len(node.keywords) > 1 else ""
                    label = f"{class_name}({arg_text}{more})"
        return label

    def _new_sequential(self, node: ast.Call, args: list[Value], kwargs: dict[str, Value]
                        ) -> Value:
        self._steps += MODEL_STEPS
        model = ModelIR(name="", range=self._range(node), callee_range=self._range(node.func),
                        file=self.file)
        name = kwargs.get("name")
        if isinstance(name, Const) and isinstance(name.value, str):
            model.name = name.value
        layers_value = args[0] if args else kwargs.get("layers")
        layers_node = node.args[0] if node.args else next(
            (k.value for k in node.keywords if k.arg == "layers"), None)
        if layers_value is not None and not (isinstance(layers_value, Const)
                                             and layers_value.value is None):
            if isinstance(layers_value, Seq):
                element_nodes: list[ast.expr | None] = (
                    list(layers_node.elts) if isinstance(layers_node, ast.List | ast.Tuple)
                    and len(layers_node.elts) == len(layers_value.items) else
                    [None] * len(layers_value.items))
                for item, element in zip(layers_value.items, element_nodes, strict=True):
                    self._add_entry(model, item, self._entry_range(item, element or node))
                if isinstance(layers_node, ast.List):
                    model.list_range = self._range(layers_node)
            else:
                model.lose_track(0)
        self.program.models.append(model)
        return ModelValue(model)

    def _entry_range(self, item: Value, written: ast.expr) -> Range:
        """Where a layer is placed in a model: the expression written there."""
        if isinstance(item, TensorValue) and item.node.input_call is not None:
            item = LayerValue(item.node.input_call)
        if isinstance(item, LayerValue) and item.call.node is written:
            return item.call.range  # the layer's own call, whose range is made already
        return self._range(written)

    def _add_entry(self, model: ModelIR, item: Value, at: Range) -> None:
        if isinstance(item, TensorValue) and item.node.input_call is not None:
            model.entries.append(LayerEntry(item.node.input_call, at))  # keras.Input(...)
        elif isinstance(item, LayerValue):
            model.entries.append(LayerEntry(item.call, at))
        elif isinstance(item, ModelValue):
            model.entries.append(LayerEntry(item.model, at))
        else:
            model.entries.append(LayerEntry(None, at))

    # -- the functional API ------------------------------------------------------------------

    def _call_layer_object(self, layer: LayerCall, node: ast.Call, args: list[Value],
                           kwargs: dict[str, Value]) -> Value:
        """`layer(x)`, `layer([a, b])`, `attention(query, value, key=k)`."""
        from shape_engine.layers import MULTI_INPUT_RULES

        rule = MULTI_INPUT_RULES.get(layer.kind or "")
        keywords = rule.tensor_keywords if rule is not None else ()
        given = self._given(node, args, kwargs, keywords,
                            several=rule is not None and not rule.takes_list)
        if given is None or self.program.graph.full:
            return UNKNOWN  # called on data, or on what is not known
        self._steps += LAYER_STEPS
        if rule is not None and not rule.takes_list and given.as_list:
            return UNKNOWN
        given.options = {k: v for k, v in kwargs.items() if k in CALL_OPTIONS}
        return self._graph_result(self.program.graph.call_layer(layer, given,
                                                                self._range(node)))

    def _merge_function(self, kind: str, callee: ModuleRef, node: ast.Call, args: list[Value],
                        kwargs: dict[str, Value], has_unpacking: bool) -> Value | None:
        """`layers.concatenate([a, b], axis=1)`: makes the layer and calls it on the list."""
        given = self._given(node, args[:1], {}, ())
        if given is None or self.program.graph.full:
            return None
        layer = self._layer_call(kind, callee, node, args[1:], kwargs, has_unpacking)
        layer.kind, layer.has_unpacking = kind, has_unpacking  # the list is not an argument
        self._steps += LAYER_STEPS
        return self._graph_result(self.program.graph.call_layer(layer, given,
                                                                self._range(node)))

    def _graph_result(self, made: TensorValue | list[TensorValue]) -> Value:
        return self._new_list(tuple(made)) if isinstance(made, list) else made

    def _given(self, node: ast.Call, args: list[Value], kwargs: dict[str, Value],
               keywords: tuple[str, ...], several: bool = False) -> Given | None:
        """The tensors a call receives, None when it is not called on tensors."""
        first = args[0] if args else kwargs.get("inputs")
        written: ast.expr | None = node.args[0] if node.args else next(
            (k.value for k in node.keywords if k.arg == "inputs"), None)
        named = {k.arg: k.value for k in node.keywords if k.arg}
        tensor_kwargs = {k: v for k, v in kwargs.items()
                         if k in keywords and isinstance(v, TensorValue)}
        if isinstance(first, TensorValue):
            positional = [first]
            names = [_name_of(written)]
            if several:
                for value, arg in zip(args[1:], node.args[1:], strict=False):
                    if not isinstance(value, TensorValue):
                        return None
                    positional.append(value)
                    names.append(_name_of(arg))
            names += [_name_of(named.get(k)) for k in tensor_kwargs]
            return Given(tuple(positional), False, tensor_kwargs, tuple(names), call=node)
        if isinstance(first, Seq) and first.items and all(
                isinstance(item, TensorValue) for item in first.items):
            elements = (written.elts if isinstance(written, ast.List | ast.Tuple)
                        and len(written.elts) == len(first.items) else [None] * len(first.items))
            names = [_name_of(e) for e in elements]
            names += [_name_of(named.get(k)) for k in tensor_kwargs]
            return Given(tuple(i for i in first.items if isinstance(i, TensorValue)), True,
                         tensor_kwargs, tuple(names), call=node)
        if first is None and tensor_kwargs:
            return Given((), False, tensor_kwargs,
                         tuple(_name_of(named.get(k)) for k in tensor_kwargs))
        return None

    def _new_functional(self, node: ast.Call, args: list[Value], kwargs: dict[str, Value]
                        ) -> Value:
        """`keras.Model(inputs, outputs, name=...)`; anything else (a subclass's
        `super().__init__()`, inputs not known) is not followed."""
        inputs = self._tensors_given(node, args, kwargs, "inputs", 0)
        outputs = self._tensors_given(node, args, kwargs, "outputs", 1)
        if inputs is None or outputs is None or self.program.graph.full:
            return UNKNOWN
        (input_tensors, input_keys), (output_tensors, output_keys) = inputs, outputs
        if not all(t.node.is_input for t in input_tensors):
            return UNKNOWN  # intermediate tensors as inputs: not modelled
        self._steps += MODEL_STEPS
        at = self._range(node)
        model = ModelIR(name="", range=at, callee_range=self._range(node.func), file=self.file)
        name = kwargs.get("name")
        if isinstance(name, Const) and isinstance(name.value, str):
            model.name = name.value
        if not self.program.graph.make_model(model, input_tensors, output_tensors, at):
            return UNKNOWN
        assert model.graph is not None
        model.graph.input_keys, model.graph.output_keys = input_keys, output_keys
        output_value = kwargs.get("outputs", args[1] if len(args) > 1 else None)
        model.graph.single_output = isinstance(output_value, TensorValue)
        self.program.models.append(model)
        return ModelValue(model)

    def _tensors_given(self, node: ast.Call, args: list[Value], kwargs: dict[str, Value],
                       keyword: str, position: int
                       ) -> tuple[tuple[TensorValue, ...], tuple[str, ...] | None] | None:
        """The tensors of `inputs`/`outputs`: one, a list or tuple, or a dict literal of
        names (its keys)."""
        value = kwargs.get(keyword, args[position] if len(args) > position else None)
        written = next((k.value for k in node.keywords if k.arg == keyword),
                       node.args[position] if len(node.args) > position else None)
        if isinstance(value, TensorValue):
            return (value,), None
        flat = _flat_tensors(value) if isinstance(value, Seq) else None
        if flat:
            return flat, None
        if isinstance(written, ast.Dict) and all(
                isinstance(k, ast.Constant) and isinstance(k.value, str) for k in written.keys):
            items = [self.scope.lookup(v.id) if isinstance(v, ast.Name) else UNKNOWN
                     for v in written.values]
            if items and all(isinstance(i, TensorValue) for i in items):
                keys = tuple(str(k.value) for k in written.keys if isinstance(k, ast.Constant))
                return tuple(i for i in items if isinstance(i, TensorValue)), keys
        return None

    def _call_method(self, method: BoundMethod, node: ast.Call, args: list[Value],
                     kwargs: dict[str, Value]) -> Value:
        receiver = self._current(method.receiver)  # the arguments may have changed it
        if isinstance(receiver, ModelValue):
            return self._model_method(receiver.model, method.name, node, args, kwargs)
        if isinstance(receiver, Seq) and receiver.kind == "list":
            return self._list_method(receiver, method.name, args, kwargs)
        if isinstance(receiver, ArrayValue):
            if method.name in ARRAY_RESHAPING_METHODS:
                self._mutated(receiver, UNKNOWN)  # `x.resize(...)`: a new shape, in place
                return UNKNOWN
            if method.name in ARRAY_VALUE_METHODS:
                self._mutated(receiver, _values_changed(receiver))
                return UNKNOWN
            return arrays.method(receiver, method.name, args, kwargs, self._range(node))
        if isinstance(receiver, Const) and isinstance(receiver.value, str):
            return _string_method(receiver.value, method.name, args)
        if isinstance(receiver, DataObject):
            result, changed = receiver.call_method(method.name, args, kwargs, self._range(node))
            if changed is not None:
                self._mutated(receiver, changed)  # `df.drop(..., inplace=True)`
            return result
        if isinstance(receiver, LayerValue):
            # Calling a layer's methods does not change any model's stack.
            return UNKNOWN
        self._escape(args, kwargs)
        return UNKNOWN

    def _model_method(self, model: ModelIR, name: str, node: ast.Call, args: list[Value],
                      kwargs: dict[str, Value]) -> Value:
        if name == "add":
            item = args[0] if args else kwargs.get("layer", UNKNOWN)
            at = self._entry_range(item, node.args[0] if node.args else node)
            if self._uncertain:
                # Added on some paths only: from here on the stack cannot be known.
                model.lose_track()
            self._add_entry(model, item, at)
            return Const(None)
        if name == "pop":
            # Keras rebuilds a model that has an input at each add and pop: the stack before
            # this pop was built, whatever comes after.
            self._supersede(model)
            if self._uncertain or not model.entries:
                model.lose_track(len(model.entries) - 1)
            else:
                model.entries.pop()
            return UNKNOWN
        if name == "build":
            shape = args[0] if args else kwargs.get("input_shape", UNKNOWN)
            shape_node = node.args[0] if node.args else node
            model.builds.append(BuildCall(self._range(node), shape, self._range(shape_node)))
            return Const(None)
        if name == "compile":
            values, nodes = _aligned_positional(node, args)
            model.compiles.append(CompileCall(
                self._range(node), kwargs,
                {k.arg: self._range(k.value) for k in node.keywords if k.arg},
                values, tuple(self._range(a) for a in nodes), file=self.file))
            return Const(None)
        if name in TRAINING_METHODS:
            self._record_training(model, name, node, args, kwargs)
            return UNKNOWN
        if name in INERT_MODEL_METHODS:
            return UNKNOWN
        model.lose_track()
        return UNKNOWN

    def _supersede(self, model: ModelIR) -> None:
        """Keep the stack about to be popped, unless an earlier one kept holds it (its
        refusals are that one's) or the model has kept enough."""
        if model.superseded:
            last = model.superseded[-1].entries
            if len(model.entries) <= len(last) and all(
                    a is b for a, b in zip(model.entries, last, strict=False)):
                return
        if len(model.superseded) < MAX_SNAPSHOTS:
            self._steps += len(model.entries)
            model.superseded.append(Snapshot(list(model.entries), model.opaque_from))

    def _record_training(self, model: ModelIR, method: str, node: ast.Call, args: list[Value],
                         kwargs: dict[str, Value]) -> None:
        if self.file is not None:
            return  # calls in other modules are checked when those modules are analysed
        self._steps += TRAINING_STEPS
        method_node = node.func.attr if isinstance(node.func, ast.Attribute) else None
        method_range = (self._attribute_name_range(node.func) if method_node else
                        self._range(node.func))
        values, nodes = _aligned_positional(node, args)
        # Keras reads a DataFrame or Series as its values.
        values = tuple(data_calls.as_keras_data(v) for v in values)
        kwargs = {k: data_calls.as_keras_data(v) for k, v in kwargs.items()}
        model.trainings.append(TrainingCall(
            method=method, range=self._range(node), method_range=method_range,
            args=values, kwargs=kwargs,
            arg_ranges=tuple(self._range(a) for a in nodes),
            kwarg_value_ranges={k.arg: self._range(k.value) for k in node.keywords if k.arg},
            compiled_before=bool(model.compiles), certain=not self._uncertain))

    def _attribute_name_range(self, node: ast.expr) -> Range:
        full = self._range(node)
        assert isinstance(node, ast.Attribute)
        end = full.end
        start_char = max(end.character - len(node.attr), 0)
        return Range(type(end)(end.line, start_char), end)

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
            elif isinstance(value, Seq) and value.holds_mutable:
                self._steps += len(value.items) // 4
                pending.extend(value.items)
                if value.kind == "list":
                    self._mutated(value, UNKNOWN)

    def _call_function(self, fn: FunctionValue, args: list[Value], kwargs: dict[str, Value],
                       use_defaults: bool = False) -> Value:
        if self._call_depth >= MAX_CALL_DEPTH:
            self._escape(args, kwargs)  # not followed: it may change what it is given
            return UNKNOWN
        scope = Scope(fn.scope if isinstance(fn.scope, Scope) else None)
        self._bind_parameters(fn, scope, args, kwargs, use_defaults)
        saved_scope, saved_file, saved_index = self.scope, self.file, self.index
        # The body's nodes belong to the defining module: its ranges, its models.
        self.scope, self.file = scope, fn.file
        self.index = fn.index if isinstance(fn.index, LineIndex) else self.index
        if isinstance(fn.node, ast.Lambda):
            try:
                return self._eval(fn.node.body)
            finally:
                self.scope, self.file, self.index = saved_scope, saved_file, saved_index
        self._call_depth += 1
        self._function_returns.append([])
        try:
            self._exec_body(fn.node.body)
            result: Value = Const(None)
            returns = self._function_returns[-1]
            if returns:
                result = _join(returns)
        except _Return as signal:
            returns = self._function_returns[-1]
            result = signal.value
            if returns:
                result = _join([result, *returns])
        finally:
            self._function_returns.pop()
            self._call_depth -= 1
            self.scope, self.file, self.index = saved_scope, saved_file, saved_index
        return result

    def _bind_parameters(self, fn: FunctionValue, scope: Scope, args: list[Value],
                         kwargs: dict[str, Value], use_defaults: bool) -> None:
        params = fn.node.args
        positional = [*params.posonlyargs, *params.args]
        bound: set[str] = set()
        for i, param in enumerate(positional):
            if i < len(args):
                scope.vars[param.arg] = args[i]
            elif param.arg in kwargs:
                scope.vars[param.arg] = kwargs[param.arg]
                bound.add(param.arg)
            else:
                scope.vars[param.arg] = fn.defaults.get(param.arg, UNKNOWN)
        for param in params.kwonlyargs:
            if param.arg in kwargs:
                scope.vars[param.arg] = kwargs[param.arg]
                bound.add(param.arg)
            else:
                scope.vars[param.arg] = fn.defaults.get(param.arg, UNKNOWN)
        if params.vararg:
            scope.vars[params.vararg.arg] = (Seq(tuple(args[len(positional):]))
                                             if not use_defaults else UNKNOWN)
        if params.kwarg:
            scope.vars[params.kwarg.arg] = UNKNOWN
            # What `**kwargs` holds is not followed: it may change through it.
            self._escape([], {k: v for k, v in kwargs.items() if k not in bound})

    def _range(self, node: ast.AST) -> Range:
        return self.index.range_of(node)


# What executes each kind of statement (any other: `Evaluator._other_statement`).
_STATEMENTS: dict[type, Callable[[Evaluator, Any], None]] = {
    ast.Assign: Evaluator._assign,
    ast.AnnAssign: Evaluator._annotated_assign,
    ast.AugAssign: Evaluator._augmented,
    ast.Expr: Evaluator._expression_statement,
    ast.Import: Evaluator._import,
    ast.ImportFrom: Evaluator._import_from,
    ast.FunctionDef: Evaluator._function_definition,
    ast.AsyncFunctionDef: Evaluator._function_definition,
    ast.ClassDef: Evaluator._class_definition,
    ast.Return: Evaluator._return,
    ast.If: Evaluator._if,
    ast.For: Evaluator._for,
    ast.AsyncFor: Evaluator._for,
    ast.While: Evaluator._while,
    ast.With: Evaluator._with,
    ast.AsyncWith: Evaluator._with,
    ast.Try: Evaluator._try,
    ast.Match: Evaluator._match,
    ast.Delete: Evaluator._delete_statement,
    ast.Global: Evaluator._declaration,
    ast.Nonlocal: Evaluator._declaration,
}

# What evaluates each kind of expression (any other: `Evaluator._other_expression`).
_EXPRESSIONS: dict[type, Callable[[Evaluator, Any], Value]] = {
    ast.Constant: Evaluator._constant,
    ast.Tuple: Evaluator._sequence_display,
    ast.List: Evaluator._sequence_display,
    ast.Attribute: Evaluator._attribute_of,
    ast.Call: Evaluator._call,
    ast.BinOp: Evaluator._binary,
    ast.UnaryOp: Evaluator._unary,
    ast.Subscript: Evaluator._subscript,
    ast.IfExp: Evaluator._conditional,
    ast.Lambda: Evaluator._function,
    ast.NamedExpr: Evaluator._walrus,
    ast.Compare: Evaluator._fold,
    ast.BoolOp: Evaluator._fold,
    ast.ListComp: Evaluator._comprehension,
    ast.GeneratorExp: Evaluator._comprehension,
    ast.SetComp: Evaluator._comprehension,
    ast.DictComp: Evaluator._comprehension,
}


# -- helpers ---------------------------------------------------------------------------------

def _tensor_attribute(tensor: TensorValue, attr: str) -> Value:
    """`x.shape` (a tuple, None for dims Keras does not know), `x.dtype`."""
    if attr == "shape" and tensor.shape is not None:
        return Seq(tuple(Const(d) for d in tensor.shape))
    if attr == "dtype" and tensor.dtype is not None:
        return Const(tensor.dtype)
    return UNKNOWN


def _flat_tensors(value: Seq, depth: int = 0) -> tuple[TensorValue, ...] | None:
    """The tensors of a list, nested lists flattened (`[[out, h, c], inputs]`: Keras takes
    any nest of tensors); None when it holds anything else."""
    found: list[TensorValue] = []
    for item in value.items:
        if isinstance(item, TensorValue):
            found.append(item)
        elif isinstance(item, Seq) and depth < 8:
            inner = _flat_tensors(item, depth + 1)
            if inner is None:
                return None
            found.extend(inner)
        else:
            return None
    return tuple(found)


def _known_shape(shape: MaybeShape) -> Shape:
    if shape is None:
        raise ops.NotModelled
    return shape


def _not_modelled() -> Shape:
    raise ops.NotModelled


def _name_of(node: ast.expr | None) -> str | None:
    """The variable a tensor argument is written as, for messages."""
    return node.id if isinstance(node, ast.Name) else None


def _truth(value: Value) -> bool | None:
    try:
        return bool(to_python(value))
    except NotConstant:
        return None


def _same(a: Value | None, b: Value | None) -> bool:
    """Whether two paths leave the same value: equal constants, or the very same object for
    what can change in place (two lists that look alike are still two lists)."""
    if a is b:
        return True
    if isinstance(a, Seq) and isinstance(b, Seq):
        return (a.kind == b.kind == "tuple" and len(a.items) == len(b.items)
                and all(_same(x, y) for x, y in zip(a.items, b.items, strict=True)))
    if isinstance(a, Const | ModuleRef | Unknown | ArrayValue) and type(a) is type(b):
        return a == b
    return False


def _join(values: Sequence[Value | None]) -> Value:
    """The value several paths leave (None: unbound on that path)."""
    first = values[0]
    if first is None or not all(_same(first, v) for v in values[1:]):
        return UNKNOWN
    if isinstance(first, ModuleRef) and any(
            isinstance(v, ModuleRef) and v.via_tf != first.via_tf for v in values):
        return ModuleRef(first.name, via_tf=None)  # `tensorflow.keras` on some paths only
    return first


def _values_changed(array: ArrayValue) -> ArrayValue:
    """Data whose values were changed in place: its shape and dtype stay, nothing else."""
    return ArrayValue(array.shape, array.dtype, array.origin)


def _unpack(value: Value, count: int) -> list[Value]:
    if isinstance(value, Seq) and len(value.items) == count:
        return list(value.items)
    if isinstance(value, ArrayValue):
        return arrays.unpack(value, count)
    return [UNKNOWN] * count


def _iteration_items(value: Value) -> list[Value] | None:
    if isinstance(value, Seq):
        return list(value.items)
    if isinstance(value, Const) and isinstance(value.value, str):
        if len(value.value) > MAX_SEQUENCE_LENGTH:
            return None
        return [Const(c) for c in value.value]
    if isinstance(value, _RangeValue):
        return [Const(i) for i in value.values]
    return None


def _constant_binop(op: ast.operator, left: Value, right: Value, a: object, b: object
                    ) -> Value:
    """`a op b` of the constants `left` and `right` hold, when it is cheap and small."""
    if not _affordable(op, left, right, a, b):
        return UNKNOWN
    if isinstance(a, str | bytes) or isinstance(b, str | bytes):
        if isinstance(op, ast.Add) and isinstance(a, str | bytes) and type(a) is type(b):
            return Const(a + b)  # type: ignore[operator]
        return UNKNOWN
    operation = _BINOPS.get(type(op))
    if operation is None:
        return UNKNOWN
    try:
        return from_python(operation(a, b))
    except Exception:
        return UNKNOWN


def _affordable(op: ast.operator, left: Value, right: Value, a: object, b: object) -> bool:
    """Whether `a op b` is cheap to compute and gives a small value: not `(0,) * 10**9`,
    `s = s + s` or `x = x * x` in a loop, `9 ** 10**6`."""
    if (isinstance(a, int) and a.bit_length() > MAX_INT_BITS) or (
            isinstance(b, int) and b.bit_length() > MAX_INT_BITS):
        return False
    kind = type(op)
    if kind is ast.Pow:
        return not (isinstance(b, int | float) and abs(b) > 64)
    if kind is ast.LShift:
        return not (isinstance(b, int) and b > 64)
    if kind is not ast.Add and kind is not ast.Mult:
        return True
    sizes = [v.size if isinstance(v, Seq) else len(x) if isinstance(x, str | bytes) else 1
             for v, x in ((left, a), (right, b))]
    if kind is ast.Add:
        return sum(sizes) <= MAX_SEQUENCE_LENGTH
    for x, count, size in ((a, b, sizes[0]), (b, a, sizes[1])):
        if isinstance(x, str | bytes | list | tuple) and isinstance(count, int):
            return count * size <= MAX_SEQUENCE_LENGTH
    return True


def _aligned_positional(node: ast.Call, args: list[Value]
                        ) -> tuple[tuple[Value, ...], list[ast.expr]]:
    """The positional arguments before the first `*iterable`, with their nodes: past one,
    which value sits at which position is not known (it may not have been expanded)."""
    nodes: list[ast.expr] = []
    for arg in node.args:
        if isinstance(arg, ast.Starred):
            break
        nodes.append(arg)
    return tuple(args[:len(nodes)]), nodes


# Tuples, not unions: isinstance takes them faster, at every node of a branch.
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_DECLARATIONS = (ast.Global, ast.Nonlocal)
_IMPORTS = (ast.Import, ast.ImportFrom)


def _names_bound_by(stmt: ast.stmt) -> frozenset[str] | None:
    """The names a statement may bind or unbind in the scope that runs it (every name it
    mentions, since `items.append(x)` rebinds `items` too), or None for a star import."""
    names: set[str] = set()
    for node in _nodes_within(stmt):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, _DEFINITIONS):
            names.add(node.name)
        elif isinstance(node, _DECLARATIONS):
            names.update(node.names)
        elif isinstance(node, _IMPORTS):
            for alias in node.names:
                if alias.name == "*":
                    return None
                names.add(alias.asname or alias.name.split(".")[0])
    return frozenset(names)


def _nodes_within(root: ast.AST) -> list[ast.AST]:
    """Every node of the tree at `root`, in no set order: what `ast.walk` yields, at a
    third of its cost (it is on the evaluator's path at every branch)."""
    found: list[ast.AST] = []
    pending: list[object] = [root]
    while pending:
        node = pending.pop()
        if not isinstance(node, ast.AST):
            continue  # the names of `global` and the None keys of `{**d}`
        found.append(node)
        for name in node._fields:
            value = getattr(node, name, None)
            if type(value) is list:
                pending.extend(value)
            elif isinstance(value, ast.AST):
                pending.append(value)
    return found


# The fields through which a statement holds statements (an except clause's and a match
# case's through their `body`).
STATEMENT_LISTS = ("body", "orelse", "finalbody", "handlers", "cases")


def _has_jump(body: list[ast.stmt]) -> bool:
    """break/continue make an unrolled loop's path depend on values we may not know. Any of
    them in the body counts, a nested loop's too. They are statements, so only statements
    are walked, not the expressions in them."""
    pending: list[ast.AST] = list(body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Break | ast.Continue):
            return True
        for name in STATEMENT_LISTS:
            pending.extend(getattr(node, name, ()))
    return False


@dataclass(frozen=True)
class _RangeValue(Value):
    """A `range(...)` with known bounds, as the ints it yields."""

    values: tuple[int, ...]


def _builtin_range(args: list[Value], kwargs: dict[str, Value]) -> Value:
    try:
        bounds = [_optional_int(to_python(a)) for a in args]
        if None in bounds:
            return UNKNOWN
        result = range(*bounds)  # type: ignore[arg-type]
        if len(result) > MAX_LOOP_ITERATIONS:  # OverflowError past sys.maxsize items
            return UNKNOWN
    except (NotConstant, TypeError, ValueError, OverflowError):
        return UNKNOWN
    return _RangeValue(tuple(result))


def _builtin_len(args: list[Value], kwargs: dict[str, Value]) -> Value:
    if len(args) != 1:
        return UNKNOWN
    (value,) = args
    if isinstance(value, Seq):
        return Const(len(value.items))
    if isinstance(value, Const) and isinstance(value.value, str | bytes):
        return Const(len(value.value))
    if isinstance(value, ArrayValue) and value.shape and value.shape[0] is not None:
        return Const(value.shape[0])
    if isinstance(value, _RangeValue):
        return Const(len(value.values))
    return UNKNOWN


def _pure(function: Callable[..., object]) -> Callable[[list[Value], dict[str, Value]], Value]:
    def call(args: list[Value], kwargs: dict[str, Value]) -> Value:
        try:
            # The arguments first: `function(*(generator), **named)` whose generator raises
            # leaks 64 bytes a call in CPython 3.11.
            positional = [to_python(a) for a in args]
            named = {k: to_python(v) for k, v in kwargs.items()}
            result = function(*positional, **named)
        except Exception:
            return UNKNOWN
        if isinstance(result, list) or (isinstance(result, tuple) and (
                len(result) > MAX_SEQUENCE_LENGTH or any(isinstance(i, list) for i in result))):
            return UNKNOWN  # `max(a, b)` of lists is one of them: a copy would not be
        return from_python(result)
    return call


def _sequence_of(kind: str) -> Callable[[list[Value], dict[str, Value]], Value]:
    def call(args: list[Value], kwargs: dict[str, Value]) -> Value:
        if not args:
            return Seq((), kind)  # type: ignore[arg-type]
        items = _iteration_items(args[0])
        if items is None:
            return UNKNOWN
        return Seq(tuple(items), kind)  # type: ignore[arg-type]
    return call


def _builtin_enumerate(args: list[Value], kwargs: dict[str, Value]) -> Value:
    start = args[1] if len(args) > 1 else kwargs.get("start", Const(0))
    items = _iteration_items(args[0]) if args else None
    if items is None or not (isinstance(start, Const) and isinstance(start.value, int)):
        return UNKNOWN
    return Seq(tuple(Seq((Const(start.value + i), item)) for i, item in enumerate(items)))


def _builtin_zip(args: list[Value], kwargs: dict[str, Value]) -> Value:
    columns = [_iteration_items(arg) for arg in args]
    if kwargs or not args or any(column is None for column in columns):
        return UNKNOWN
    return Seq(tuple(Seq(row) for row in zip(*columns, strict=False)))


def _builtin_reversed(args: list[Value], kwargs: dict[str, Value]) -> Value:
    items = _iteration_items(args[0]) if len(args) == 1 and not kwargs else None
    return UNKNOWN if items is None else Seq(tuple(reversed(items)))


def _string_method(text: str, name: str, args: list[Value]) -> Value:
    if name in ("lower", "upper", "strip") and not args:
        return Const(getattr(text, name)())
    return UNKNOWN


def _int(x: object) -> int:
    if isinstance(x, float | int | str | bool):
        return int(x)
    raise TypeError


def _optional_int(x: object) -> int | None:
    if x is None or (isinstance(x, int) and not isinstance(x, bool)):
        return x
    raise TypeError


BUILTIN_FUNCTIONS: dict[str, Callable[[list[Value], dict[str, Value]], Value]] = {
    "range": _builtin_range,
    "len": _builtin_len,
    # Iterators over the same items (as tuples: they cannot be changed through them).
    "enumerate": _builtin_enumerate,
    "zip": _builtin_zip,
    "reversed": _builtin_reversed,
    "tuple": _sequence_of("tuple"),
    "list": _sequence_of("list"),
    "int": _pure(_int),
    "float": _pure(float),
    "abs": _pure(abs),
    "min": _pure(min),
    "max": _pure(max),
    "sum": _pure(sum),
    "round": _pure(round),
    "str": _pure(str),
    "bool": _pure(bool),
}

_BINOPS: dict[type, Callable[[object, object], object]] = {
    ast.Add: lambda a, b: a + b,  # type: ignore[operator]
    ast.Sub: lambda a, b: a - b,  # type: ignore[operator]
    ast.Mult: lambda a, b: a * b,  # type: ignore[operator]
    ast.Div: lambda a, b: a / b,  # type: ignore[operator]
    ast.FloorDiv: lambda a, b: a // b,  # type: ignore[operator]
    ast.Mod: lambda a, b: a % b,  # type: ignore[operator]
    ast.Pow: lambda a, b: a**b,  # type: ignore[operator]
    ast.LShift: lambda a, b: a << b,  # type: ignore[operator]
    ast.RShift: lambda a, b: a >> b,  # type: ignore[operator]
    ast.BitOr: lambda a, b: a | b,  # type: ignore[operator]
    ast.BitAnd: lambda a, b: a & b,  # type: ignore[operator]
    ast.BitXor: lambda a, b: a ^ b,  # type: ignore[operator]
}


def _fold_constants(node: ast.expr, values: list[object]) -> object:
    if isinstance(node, ast.BoolOp):
        if isinstance(node.op, ast.And):
            result: object = True
            for v in values:
                result = v
                if not v:
                    return v
            return result
        for v in values:
            if v:
                return v
        return values[-1]
    if isinstance(node, ast.Compare):
        left = values[0]
        for op, right in zip(node.ops, values[1:], strict=True):
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    raise NotConstant


_COMPARE: dict[type, Callable[[object, object], bool]] = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a < b,  # type: ignore[operator]
    ast.LtE: lambda a, b: a <= b,  # type: ignore[operator]
    ast.Gt: lambda a, b: a > b,  # type: ignore[operator]
    ast.GtE: lambda a, b: a >= b,  # type: ignore[operator]
    ast.Is: lambda a, b: a is b,
    ast.IsNot: lambda a, b: a is not b,
    ast.In: lambda a, b: a in b,  # type: ignore[operator]
    ast.NotIn: lambda a, b: a not in b,  # type: ignore[operator]
}
