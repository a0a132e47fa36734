"""What an editor keeps per document: the few facts its features present, and no more.

The engine's `Analysis` (model IR, abstract values) is dropped once these are extracted, so
50 open documents cost little memory. Positions are the engine's: 0-based lines and code point
columns. Facts can be moved to other lines (`Facts.moved`) when the text above them changes.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

from shape_engine.analysis import Analysis
from shape_engine.evaluation.scope import DataBinding
from shape_engine.findings import Edit, Finding, Fix, Position, Range, Related
from shape_engine.interpret import ModelReport
from shape_engine.ir import BuildCall, CompileCall, ModelIR, TrainingCall
from shape_engine.keras.lowering import model_graph
from shape_engine.keras.tensors import Node, TensorValue
from shape_engine.shapes import MaybeShape
from shape_engine.source import split_lines
from shape_engine.values import ArrayValue

T = TypeVar("T")
# Maps a line of the text the facts were made from to a line of the current text (or None
# when that line is gone).
LineMap = Callable[[int], "int | None"]

# What comes between a receiver and the position given (see `_receiver`), backwards.
_BEFORE_METHOD = (".",)
_BEFORE_ADD = (".", "add", "(")
_IDENTIFIER_CHARACTERS = frozenset(string.ascii_letters + string.digits + "_")
_RECEIVER_CALL = re.compile(r"([A-Za-z_][A-Za-z_0-9]*)\s*\.\s*(compile|build)\s*\(")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z_0-9]*$")


@dataclass(frozen=True, slots=True)
class LayerFact:
    """A layer call's shapes and parameters, for hover and inlay hints."""

    label: str
    call: Range  # the layer call (or nested model) itself: the hover target
    entry: Range  # the list element or `add` argument: the inlay hint goes after it
    input_shape: MaybeShape
    output_shape: MaybeShape
    params: int | None
    # A Sequential model's entry: its hint goes past the comma or brackets that close it. A
    # call on tensors gets its hint right after it, since it may sit inside another call.
    listed: bool = False


@dataclass(frozen=True, slots=True)
class ModelFact:
    """A model's static summary, for hover."""

    name: str
    call: Range  # the Sequential(...) call
    callee: Range  # `keras.Sequential`
    rows: tuple[tuple[str, MaybeShape, int | None], ...]  # (layer, output shape, params)
    input_shape: MaybeShape
    total_params: int | None
    refused: bool
    opaque: bool
    # A functional model: for each row, the rows it takes ("Dense(8) (line 5)"), as Keras'
    # summary's "Connected to" column; None for a Sequential model.
    connected: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class DataFact:
    """A data variable's inferred shape and dtype, for hover and inlay hints."""

    name: str
    at: Range  # the assignment target, or the argument of fit/predict that names the data
    shape: MaybeShape
    dtype: str | None
    hint_at: Position | None = None  # the end of its assignment, for an inlay hint
    # A symbolic tensor: the call that made it ("Dense(64)"), and that layer's parameters.
    made_by: str | None = None
    params: int | None = None
    # Where that call is: a position, so that it moves with its chunk (`_Mover`) as the
    # rest of the facts do (a line number baked into `made_by` would not).
    made_at: Position | None = None


@dataclass(frozen=True, slots=True)
class Binding:
    """`name` in `scope` refers, from `at` on, to a model or to data."""

    scope: str
    name: str
    at: Position
    target: ModelFact | DataFact


@dataclass(frozen=True, slots=True)
class ScopeSpan:
    """A function body (by qualified name) over lines start..end; the module is ""."""

    name: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Assignment:
    """`name = value` (a plain name target): where hints and bindings for it go."""

    name: str
    target: Range
    value: Range
    end: Position  # the end of the whole statement


