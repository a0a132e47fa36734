"""Generated functional models through the engine and real TensorFlow: compare, classify, shrink.

The engine is asked in-process through the functions the CLI uses (`analyze_source`, then
`cli.shapes_json` for `shapes --format json`, and the build errors `check` reports); TensorFlow
runs the same program in the oracle worker, many programs a batch, and describes the tensor of
every call. They are compared on the verdict, the line Keras refuses, each call's output shape
(the engine's row on the call's line), each call's parameters and the model's total.

Each disagreement says whether the engine *claimed* something TensorFlow contradicts (a false
alarm, a wrong line, a wrong shape or count, a crash) or only stayed silent (a missed error,
an unknown shape, no row): an engine that does not model functional models yet must make no
wrong claim, and one that does must leave nothing unknown.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from shape_engine import analyze_source
from shape_engine.cli import shapes_json
from tests.compare import build_errors, statement_span
from tests.generator.graph_spec import (
    Call,
    GraphSpec,
    LayerDef,
    ModelDef,
    SequentialDef,
    Statement,
    render_graph,
)
from tests.generator.spec import LayerSpec, Raw
from tests.oracle import Oracle, OracleResult

# Disagreements where the engine says something false; the others are silences.
CLAIMS = frozenset({"false-alarm", "wrong-location", "wrong-shape", "wrong-params",
                    "wrong-total", "engine-crash"})


@dataclass(frozen=True)
class Disagreement:
    category: str
    detail: str
    line: int | None = None

    @property
    def claimed(self) -> bool:
        return self.category in CLAIMS


@dataclass
class EngineView:
    """What the engine says about one program, as `shapes`/`check --format json` would."""

    errors: list[tuple[str, int]]  # (code, line) of each build error
    rows: dict[int, list[dict[str, object]]]  # line -> the layer rows on it, all models
    totals: dict[str, object]  # model name -> total_params
    crash: str | None = None


@dataclass
class GraphOutcome:
    source: str
    keras_raised: bool | None  # None: TensorFlow gave no answer
    disagreements: list[Disagreement] = field(default_factory=list)
    keras_error: str | None = None
    codes: tuple[str, ...] = ()  # the engine's build error codes

    @property
    def agrees(self) -> bool:
        return not self.disagreements

    @property
    def claims(self) -> list[Disagreement]:
        return [d for d in self.disagreements if d.claimed]

    @property
    def category(self) -> str | None:
        """The first disagreement's kind (a wrong claim before a silence)."""
        ordered = self.claims or self.disagreements
        return ordered[0].category if ordered else None

    def report(self) -> str:
        lines = [f"  {d.category} (line {d.line}): {d.detail}" for d in self.disagreements]
        return "\n".join([*lines, "--- program ---", self.source.rstrip()])


def engine_view(source: str) -> EngineView:
    try:
        analysis = analyze_source(source)
        shapes = shapes_json("<graph>", analysis)
    except Exception as error:  # the engine must never crash: that is a disagreement too
        return EngineView([], {}, {}, crash=f"{type(error).__name__}: {error}")
    errors = []
    for message in build_errors(analysis):
        code, rest = message.split(" ", 1)
        errors.append((code, int(rest.rsplit("@", 1)[1])))
    rows: dict[int, list[dict[str, object]]] = {}
    totals: dict[str, object] = {}
    for model in shapes["models"]:  # type: ignore[attr-defined]
        totals[model["name"]] = model.get("total_params")
        for row in model["layers"]:
            rows.setdefault(int(row["row"]), []).append(row)
    return EngineView(errors, rows, totals)


def _shape(value: object) -> tuple[int | None, ...] | None:
    return tuple(value) if isinstance(value, list) else None


@dataclass(frozen=True)
class CallSite:
    """One layer call of a program: the variable it assigns, what is called, its line, and
    whether a model is built on it (a call no model's outputs need is in no model's rows)."""

    var: str
    kind: str
    line: int
    in_model: bool = True


@dataclass(frozen=True)
class Program:
    """A program to compare: its source, its layer calls, and its outermost model."""

    source: str
    calls: tuple[CallSite, ...]
    model_var: str | None
    model_name: str | None  # the name the engine shows it by

    @property
    def tensors(self) -> list[str]:
        return [call.var for call in self.calls]


