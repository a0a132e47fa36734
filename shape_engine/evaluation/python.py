"""Python semantics: statements, expressions, names and scopes, functions, imports and calls,
followed just far enough to see how Keras models are written (see the package's docstring).

What Keras objects do when called or used (layers, models, tensors) is `keras_objects`: it
fills in the hooks at the end of `PythonSemantics`."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from shape_engine.data import arrays, datasets
from shape_engine.data import calls as data_calls
from shape_engine.data.datasets import DatasetValue
from shape_engine.data.objects import DataObject
from shape_engine.evaluation import classes, dicts, limits, summarised_loops
from shape_engine.evaluation.builtin_functions import (
    BUILTIN_FUNCTIONS,
    iteration_items,
    string_method,
    unpack,
)
from shape_engine.evaluation.classes import ClassValue, ObjectValue, SuperValue
from shape_engine.evaluation.constants import (
    constant_binop,
    fold_constants,
    optional_int,
    truth_of,
)
from shape_engine.evaluation.data import DataValues, values_changed
from shape_engine.evaluation.dicts import ModelDict
from shape_engine.evaluation.limits import (
    CHECK_EVERY,
    MAX_CALL_DEPTH,
    MAX_EXPRESSION_DEPTH,
    MAX_LOOP_ITERATIONS,
    MAX_SEQUENCE_LENGTH,
)
from shape_engine.evaluation.scope import DataBinding, Program, Return, Scope, join
from shape_engine.evaluation.syntax import has_jump, names_bound_by, nodes_within
from shape_engine.ir import LayerCall, ModelIR
from shape_engine.keras.attributes import keeps_shapes
from shape_engine.keras.tensors import TensorValue
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
    Value,
    dict_display,
    from_python,
    module_ref,
    to_python,
)

MODULE_ROOTS = frozenset({"tensorflow", "keras", "numpy", "sklearn", "tf_keras", "pandas",
                          "keras_core"})
# Callables that may be handed a model without changing its layers.
INERT_CALLEES = frozenset(
    {"print", "len", "str", "repr", "isinstance", "type", "id", "hash", "keras.utils.plot_model",
     "keras.utils.model_to_dot", "keras.models.save_model", "keras.saving.save_model"}
)
# Expressions the evaluator does not model that keep the values they are made of (a dict or a
# set holds them, a generator hands them on): what they hold may change through them.
HOLDING_EXPRESSIONS = (ast.Dict, ast.Set, ast.Yield, ast.YieldFrom, ast.Await, ast.Starred)


class PythonSemantics(DataValues):
    # -- entry point -------------------------------------------------------------------------

    def run(self) -> Program:
        self._exec_body(self.tree.body)
        self._run_uncalled_functions(self.tree.body)
        saved = (dict(self.scope.vars), dict(self._forward), self._image_data_format)
        classes.run_unused(self, self.tree.body)  # and the methods of classes
        self.scope.vars, self._forward, self._image_data_format = saved
        self.program.steps, self.program.budget = self._steps, self._budget
        return self.program

    def _run_uncalled_functions(self, body: list[ast.stmt]) -> None:
        """Functions never called in the file still build models: evaluate them once."""
        for stmt in body:
            if isinstance(stmt, _FUNCTION_DEFINITIONS):
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
            _STATEMENTS.get(type(stmt), _other_statement)(self, stmt)

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
        self._set_name(stmt.name, classes.define(self, stmt))

    def _return(self, stmt: ast.Return) -> None:
        value = self._eval(stmt.value) if stmt.value is not None else Const(None)
        if self._function_returns:
            self._function_returns[-1].append(value)
            if not self._uncertain:
                raise Return(value)

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

    def _if(self, stmt: ast.If) -> None:
        test = self._eval(stmt.test)
        truth = truth_of(test)
        if truth is True:
            self._exec_body(stmt.body)
        elif truth is False:
            self._exec_body(stmt.orelse)
        else:
            self._branches([stmt.body, stmt.orelse], fallthrough=False)

    def _for(self, stmt: ast.For | ast.AsyncFor) -> None:
        iterable = self._eval(stmt.iter)
        items = iteration_items(iterable)
        if (items is not None and len(items) >= summarised_loops.MIN_TURNS
                and isinstance(stmt, ast.For) and self._summarised(stmt, items)):
            return
        turns = self._loop_turns * len(items) if items is not None else None
        if turns is not None and turns <= MAX_LOOP_ITERATIONS and not self._jumps_in(stmt):
            assert items is not None
            outer, self._loop_turns = self._loop_turns, max(1, turns)
            try:
                for item in items:
                    self._bind(stmt.target, item, None)
                    self._exec_body(stmt.body)
            finally:
                self._loop_turns = outer
            self._exec_body(stmt.orelse)
            return
        # `for row in X:` gives X[i] at every turn, whatever the turn.
        row = arrays.row(iterable) if isinstance(iterable, ArrayValue) else UNKNOWN
        self._bind(stmt.target, row, None)
        self._branches([stmt.body + stmt.orelse], fallthrough=True)

    def _summarised(self, loop: ast.For, items: list[Value]) -> bool:
        """A loop that only appends, run for its first and last turns (see summarised_loops)."""
        appends = summarised_loops.appended_lists(
            loop, lambda name: isinstance(self.scope.lookup(name), ModuleRef))
        lists = {name: self._current(self.scope.lookup(name)) for name in appends or {}}
        if appends is None or not all(isinstance(v, Seq) and v.kind == "list"
                                      for v in lists.values()):
            return False
        for item in (items[0], items[-1]):
            self._bind(loop.target, item, None)
            self._exec_body(loop.body)
        for name, before in lists.items():
            assert isinstance(before, Seq)
            now, start, count = self._current(before), len(before.items), appends[name]
            made = now.items[start:] if isinstance(now, Seq) else ()
            turns = None if len(made) != 2 * count else summarised_loops.every_turn(
                list(made[:count]), list(made[count:]), len(items))
            self._change_list(before, None if turns is None else [*before.items, *turns])
        return True

    def _jumps_in(self, loop: ast.For | ast.AsyncFor) -> bool:
        # Cached: a loop nested in an unrolled loop is entered at every turn.
        found = self._jumps.get(loop)
        if found is None:
            found = self._jumps[loop] = has_jump(loop.body)
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
            merged[name] = join([o.get(name) for o in outcomes])
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
                variables[name] = join(values)

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
                    names = self._bound_names[stmt] = names_bound_by(stmt)
                if names is None:
                    return None
                found |= names
        return frozenset(found)

    # -- binding -----------------------------------------------------------------------------

    def _bind(self, target: ast.expr, value: Value, value_node: ast.expr | None) -> None:
        if type(target) is _NAME:
            here = self.scope
            if here.globals or here.nonlocals:
                self._set_name(target.id, value)
            else:
                here.vars[target.id] = value  # the common case, as `_set_name` has it
            if isinstance(value, ModelValue) and not value.model.variable:
                value.model.variable = target.id
                value.model.name = value.model.name or target.id
            if isinstance(value, _DATA_BOUND) and self.file is None:
                self.program.data.append(DataBinding(target.id, target, self.index, value))
        elif isinstance(target, _UNPACKED):
            for element, item in zip(target.elts, self._unpack_into(target.elts, value),
                                     strict=True):
                self._bind(element.value if isinstance(element, ast.Starred) else element,
                           item, None)
        elif isinstance(target, ast.Starred):
            self._bind(target.value, UNKNOWN, None)
        elif isinstance(target, ast.Attribute):
            receiver = self._eval(target.value)
            if isinstance(receiver, ModelValue) and keeps_shapes(target.attr):
                pass  # `model.trainable = False`: the shapes stay
            elif isinstance(receiver, ModelValue):
                # Writing into an object we track (model.layers = ...) makes it unknowable.
                receiver.model.lose_track(0)
            elif isinstance(receiver, _USER_OBJECTS):  # `self.model = ...`
                classes.set_attribute(receiver, target.attr, value,
                                      may_not_run=receiver.region < self._region)
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
            elif isinstance(receiver, ModelDict):  # `models["big"] = build(64)`
                dicts.set_item(receiver, self._eval(target.slice), value,
                               may_not_run=receiver.region < self._region)
            elif isinstance(receiver, ArrayValue):
                self._mutated(receiver, values_changed(receiver))  # `y[y > 9] = 9`
            elif isinstance(receiver, DataObject):  # `df["new"] = ...`
                self._mutated(receiver, receiver.after_store(target.slice, value, self._eval))
            else:
                self._escape([value], {})

    def _set_name(self, name: str, value: Value) -> None:
        here = self.scope
        if name not in here.globals and name not in here.nonlocals:  # the common case
            here.vars[name] = value
            return
        scope = here.owner(name)
        if scope is not self.scope and self._uncertain:
            # `global` / `nonlocal` written on a path that may not run: either value.
            value = join([scope.vars.get(name), value])
        scope.vars[name] = value

    def _unpack_into(self, elements: list[ast.expr], value: Value) -> list[Value]:
        """The values `a, *rest, b = value` binds, one per element (a starred one gets a list)."""
        stars = [i for i, e in enumerate(elements) if isinstance(e, ast.Starred)]
        if not stars:
            return unpack(value, len(elements))
        if len(stars) > 1:
            return [UNKNOWN] * len(elements)
        before = stars[0]
        after = len(elements) - before - 1
        items = iteration_items(value)
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
                more = iteration_items(right)
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
            self._mutated(current, values_changed(current))
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
        sub = type(self)(tree, LineIndex(text), path, self.resolver,
                         self._importing | {path} | ({self.file} if self.file else set()))
        # The module's allowance joins the budget both share.
        self._budget += sub._budget - limits.BASE_STEPS
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
        # The commonest nodes, and leaves: no depth to track.
        node_kind: type = type(node)
        if node_kind is _NAME:
            # Most names are bound in the innermost scope: read there without the call.
            name, scope = node.id, self.scope  # type: ignore[attr-defined]
            value = scope.vars.get(name)
            if value is None or name in scope.globals:
                value = scope.lookup(name)
        elif node_kind is _CONSTANT:
            value = self._constants.get(node)  # type: ignore[call-overload]
            if value is not None:
                return value  # a literal whose use costs no more steps (see `_constant`)
            value = self._constant(node)  # type: ignore[arg-type]
        else:
            self._expr_depth += 1
            try:
                value = _EXPRESSIONS.get(node_kind, _other_expression)(self, node)
            finally:
                self._expr_depth -= 1
        value_kind: type = type(value)
        if value_kind in _HANDED_ON:  # tensors, layers, names: nothing below applies
            return value
        if value_kind is Const:  # the next commonest: a literal
            text = value.value  # type: ignore[attr-defined]
            if charge and isinstance(text, _TEXT):
                self._steps += len(text) // 64  # a long string is walked by its user too
            return value
        if isinstance(value, Seq):
            if self._forward:
                value = self._current(value)
            return self._charged(value) if charge else value
        if isinstance(value, _CHANGING):
            return self._current(value) if self._forward else value
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
        """A literal's value, for `_eval` when `_constants` does not hold it yet.

        One value per literal (a constant is equal to its copies, and never changes): a
        helper function's body is evaluated at every call. `_eval` hands on what
        `_constants` holds without charging it: a text of 64 characters or more, charged
        at each use, is not kept there."""
        literal = node.value
        if literal is ...:
            value: Value = UNKNOWN
        else:
            # One Const per value too ("same" and 3 are written many times), by type (1,
            # 1.0 and True are equal but not the same literal).
            key = (type(literal), literal)
            found = self._literals.get(key)
            value = found if found is not None else self._literals.setdefault(
                key, Const(literal))
        if not (isinstance(literal, _TEXT) and len(literal) >= 64):
            self._constants[node] = value
        return value

    def _sequence_display(self, node: ast.Tuple | ast.List) -> Value:
        items: list[Value] = []
        for element in node.elts:
            if type(element) is _STARRED:
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
        receiver = self._eval(node.value, charge=False)
        if type(receiver) is ModuleRef:  # `layers.Dense`, at every layer: the commonest
            return receiver.attribute(node.attr)
        return self._attribute(receiver, node.attr)

    def _binary(self, node: ast.BinOp) -> Value:
        left, right = self._eval(node.left), self._eval(node.right)
        if isinstance(left, TensorValue) or isinstance(right, TensorValue):
            made = self._tensor_binary(node, left, right)
            if made is not None:
                return made
        return self._binop(node.op, left, right)

    def _unary(self, node: ast.UnaryOp) -> Value:
        return self._unaryop(node.op, self._eval(node.operand))

    def _conditional(self, node: ast.IfExp) -> Value:
        truth = truth_of(self._eval(node.test))
        if truth is True:
            return self._eval(node.body)
        if truth is False:
            return self._eval(node.orelse)
        body, orelse = self._eval(node.body), self._eval(node.orelse)
        return join([body, orelse])

    def _walrus(self, node: ast.NamedExpr) -> Value:
        value = self._eval(node.value)
        self._bind(node.target, value, node.value)
        return value

    def _formatted_string(self, node: ast.JoinedStr) -> Value:
        """An f-string of known strings and integers (`f"{DATA}/x_train.npy"`): its text, up
        to a path's length; else unknown. Every part is evaluated (for its calls)."""
        parts: list[str] = []
        known = True
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                parts.append(part.value)
                continue
            inner = self._eval(part.value) if isinstance(part, ast.FormattedValue) else UNKNOWN
            if (isinstance(part, ast.FormattedValue) and part.conversion == -1
                    and part.format_spec is None and isinstance(inner, Const)
                    and type(inner.value) in (str, int)):
                parts.append(str(inner.value))
            else:
                known = False
        text = "".join(parts)
        return Const(text) if known and len(text) <= MAX_FORMATTED_LENGTH else UNKNOWN

    def _dict_display(self, node: ast.Dict) -> Value:
        made, held = dicts.display(node, self._eval, self._region)
        if made is not None:
            return made  # a dict of models, followed
        self._escape(held, {})  # `{"o": model}`: changed through the dict, maybe
        return dict_display(node, held)  # data by name, read where it is written

    def _other_expression(self, node: ast.expr) -> Value:
        # Evaluate children for their side effects (calls on models), then give up.
        children = [self._eval(child) for child in ast.iter_child_nodes(node)
                    if isinstance(child, ast.expr)]
        if isinstance(node, HOLDING_EXPRESSIONS):
            self._escape(children, {})  # `{"o": model}`: changed through the dict, maybe
        if isinstance(node, ast.Dict):
            return dict_display(node, children)
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
            result = fold_constants(node, consts)
        except Exception:
            return UNKNOWN
        return from_python(result)

    def _comprehension(self, node: ast.expr) -> Value:
        """`[Dense(u) for u in (64, 32)]`: unrolled like a literal loop."""
        if not isinstance(node, ast.ListComp) or len(node.generators) != 1:
            self._escape_names(node)
            return UNKNOWN
        generator = node.generators[0]
        items = iteration_items(self._eval(generator.iter))
        # Too long to unroll, but pure: its first and last items show every item's kind.
        summarised = (items is not None and len(items) > MAX_LOOP_ITERATIONS
                      and not generator.ifs and summarised_loops.pure_expression(
                          node.elt, lambda name: isinstance(self.scope.lookup(name), ModuleRef)))
        if items is None or (len(items) > MAX_LOOP_ITERATIONS and not summarised) or (
                generator.ifs):
            self._escape_names(node)
            return UNKNOWN
        # The loop variables are the comprehension's own: put back what they were.
        names = {n.id for n in ast.walk(generator.target) if isinstance(n, ast.Name)}
        variables = self.scope.vars
        saved = {name: variables[name] for name in names if name in variables}
        results = []
        for item in [items[0], items[-1]] if summarised else items:
            self._bind_local(generator.target, item)
            results.append(self._eval(node.elt))
        if summarised:
            results = summarised_loops.every_turn(results[:1], results[1:], len(items)) or [
                UNKNOWN]
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
        self._escape([self.scope.lookup(n.id) for n in nodes_within(node)
                      if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)], {})

    def _attribute(self, receiver: Value, attr: str) -> Value:
        if isinstance(receiver, ModuleRef):
            return receiver.attribute(attr)
        if isinstance(receiver, _OBJECTS):
            return classes.attribute(self, receiver, attr)
        if isinstance(receiver, _WITH_METHODS):
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
            return self._tensor_attribute(receiver, attr)
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
        if isinstance(receiver, ModelDict):
            return dicts.subscript(receiver, UNKNOWN if index is None else index)
        if isinstance(receiver, Seq):
            if isinstance(node.slice, ast.Slice):
                bounds = [self._eval(b) if b is not None else Const(None)
                          for b in (node.slice.lower, node.slice.upper, node.slice.step)]
                try:
                    lower, upper, step = (optional_int(to_python(b)) for b in bounds)
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

    def _binop(self, op: ast.operator, left: Value, right: Value) -> Value:
        if isinstance(left, Const) and isinstance(right, Const):  # the commonest case, first
            return constant_binop(op, left, right, left.value, right.value)
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
        return constant_binop(op, left, right, a, b)

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
            if type(arg) is _STARRED:
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
        if type(callee) is LayerValue:  # the next commonest: `Dense(8)(x)`
            return self._call_layer_object(callee.call, node, args, kwargs)
        if isinstance(callee, BoundMethod):
            return self._call_method(callee, node, args, kwargs)
        if isinstance(callee, FunctionValue):
            self._called_functions.add(callee.node)
            return self._call_function(callee, args, kwargs)
        if isinstance(callee, ClassValue):
            return classes.instantiate(self, callee, node, args, kwargs)
        if isinstance(callee, ObjectValue):
            return classes.call_object(self, callee, node, args, kwargs)
        if isinstance(callee, LayerValue):
            return self._call_layer_object(callee.call, node, args, kwargs)
        if isinstance(callee, ModelValue):
            return self._call_model(callee, node, args, kwargs)
        # An unknown callable may change any model or list handed to it.
        self._escape(args, kwargs)
        return UNKNOWN

    def _call_named(self, callee: ModuleRef, node: ast.Call, args: list[Value],
                    kwargs: dict[str, Value], has_unpacking: bool) -> Value:
        name = callee.name
        made = self._call_keras(callee, node, args, kwargs, has_unpacking)
        if made is not None:
            return made
        if name == "super":
            return classes.make_super(self, args)
        if name in BUILTIN_FUNCTIONS:
            built = BUILTIN_FUNCTIONS[name](args, kwargs)
            if isinstance(built, Seq) and built.kind == "list":
                built = self._new_list(built.items)  # made here, in this region
            return built
        if name in INERT_CALLEES:
            return UNKNOWN
        if has_unpacking and name.startswith("keras.losses."):
            return UNKNOWN  # its arguments (from_logits...) are not known
        at = self._range(node)
        result = data_calls.call(name, args, kwargs, at, self.data_folder)
        if result is None:
            result = arrays.call(name, args, kwargs, at)
        if result is None:
            result = datasets.call(name, args, kwargs, at)
        if result is not None:
            return result
        self._escape(args, kwargs)
        return UNKNOWN

    def _call_method(self, method: BoundMethod, node: ast.Call, args: list[Value],
                     kwargs: dict[str, Value]) -> Value:
        receiver = self._current(method.receiver)  # the arguments may have changed it
        if isinstance(receiver, _METHOD_RECEIVERS):
            return classes.call_bound(self, receiver, method.name, node, args, kwargs)
        if isinstance(receiver, ModelDict):
            result, handed = dicts.method(receiver, method.name, args, kwargs)
            self._escape(handed, {})
            return result
        if isinstance(receiver, ModelValue):
            return self._model_method(receiver.model, method.name, node, args, kwargs)
        if isinstance(receiver, Seq) and receiver.kind == "list":
            return self._list_method(receiver, method.name, args, kwargs)
        if isinstance(receiver, ArrayValue):
            return self._array_method(receiver, method.name, node, args, kwargs)
        if isinstance(receiver, Const) and isinstance(receiver.value, str):
            return string_method(receiver.value, method.name, args)
        if isinstance(receiver, DataObject):
            return self._data_object_method(receiver, method.name, node, args, kwargs)
        if isinstance(receiver, LayerValue):
            # Calling a layer's methods does not change any model's stack.
            return UNKNOWN
        if isinstance(receiver, DatasetValue):
            return datasets.method(receiver, method.name, args, kwargs, self._range(node),
                                   self._apply)
        self._escape(args, kwargs)
        return UNKNOWN

    def _apply(self, function: Value, args: list[Value]) -> Value:
        """Dataset.map's function on one element's parts."""
        if isinstance(function, FunctionValue):
            self._called_functions.add(function.node)
            return self._call_function(function, args, {})
        return UNKNOWN

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
                result = join(returns)
        except Return as signal:
            returns = self._function_returns[-1]
            result = signal.value
            if returns:
                result = join([result, *returns])
        finally:
            self._function_returns.pop()
            self._call_depth -= 1
            self.scope, self.file, self.index = saved_scope, saved_file, saved_index
        return result

    def _bind_parameters(self, fn: FunctionValue, scope: Scope, args: list[Value],
                         kwargs: dict[str, Value], use_defaults: bool) -> None:
        params = fn.node.args
        positional = [*params.posonlyargs, *params.args] if params.posonlyargs else params.args
        variables, defaults, given = scope.vars, fn.defaults, len(args)
        bound: set[str] = set()
        for i, param in enumerate(positional):
            name = param.arg
            if i < given:
                variables[name] = args[i]
            elif name in kwargs:
                variables[name] = kwargs[name]
                bound.add(name)
            else:
                variables[name] = defaults.get(name, UNKNOWN)
        for param in params.kwonlyargs:
            name = param.arg
            if name in kwargs:
                variables[name] = kwargs[name]
                bound.add(name)
            else:
                variables[name] = defaults.get(name, UNKNOWN)
        if params.vararg:
            variables[params.vararg.arg] = (Seq(tuple(args[len(positional):]))
                                            if not use_defaults else UNKNOWN)
        if params.kwarg:
            variables[params.kwarg.arg] = UNKNOWN
            # What `**kwargs` holds is not followed: it may change through it.
            self._escape([], {k: v for k, v in kwargs.items() if k not in bound})

    # -- Keras objects: filled in by `KerasObjects`; here, what Python alone can say --------

    def _call_keras(self, callee: ModuleRef, node: ast.Call, args: list[Value],
                    kwargs: dict[str, Value], has_unpacking: bool) -> Value | None:
        """A call of a Keras name (a layer, a model, an op, a setting); None when it is not
        one, or not one that Keras' part follows."""
        return None

    def _call_layer_object(self, layer: LayerCall, node: ast.Call, args: list[Value],
                           kwargs: dict[str, Value]) -> Value:
        """`layer(x)`: a layer object called."""
        return UNKNOWN

    def _call_model(self, callee: ModelValue, node: ast.Call, args: list[Value],
                    kwargs: dict[str, Value]) -> Value:
        """`model(x)`: a model called."""
        return UNKNOWN

    def _model_method(self, model: ModelIR, name: str, node: ast.Call, args: list[Value],
                      kwargs: dict[str, Value]) -> Value:
        """`model.add(...)`, `model.fit(...)`: a model's method called."""
        return UNKNOWN

    def _keras_object_made(self, obj: ObjectValue, kwargs: dict[str, Value]) -> None:
        """An instance of the user's subclass of a Keras Model or Layer was just made."""

    def _keras_object_method(self, obj: ObjectValue, name: str, node: ast.Call,
                             args: list[Value], kwargs: dict[str, Value],
                             through_super: bool) -> Value:
        """Keras' own method (`fit`, `build`...) called on the user's Model or Layer."""
        self._escape([obj, *args], kwargs)
        return UNKNOWN

    def _keras_object_called(self, obj: ObjectValue, node: ast.Call, args: list[Value],
                             kwargs: dict[str, Value]) -> Value:
        """The user's Model or Layer called (`net(x)`): Keras runs its `call`."""
        self._escape([obj, *args], kwargs)
        return UNKNOWN

    def _tensor_binary(self, node: ast.BinOp, left: Value, right: Value) -> Value | None:
        """A Python operator with a symbolic tensor on either side; None when not modelled."""
        return None

    def _tensor_attribute(self, tensor: TensorValue, attr: str) -> Value:
        """`x.shape`, `x.dtype` of a symbolic tensor."""
        return UNKNOWN

    def _tensor_subscript(self, tensor: TensorValue, node: ast.Subscript) -> Value:
        """`x[:, 0]` on a symbolic tensor."""
        return UNKNOWN