@dataclass
class Facts:
    """Everything the server shows of one analysis, on the lines it was made on."""

    findings: list[Finding] = field(default_factory=list)
    layers: list[LayerFact] = field(default_factory=list)
    models: list[ModelFact] = field(default_factory=list)
    data: list[DataFact] = field(default_factory=list)
    bindings: list[Binding] = field(default_factory=list)
    scopes: list[ScopeSpan] = field(default_factory=list)
    parsed: bool = True
    # Module paths the analysis read (imports resolved in the workspace).
    dependencies: frozenset[str] = frozenset()
    # Lookup tables for hover and inlay hints, built on first use (see `server.lookup`).
    lookup: object | None = field(default=None, repr=False, compare=False)

    def moved(self, line_map: LineMap) -> Facts:
        """These facts on the current text; facts on lines that are gone are dropped."""
        mover = _Mover(line_map)
        models = {id(m): mover.model(m) for m in self.models}
        data = {id(d): mover.data(d) for d in self.data}
        bindings = []
        for binding in self.bindings:
            at = mover.position(binding.at)
            target = (models.get(id(binding.target)) if isinstance(binding.target, ModelFact)
                      else data.get(id(binding.target)))
            if at is not None and target is not None:
                bindings.append(Binding(binding.scope, binding.name, at, target))
        return Facts(
            findings=_present(mover.finding(f) for f in self.findings),
            layers=_present(mover.layer(layer) for layer in self.layers),
            models=_present(models.values()),
            data=_present(data.values()),
            bindings=bindings,
            scopes=_present(mover.scope(s) for s in self.scopes),
            parsed=self.parsed,
            dependencies=self.dependencies,
        )

    @staticmethod
    def merge(parts: Sequence[Facts]) -> Facts:
        if len(parts) == 1:
            return parts[0]
        merged = Facts()
        seen: set[tuple[str, Range, str]] = set()
        for part in parts:
            for finding in part.findings:
                key = (finding.code, finding.range, finding.message)
                if key not in seen:
                    seen.add(key)
                    merged.findings.append(finding)
            merged.layers.extend(part.layers)
            merged.models.extend(part.models)
            merged.data.extend(part.data)
            merged.bindings.extend(part.bindings)
            merged.scopes.extend(part.scopes)
            merged.parsed = merged.parsed and part.parsed
            merged.dependencies |= part.dependencies
        merged.findings.sort(key=lambda f: (f.range.start, f.code))
        return merged


def move_findings(findings: Iterable[Finding], line_map: LineMap) -> list[Finding]:
    mover = _Mover(line_map)
    return _present(mover.finding(f) for f in findings)


def _present(items: Iterable[T | None]) -> list[T]:
    return [item for item in items if item is not None]


# "(line 9)" in a message or a "Connected to" row, or "Net() at line 40" in a finding made
# inside a subclass's `call`, names a line (1-based) of the text that was analysed: it moves
# with the chunk as the ranges do.
_LINE_MENTION = re.compile(r"(\(line |\bat line )(\d+)")


class _Mover:
    def __init__(self, line_map: LineMap) -> None:
        self.line_map = line_map

    def mentions(self, text: str) -> str:
        def moved(match: re.Match[str]) -> str:
            line = self.line_map(int(match.group(2)) - 1)
            return match.group(0) if line is None else f"{match.group(1)}{line + 1}"

        return _LINE_MENTION.sub(moved, text) if "line " in text else text

    def position(self, pos: Position) -> Position | None:
        line = self.line_map(pos.line)
        return None if line is None else Position(line, pos.character)

    def range(self, r: Range) -> Range | None:
        start, end = self.position(r.start), self.position(r.end)
        if start is None or end is None or end < start:
            return None
        return Range(start, end)

    def finding(self, finding: Finding) -> Finding | None:
        at = self.range(finding.range)
        if at is None:
            return None
        related = tuple(rel for rel in (self.related(r) for r in finding.related) if rel)
        fixes: list[Fix] = []
        preferred = None
        for index, fix in enumerate(finding.fixes):
            moved = self.fix(fix)
            if moved is None:
                continue  # an edit whose place is gone must not be applied elsewhere
            if index == finding.preferred_fix:
                preferred = len(fixes)
            fixes.append(moved)
        return replace(finding, range=at, message=self.mentions(finding.message),
                       related=related, fixes=tuple(fixes), preferred_fix=preferred)

    def related(self, related: Related) -> Related | None:
        if related.file is not None:
            return related
        at = self.range(related.range)
        return None if at is None else related._replace(range=at,
                                                        message=self.mentions(related.message))

    def fix(self, fix: Fix) -> Fix | None:
        edits = []
        for edit in fix.edits:
            at = self.range(edit.range)
            if at is None:
                return None
            edits.append(Edit(at, edit.content))
        return fix._replace(edits=tuple(edits))

    def layer(self, layer: LayerFact) -> LayerFact | None:
        call, entry = self.range(layer.call), self.range(layer.entry)
        if call is None or entry is None:
            return None
        return replace(layer, call=call, entry=entry)

    def model(self, model: ModelFact) -> ModelFact | None:
        call, callee = self.range(model.call), self.range(model.callee)
        if call is None or callee is None:
            return None
        connected = None if model.connected is None else tuple(
            self.mentions(row) for row in model.connected)
        return replace(model, call=call, callee=callee, connected=connected)

    def data(self, data: DataFact) -> DataFact | None:
        at = self.range(data.at)
        if at is None:
            return None
        hint_at = self.position(data.hint_at) if data.hint_at is not None else None
        made_at = self.position(data.made_at) if data.made_at is not None else None
        return replace(data, at=at, hint_at=hint_at, made_at=made_at)

    def scope(self, scope: ScopeSpan) -> ScopeSpan | None:
        start, end = self.line_map(scope.start), self.line_map(scope.end)
        if start is None or end is None:
            return None
        return ScopeSpan(scope.name, start, end)