def program_of(spec: GraphSpec) -> Program:
    rendered = render_graph(spec)
    used = _in_models(ast.parse(rendered.source))
    calls = tuple(CallSite(call.out, describe(spec, call), rendered.call_lines[call.out],
                           call.out in used) for call in spec.calls)
    model = spec.model
    return Program(rendered.source, calls, model.var if model else None,
                   (model.name or model.var) if model else None)


def _in_models(tree: ast.Module) -> set[str]:
    """The variables some `Model(...)` of the program is built on (its outputs' ancestors)."""
    uses: dict[str, set[str]] = {}
    wanted: set[str] = set()
    for statement in tree.body:
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)
                and isinstance(statement.value, ast.Call)):
            continue
        call = statement.value
        names = {node.id for argument in [*call.args, *(k.value for k in call.keywords)]
                 for node in ast.walk(argument) if isinstance(node, ast.Name)}
        if ast.unparse(call.func).endswith("Model"):
            outputs = call.args[1:2] + [k.value for k in call.keywords if k.arg == "outputs"]
            wanted |= {node.id for argument in outputs for node in ast.walk(argument)
                       if isinstance(node, ast.Name)}
        uses[statement.targets[0].id] = names
    seen: set[str] = set()
    while wanted:
        name = wanted.pop()
        if name not in seen:
            seen.add(name)
            wanted |= uses.get(name, set())
    return seen


def program_of_source(source: str) -> Program:
    """A hand-written program in the generator's style: `x = layers.Dense(4)(y)` and
    `y = shared(x)` are calls (one a line), the last `... = keras.Model(...)` the model."""
    tree = ast.parse(source)
    used = _in_models(tree)
    calls = []
    model_var = model_name = None
    for statement in tree.body:
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)
                and isinstance(statement.value, ast.Call)):
            continue
        var, call = statement.targets[0].id, statement.value
        callee = call.func
        if isinstance(callee, ast.Call):
            calls.append(CallSite(var, ast.unparse(callee.func).rsplit(".", 1)[-1],
                                  statement.lineno, var in used))
        elif isinstance(callee, ast.Name) and callee.id not in ("Model", "Sequential",
                                                                  "Input"):
            calls.append(CallSite(var, callee.id, statement.lineno, var in used))
        elif ast.unparse(callee).endswith("Model"):
            model_var, model_name = var, var
            for keyword in call.keywords:
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                    model_name = str(keyword.value.value)
    return Program(source, tuple(calls), model_var, model_name)


def compare(program: Program, result: OracleResult, engine: EngineView) -> GraphOutcome:
    source = program.source
    outcome = GraphOutcome(source, result.raised, codes=tuple(c for c, _ in engine.errors),
                           keras_error=result.error)
    found = outcome.disagreements
    if engine.crash is not None:
        found.append(Disagreement("engine-crash", engine.crash))
        return outcome
    if result.raised:
        if not engine.errors:
            found.append(Disagreement("missed-error", f"Keras: {result.error}",
                                      result.error_line_top))
        else:
            spans = [statement_span(source, line) for line in (result.error_line_top,
                                                               result.error_line)
                     if line is not None]
            if not any(first <= line <= last for _, line in engine.errors
                       for first, last in spans):
                # An error only on statements Keras never reached is a claim TensorFlow
                # cannot judge: the engine missed the one Keras raised. One on a statement
                # Keras ran through is wrong.
                top = min(first for first, _ in spans)
                reached = [e for e in engine.errors if e[1] < top]
                found.append(Disagreement(
                    "wrong-location" if reached else "missed-error",
                    f"engine {engine.errors} but Keras raised on line "
                    f"{result.error_line_top}: {result.error}",
                    (reached or engine.errors)[0][1]))
    elif engine.errors:
        found.append(Disagreement("false-alarm", f"engine {engine.errors}, Keras built it",
                                  engine.errors[0][1]))
    _compare_calls(program, result, engine, strict=not result.raised, found=found)
    if program.model_var is not None and not result.raised:
        keras_total = result.graph_params.get(program.model_var)
        name = program.model_name or program.model_var
        engine_total = engine.totals.get(name)
        if engine_total is None:
            found.append(Disagreement("unknown-total", f"{name}: Keras {keras_total}"))
        elif engine_total != keras_total:
            found.append(Disagreement("wrong-total",
                                      f"{name}: engine {engine_total} != keras {keras_total}"))
    return outcome


