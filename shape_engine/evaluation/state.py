"""The state the parts of the evaluator share: the module and scope it is in, what it found so
far, the steps it spent and may spend, Keras' settings as the program set them."""

from __future__ import annotations

import ast

from shape_engine import budget
from shape_engine.data.files import DataFolder
from shape_engine.evaluation import limits
from shape_engine.evaluation.limits import CHECK_EVERY, STEPS_PER_CHARACTER
from shape_engine.evaluation.scope import ModuleResolver, Program
from shape_engine.findings import Range
from shape_engine.source import LineIndex
from shape_engine.values import Const, Value


class EvaluatorState:
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
        # Run as a script (the document, a notebook's kernel): `if __name__ == "__main__":`
        # is taken; an imported module is named otherwise.
        self.scope.vars["__name__"] = Const("__main__" if file is None else file)
        self._uncertain = 0
        self._call_depth = 0
        # Turns of the unrolled loops around the statement being run (their product): a loop
        # nested in others is unrolled only while all of them together stay within bounds.
        self._loop_turns = 1
        self._expr_depth = 0
        self._steps = 0
        self._budget = limits.BASE_STEPS + STEPS_PER_CHARACTER * sum(map(len, index.lines))
        # The next step count at which `_over_budget` looks: the budget, or the next time
        # to look at the clock, whichever comes first (-1 once stopped).
        self._check_at = min(self._budget, CHECK_EVERY)
        self._called_functions: set[ast.AST] = set()
        self._jumps: dict[ast.AST, bool] = {}  # loops with break/continue, by loop node
        self._bound_names: dict[ast.stmt, frozenset[str] | None] = {}  # by statement
        self._constants: dict[ast.Constant, Value] = {}  # each literal's value, by node
        self._literals: dict[tuple[type, object], Value] = {}  # and by (type, value)
        # A layer constructor call's label, positional count and range, by (call, callee's
        # name, class name): see `KerasObjects._layer_call`.
        self._layers_written: dict[tuple[ast.Call, str, str], tuple[str, int, Range]] = {}
        # Each Keras name's layer class name and kind (None: no layer class), by the name.
        self._layer_classes: dict[str, tuple[str, str | None] | None] = {}
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

    def _eval(self, node: ast.expr | None, charge: bool = True) -> Value:
        """The value of an expression (see `PythonSemantics._eval`)."""
        raise NotImplementedError

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

    def _set_image_data_format(self, value: str | None) -> None:
        # On a path that may not run, the branches' outcomes are joined (`_branches`).
        self._image_data_format = value

    def _range(self, node: ast.AST) -> Range:
        return self.index.range_of(node)