# -- extraction ------------------------------------------------------------------------------


def scope_at(scopes: Sequence[ScopeSpan], line: int) -> str:
    """The innermost function whose body holds `line`; "" for the module."""
    best: ScopeSpan | None = None
    for scope in scopes:
        if scope.start <= line <= scope.end and (
                best is None or (scope.start, -scope.end) > (best.start, -best.end)):
            best = scope
    return best.name if best else ""


def extract(analysis: Analysis, scopes: Sequence[ScopeSpan],
            assignments: Sequence[Assignment]) -> Facts:
    """The facts of one analysis, in the coordinates of the text it analysed."""
    lines = split_lines(analysis.text)
    assigned_at = {a.target.start: a for a in assignments}
    assigned_value = {a.value: a for a in assignments}
    facts = Facts(findings=list(analysis.findings), scopes=list(scopes),
                  parsed=analysis.parsed)
    for report in analysis.models:
        model = _model_fact(report)
        facts.models.append(model)
        if report.model.graph is None:  # a functional model's calls are the graph's, below
            facts.layers.extend(_sequential_layer_facts(report))
        _model_bindings(report.model, model, lines, scopes, assigned_value, facts)
        for training in report.model.trainings:
            _training_data(training, lines, scopes, facts)
    # A Sequential model's `keras.Input(...)` is also a node of the program's graph: shown once.
    listed = {layer.call for layer in facts.layers}
    facts.layers.extend(_node_fact(node) for node in analysis.graph_nodes
                        if not node.is_op and node.range not in listed)
    for binding in analysis.data:
        _data_binding(binding, scopes, assigned_at, facts)
    return facts


def _node_fact(node: Node) -> LayerFact:
    """A call on symbolic tensors: hover on it, and its output after it."""
    first = node.inputs[0].shape if node.inputs else None
    output = node.outputs[0].shape if len(node.outputs) == 1 else None
    return LayerFact(node.label, node.range, node.range, first, output,
                     0 if node.is_input else node.params)


def _model_fact(report: ModelReport) -> ModelFact:
    model = report.model
    rows = tuple((layer.label, layer.output_shape, layer.params) for layer in report.layers)
    connected = None if model.graph is None else tuple(
        ", ".join(f"{report.layers[i].label} (line {report.layers[i].range.start.line + 1})"
                  for i in layer.inputs or ()) for layer in report.layers)
    return ModelFact(model.name or ("functional" if model.graph is not None else "sequential"),
                     model.range, model.callee_range, rows, report.input_shape,
                     report.total_params, report.refused, model.opaque, connected)


def _sequential_layer_facts(report: ModelReport) -> list[LayerFact]:
    """A Sequential model's layers, read from the graph it lowers to: hover on each layer
    (or nested model) written in it, its output after its entry."""
    facts = []
    for node in model_graph(report).nodes:
        if node.is_input and node.input_call is None:
            continue  # the input Keras gives a model from input_shape=: no entry of its own
        inner = node.input_call if node.is_input else node.layer
        call = inner.range if inner is not None else node.range
        first = node.inputs[0].shape if node.inputs else None
        facts.append(LayerFact(node.label, call, node.range, first, node.outputs[0].shape,
                               0 if node.is_input else node.params, listed=True))
    return facts