def _compare_calls(program: Program, result: OracleResult, engine: EngineView, strict: bool,
                   found: list[Disagreement]) -> None:
    """Every call TensorFlow made a tensor for; silences count only when `strict`."""
    seen_layers: set[int] = set()
    for call in program.calls:
        tensor = result.tensors.get(call.var)
        if tensor is None or tensor.shape is None:
            continue  # not reached, or not one tensor
        line = call.line
        label = f"{call.var} = {call.kind}(...)"
        rows = engine.rows.get(line, [])
        first_call = tensor.layer not in seen_layers
        if tensor.layer is not None:
            seen_layers.add(tensor.layer)
        if len(rows) != 1:
            if (strict and call.in_model) or len(rows) > 1:
                found.append(Disagreement("missing-row" if not rows else "ambiguous-rows",
                                          f"{label}: {len(rows)} engine rows", line))
            continue
        row = rows[0]
        shape = _shape(row.get("output_shape"))
        if shape is None:
            if strict:
                found.append(Disagreement("unknown-shape",
                                          f"{label}: keras {tensor.shape}", line))
        elif shape != tensor.shape:
            found.append(Disagreement("wrong-shape",
                                      f"{label}: engine {shape} != keras {tensor.shape}", line))
        params = row.get("params")
        if params is None:
            if strict and tensor.params is not None:
                found.append(Disagreement("unknown-params",
                                          f"{label}: keras {tensor.params}", line))
        elif tensor.params is not None and params != tensor.params and (
                first_call or params != 0):
            # A shared layer's later calls may show its weights again or none.
            found.append(Disagreement("wrong-params", f"{label}: engine {params} params != "
                                      f"keras {tensor.params}", line))


def check_program(program: Program, oracle: Oracle) -> GraphOutcome:
    try:
        result = oracle.run(program.source, program.tensors)
    except TimeoutError as error:
        return GraphOutcome(program.source, None,
                            [Disagreement("oracle-timeout", str(error))])
    return compare(program, result, engine_view(program.source))


def check_graph(spec: GraphSpec, oracle: Oracle) -> GraphOutcome:
    return check_program(program_of(spec), oracle)


def run_graphs(specs: Sequence[GraphSpec], oracle: Oracle, batch: int = 50,
               progress: Callable[[int], None] | None = None) -> list[GraphOutcome]:
    """All of `specs`, TensorFlow running a batch while the engine analyses the same one."""
    outcomes: list[GraphOutcome] = []
    for start in range(0, len(specs), batch):
        programs = [program_of(spec) for spec in specs[start:start + batch]]
        views: list[EngineView] = []

        def analyse(programs: list[Program] = programs,
                    views: list[EngineView] = views) -> None:
            views.extend(engine_view(program.source) for program in programs)

        results = oracle.run_many([(p.source, p.tensors) for p in programs], meanwhile=analyse)
        for program, result, view in zip(programs, results, views, strict=True):
            if isinstance(result, TimeoutError):
                outcomes.append(GraphOutcome(program.source, None,
                                             [Disagreement("oracle-timeout", str(result))]))
            else:
                outcomes.append(compare(program, result, view))
        if progress is not None:
            progress(len(outcomes))
    return outcomes


# -- shrinking -------------------------------------------------------------------------------


def _references(statement: Statement) -> set[str]:
    if isinstance(statement, Call):
        names = set(statement.inputs)
        if isinstance(statement.callee, str):
            names.add(statement.callee)
        return names
    if isinstance(statement, ModelDef):
        return set(statement.inputs) | set(statement.outputs)
    if isinstance(statement, SequentialDef):
        return {item.text for item in statement.layers if isinstance(item, Raw)}
    return set()


def _defines(statement: Statement) -> str:
    return statement.out if isinstance(statement, Call) else statement.var