# Values `_eval` hands on as they are (by exact type): neither sequences, data nor constants.
# Tested at every binding, attribute or value: tuples made once (`A | B` in the test
# would make its union anew at each call).
_DATA_BOUND = (ArrayValue, TensorValue)
_NAME, _CONSTANT = ast.Name, ast.Constant  # one global lookup each in `_eval`
_TEXT = (str, bytes)
_STARRED = ast.Starred
_FUNCTION_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_USER_OBJECTS = (ObjectValue, ClassValue)
_METHOD_RECEIVERS = (ObjectValue, SuperValue)
_UNPACKED = (ast.Tuple, ast.List)
_CHANGING = (ArrayValue, DataObject)
_OBJECTS = (ObjectValue, ClassValue, SuperValue)
_WITH_METHODS = (ModelValue, LayerValue, ModelDict, DatasetValue)
_HANDED_ON = frozenset({TensorValue, LayerValue, ModuleRef, type(UNKNOWN), FunctionValue,
                        ModelValue, BoundMethod})
assert not any(issubclass(kind, Seq | ArrayValue | DataObject | Const) for kind in _HANDED_ON)

# What executes each kind of statement (any other: `_other_statement`).
_other_statement = PythonSemantics._other_statement
_STATEMENTS: dict[type, Callable[[PythonSemantics, Any], None]] = {
    ast.Assign: PythonSemantics._assign,
    ast.AnnAssign: PythonSemantics._annotated_assign,
    ast.AugAssign: PythonSemantics._augmented,
    ast.Expr: PythonSemantics._expression_statement,
    ast.Import: PythonSemantics._import,
    ast.ImportFrom: PythonSemantics._import_from,
    ast.FunctionDef: PythonSemantics._function_definition,
    ast.AsyncFunctionDef: PythonSemantics._function_definition,
    ast.ClassDef: PythonSemantics._class_definition,
    ast.Return: PythonSemantics._return,
    ast.If: PythonSemantics._if,
    ast.For: PythonSemantics._for,
    ast.AsyncFor: PythonSemantics._for,
    ast.While: PythonSemantics._while,
    ast.With: PythonSemantics._with,
    ast.AsyncWith: PythonSemantics._with,
    ast.Try: PythonSemantics._try,
    ast.Match: PythonSemantics._match,
    ast.Delete: PythonSemantics._delete_statement,
    ast.Global: PythonSemantics._declaration,
    ast.Nonlocal: PythonSemantics._declaration,
}