def _model_bindings(ir: ModelIR, model: ModelFact, lines: list[str],
                    scopes: Sequence[ScopeSpan], assigned_value: dict[Range, Assignment],
                    facts: Facts) -> None:
    """Names through which the program reaches this model: `m = Sequential(...)`,
    `m.add(...)`, `m.compile(...)`, `m.fit(...)`."""
    def bind(name: str, at: Position) -> None:
        facts.bindings.append(Binding(scope_at(scopes, at.line), name, at, model))

    assignment = assigned_value.get(ir.range)
    if assignment is not None:
        bind(assignment.name, assignment.target.start)
    for training in ir.trainings:
        name = _receiver(lines, training.method_range.start, _BEFORE_METHOD)
        if name:
            bind(name, training.range.start)
    calls: list[CompileCall | BuildCall] = [*ir.compiles, *ir.builds]
    for call in calls:
        match = _RECEIVER_CALL.match(_line(lines, call.range.start.line),
                                     call.range.start.character)
        if match:
            bind(match.group(1), call.range.start)
    for entry in ir.entries:
        name = _receiver(lines, entry.range.start, _BEFORE_ADD)
        if name:
            bind(name, entry.range.start)


def _training_data(training: TrainingCall, lines: list[str], scopes: Sequence[ScopeSpan],
                   facts: Facts) -> None:
    """The data handed to fit/evaluate/predict, where it is named."""
    for value, at in [*zip(training.args, training.arg_ranges, strict=False),
                      *((training.kwargs[k], r) for k, r in training.kwarg_value_ranges.items()
                        if k in training.kwargs)]:
        if not isinstance(value, ArrayValue) or at.start.line != at.end.line:
            continue
        text = _line(lines, at.start.line)[at.start.character:at.end.character]
        name = text if _IDENTIFIER.match(text) else ""
        data = DataFact(name or text, at, value.shape, value.dtype)
        facts.data.append(data)
        if name:
            facts.bindings.append(Binding(scope_at(scopes, at.start.line), name, at.start, data))


def _data_binding(binding: DataBinding, scopes: Sequence[ScopeSpan],
                  assigned_at: dict[Position, Assignment], facts: Facts) -> None:
    at = binding.range  # worked out when read
    assignment = assigned_at.get(at.start)
    hint_at = assignment.end if assignment is not None else at.end
    value = binding.value
    made_by = params = made_at = None
    if isinstance(value, TensorValue):
        made_by, made_at = value.node.label, value.node.range.start
        params = None if value.node.is_op or value.node.is_input else value.node.params
    data = DataFact(binding.name, at, value.shape, value.dtype, hint_at, made_by,
                    params, made_at)
    facts.data.append(data)
    facts.bindings.append(Binding(scope_at(scopes, at.start.line), binding.name,
                                  at.start, data))


def _receiver(lines: list[str], before: Position, tokens: tuple[str, ...]) -> str | None:
    """The name right before `tokens` (spaces between them allowed) that end at `before`:
    `m` in `m.fit` or `m . add(`. Read backwards from `before`, so it costs the length of
    what it reads, not of the line (a regular expression searching the line before a layer
    was quadratic in a long run of letters there, and read the line once per layer)."""
    line = _line(lines, before.line)
    at = min(before.character, len(line))
    for token in reversed(tokens):
        at = _spaces_before(line, at)
        if at < len(token) or not line.startswith(token, at - len(token)):
            return None
        at -= len(token)
    end = _spaces_before(line, at)
    start = end
    while start > 0 and line[start - 1] in _IDENTIFIER_CHARACTERS:
        start -= 1
    while start < end and line[start].isdigit():  # a name starts with a letter or _
        start += 1
    return line[start:end] or None


def _spaces_before(line: str, at: int) -> int:
    while at > 0 and line[at - 1].isspace():
        at -= 1
    return at


def _line(lines: list[str], line: int) -> str:
    return lines[line] if 0 <= line < len(lines) else ""