def sliced(spec: GraphSpec, outputs: list[str] | None = None) -> GraphSpec:
    """`spec` with only what its model's outputs need (its inputs cut to those used)."""
    small = spec.copy()
    model = small.model
    if model is None:
        return small
    if outputs is not None:
        model.outputs = outputs
    needed = set(model.outputs)
    kept: list[Statement] = []
    for statement in reversed(small.statements[:-1]):
        if _defines(statement) in needed:
            kept.append(statement)
            needed |= _references(statement)
    kept.reverse()
    inputs = [name for name in model.inputs if name in needed]
    if not inputs:
        return spec.copy()  # outputs that need none of the inputs: nothing to cut safely
    model.inputs = inputs
    small.statements = [*kept, model]
    return small


def _bypassed(spec: GraphSpec, index: int) -> GraphSpec | None:
    """`spec` without the one-input call at `index` (its users take its input instead)."""
    statement = spec.statements[index]
    if not isinstance(statement, Call) or len(statement.inputs) != 1:
        return None
    small = spec.copy()
    del small.statements[index]
    replacement = statement.inputs[0]
    for other in small.statements:
        if isinstance(other, Call):
            other.inputs = [replacement if n == statement.out else n for n in other.inputs]
        elif isinstance(other, ModelDef):
            other.inputs = [replacement if n == statement.out else n for n in other.inputs]
            other.outputs = [replacement if n == statement.out else n for n in other.outputs]
    return small


def _variants(spec: GraphSpec) -> list[GraphSpec]:
    variants: list[GraphSpec] = []
    model = spec.model
    if model is not None and len(model.outputs) > 1:
        variants += [sliced(spec, [out]) for out in model.outputs]
    variants += [v for i in range(len(spec.statements) - 1)
                 if (v := _bypassed(spec, i)) is not None]
    if spec.imports != "layers_module":
        plain = spec.copy()
        plain.imports = "layers_module"
        variants.append(plain)
    for index, statement in enumerate(spec.statements):
        layer = statement.callee if isinstance(statement, Call) else (
            statement.layer if isinstance(statement, LayerDef) else None)
        if not isinstance(layer, LayerSpec):
            continue
        for key in layer.kwargs:
            if key not in layer.required:
                lighter = spec.copy()
                target = lighter.statements[index]
                inner = target.callee if isinstance(target, Call) else target.layer  # type: ignore[union-attr]
                del inner.kwargs[key]  # type: ignore[union-attr]
                variants.append(lighter)
    return variants


def minimize_graph(spec: GraphSpec, oracle: Oracle, category: str,
                   budget: int = 60) -> GraphSpec:
    """A smaller graph that still disagrees in the same way (at most `budget` TF runs)."""
    runs = 0

    def same(candidate: GraphSpec) -> bool:
        nonlocal runs
        runs += 1
        outcome = check_graph(candidate, oracle)
        # A cut that leaves a name undefined is not the same program made smaller.
        return outcome.category == category and not (
            outcome.keras_error or "").startswith(("NameError", "UnboundLocalError"))

    best = sliced(spec)
    if not same(best):
        best = spec
    # The shortest prefix that still disagrees: the model's output moved to an earlier call.
    for call in best.calls:
        candidate = sliced(best, [call.out])
        if len(candidate.statements) < len(best.statements) and same(candidate):
            best = candidate
            break
    improved = True
    while improved and runs < budget:
        improved = False
        for candidate in _variants(best):
            if runs >= budget:
                break
            if same(candidate):
                best = sliced(candidate)
                improved = True
                break
    return best


def describe(spec: GraphSpec, call: Call) -> str:
    """What a call calls: a layer kind, or what the variable it calls holds."""
    if isinstance(call.callee, str):
        for statement in spec.statements:
            if isinstance(statement, LayerDef) and statement.var == call.callee:
                return f"shared {statement.layer.kind}"
            if isinstance(statement, SequentialDef) and statement.var == call.callee:
                return "nested Sequential"
            if isinstance(statement, ModelDef) and statement.var == call.callee:
                return "nested Model"
    return call.kind


def culprit(spec: GraphSpec) -> str:
    """The last call (after shrinking, the call the disagreement is about)."""
    calls = spec.calls
    return describe(spec, calls[-1]) if calls else "(model)"