# What evaluates each kind of expression (names and literals: `_eval` itself; any other:
# `_other_expression`).
_other_expression = PythonSemantics._other_expression
# The longest f-string text kept (paths to data files, mostly).
MAX_FORMATTED_LENGTH = 4096
_EXPRESSIONS: dict[type, Callable[[PythonSemantics, Any], Value]] = {
    ast.Tuple: PythonSemantics._sequence_display,
    ast.List: PythonSemantics._sequence_display,
    ast.Attribute: PythonSemantics._attribute_of,
    ast.Call: PythonSemantics._call,
    ast.BinOp: PythonSemantics._binary,
    ast.UnaryOp: PythonSemantics._unary,
    ast.Subscript: PythonSemantics._subscript,
    ast.IfExp: PythonSemantics._conditional,
    ast.Lambda: PythonSemantics._function,
    ast.NamedExpr: PythonSemantics._walrus,
    ast.Compare: PythonSemantics._fold,
    ast.BoolOp: PythonSemantics._fold,
    ast.ListComp: PythonSemantics._comprehension,
    ast.GeneratorExp: PythonSemantics._comprehension,
    ast.SetComp: PythonSemantics._comprehension,
    ast.DictComp: PythonSemantics._comprehension,
    ast.JoinedStr: PythonSemantics._formatted_string,
    ast.Dict: PythonSemantics._dict_display,
}
