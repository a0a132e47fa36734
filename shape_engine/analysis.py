"""The pipeline: parse -> extract models -> interpret -> check. Presenters start from here."""

from __future__ import annotations

import ast
import dataclasses
import gc
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from shape_engine.checks import MODEL_CHECKS, MULTI_IO_CHECKS, ModelCheck, data_blame, multi_io
from shape_engine.checks.build_fixes import with_build_fixes
from shape_engine.checks.graph_fixes import with_graph_fixes
from shape_engine.checks.noqa import UNUSED_NOQA
from shape_engine.checks.source import (
    FILE_TOO_LARGE,
    PARTLY_ANALYSED,
    SYNTAX_ERROR,
    UNDECODABLE_SOURCE,
)
from shape_engine.context import Document
from shape_engine.data.files import DataFolder
from shape_engine.evaluation.evaluator import Evaluator
from shape_engine.evaluation.scope import DataBinding, ModuleResolver
from shape_engine.findings import Finding, FindingId, Position, Range, finding_id
from shape_engine.interpret import ModelReport, interpret
from shape_engine.ir import ModelIR
from shape_engine.keras.report import chain_model, graph_report
from shape_engine.keras.tensors import Node
from shape_engine.keras_version import KerasVersion, using
from shape_engine.selection import RuleSelection, Selection, is_enabled, selected
from shape_engine.source import Decoded, LineIndex, decode
from shape_engine.suppression import read_directives, unused_findings
from shape_engine.values import ArrayValue
from shape_engine.walk import size_text

if TYPE_CHECKING:
    from shape_engine.notebook import CellMap

@dataclass
class Analysis:
    """What the engine found in one file: findings, model reports and data."""

    text: str
    path: str | None
    findings: list[Finding] = field(default_factory=list)
    models: list[ModelReport] = field(default_factory=list)
    data: list[DataBinding] = field(default_factory=list)
    parsed: bool = True
    steps: int = 0  # evaluation steps spent (fix verification weighs re-analyses by them)
    exhausted: bool = False  # the steps ran out: code after that point was not followed
    # Every call on symbolic tensors the program made (Input, layer and model calls).
    graph_nodes: list[Node] = field(default_factory=list)
    # For a notebook, its code cells as the program analysed: the findings' ranges are in
    # the program, `cells` places them in cells.
    cells: CellMap | None = None
    timed_out: bool = False  # the deadline its caller set passed (see `budget`)
    stopped_at: int | None = None  # the line where evaluation stopped, when it did


def too_large(path: str | None, size: int, limit: int) -> Analysis:
    """A file not analysed for its size: one finding, SL004, and nothing else."""
    message = too_large_message(size, limit)
    return Analysis("", path, [FILE_TOO_LARGE.finding(message[0].upper() + message[1:],
                                                      Range.of(0, 0, 0, 0))])


def too_large_message(size: int, limit: int) -> str:
    return (f"the file is {size_text(size)}, larger than the {size_text(limit)} Shapelens "
            "analyses (max-file-size): it is not checked")


def is_too_large(analysis: Analysis) -> bool:
    return [f.code for f in analysis.findings] == [FILE_TOO_LARGE.code]


def analyze_bytes(data: bytes, path: str | None = None,
                  resolver: ModuleResolver | None = None, *,
                  verify_fixes: bool = True,
                  extend_select: Selection | None = frozenset(),
                  keras_version: KerasVersion | None = None) -> Analysis:
    decoded = decode(data)
    if decoded.refused is not None:  # Python would not read it: neither is it analysed
        return Analysis(decoded.text, path, [SYNTAX_ERROR.finding(
            f"Syntax error: {decoded.refused}", decoded.at or Range.of(0, 0, 0, 0))],
            parsed=False)
    analysis = analyze_source(decoded.text, path, resolver, verify_fixes=verify_fixes,
                              extend_select=extend_select, keras_version=keras_version)
    if decoded.note is None:
        return analysis
    if not analysis.parsed:
        # A file that does not parse gets the syntax error alone; it says when it sits on
        # a replaced byte, the likely cause.
        analysis.findings = [_on_replaced_bytes(f, decoded) for f in analysis.findings]
        return analysis
    analysis.findings.insert(0, UNDECODABLE_SOURCE.finding(
        decoded.note[0].upper() + decoded.note[1:], decoded.at or Range.of(0, 0, 0, 0)))
    return analysis


def _on_replaced_bytes(finding: Finding, decoded: Decoded) -> Finding:
    raw = decoded.replaced.get(finding.range.start)
    if finding.code != SYNTAX_ERROR.code or raw is None:
        return finding
    shown = " ".join(f"0x{byte:02x}" for byte in raw)
    which = f"byte {shown}" if len(raw) == 1 else f"bytes {shown}"
    return dataclasses.replace(finding, message=(
        f"{finding.message}: {which} here {'does' if len(raw) == 1 else 'do'} not decode "
        f"(the file is not valid {decoded.encoding}) and {'was' if len(raw) == 1 else 'were'} "
        "replaced by U+FFFD"))


def analyze_source(text: str, path: str | None = None,
                   resolver: ModuleResolver | None = None, *,
                   verify_fixes: bool = True,
                   extend_select: Selection | None = frozenset(),
                   keras_version: KerasVersion | None = None) -> Analysis:
    """`verify_fixes`: re-analyse the text with each fix applied and offer only the fixes
    that really fix (see `fixes.keep_working_fixes`). The findings are those of the rules
    enabled by default and of `extend_select`; None: every rule (the editor shows those its
    severity settings turn on). `keras_version`: the Keras whose verdicts to follow (None:
    the one in effect, Keras 3 unless a caller chose; see `keras_version`)."""
    with _collector_paused(), using(keras_version):
        return _analyze_source(text, path, resolver, verify_fixes, extend_select)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cycle collector would rescan the whole syntax tree again and again while the
    analysis allocates (half the time on a 10,000-line file); it runs once afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _analyze_source(text: str, path: str | None, resolver: ModuleResolver | None,
                    verify_fixes: bool, extend_select: Selection | None) -> Analysis:
    index = LineIndex(text)
    tree = _parse(text, index)
    if isinstance(tree, Finding):
        return Analysis(text, path, [tree], parsed=False)
    program = Evaluator(tree, index, resolver=resolver, data_folder=DataFolder.of(path)).run()
    # The module's functions and the names that hold them refer to each other: let go of
    # them now, or the collector walks their whole bodies before it frees them.
    program.module_scope.vars.clear()
    document = Document(text, index, tree, path)
    reports = _interpret_models(program.models)
    # Keras' refusals of layer calls on symbolic tensors, at the call (no model needed).
    findings: list[Finding] = with_graph_fixes(program.graph, document, program.models)
    origins: dict[FindingId, list[ModelIR]] = {}  # the models each finding is about
    for report in reports:
        if report.model.graph is not None:
            findings.extend(_functional_checks(report, document))
            continue
        produced = data_blame.at_the_data(report, with_build_fixes(report, document))
        for check in model_checks():
            produced.extend(check(report, document))
        for finding in produced:
            origins.setdefault(finding_id(finding), []).append(report.model)
        findings.extend(produced)
    local_reports = _distinct(r for r in reports if r.model.file is None)
    # Findings inside imported modules are reported by those modules' own analyses.
    local_findings = distinct_findings([f for f in findings if f.file is None])
    directives = None
    if extend_select is not None:  # None: the editor, which filters itself (`policy`)
        local_findings = selected(local_findings, extend_select)
        if isinstance(extend_select, RuleSelection):
            local_findings = extend_select.leveled(local_findings)
        directives = read_directives(text)
        local_findings = directives.suppress(local_findings)
    if verify_fixes and any(f.fixes for f in local_findings):
        # Verifying re-analyses the fixed text: its module is imported when there are fixes.
        from shape_engine.verify import keep_working_fixes

        local_findings = keep_working_fixes(
            local_findings, document, path, resolver, origins, [r.model for r in reports],
            spent=program.steps, allowance=program.budget, reanalyze=analyze_source)
    if directives is not None and extend_select is not None and is_enabled(
            UNUSED_NOQA.code, extend_select):
        local_findings += unused_findings(directives, text)  # their fixes need no verifying
    if program.exhausted and not program.timed_out:
        # Out of steps, the same on every run: said here (a deadline is its caller's to say).
        local_findings.append(partly_analysed(program.stopped_at, index, "step"))
    return Analysis(text, path, local_findings, local_reports, program.data,
                    steps=program.steps, exhausted=program.exhausted,
                    timed_out=program.timed_out, stopped_at=program.stopped_at,
                    graph_nodes=[n for n in program.graph.nodes if n.file is None])


def _functional_checks(graph: ModelReport, document: Document) -> list[Finding]:
    """The data, label and loss checks of a functional model. A plain chain is checked as
    the Sequential model it is (its refusals are the graph's, reported already; the fixes
    edit a Sequential's layer list: left out here). Any other graph (several inputs or
    outputs, branches, merges, nested models, shared layers) by input and by output
    (`checks.multi_io`, `checks.per_output`): each model by one of the two, never both."""
    chain = chain_model(graph.model)
    if chain is None:
        return [finding for check in MULTI_IO_CHECKS for finding in check(graph, document)]
    report = interpret(chain, _first_data_shape(chain))
    if report.refused:
        return []
    found = [dataclasses.replace(finding, fixes=(), preferred_fix=None)
             for check in model_checks() for finding in check(report, document)]
    return [*found, *multi_io.check_chain_inputs(graph, found, document)]


def partly_analysed(line: int | None, index: LineIndex, why: str,
                    seconds: float | None = None) -> Finding:
    """SL005 on the line where the analysis stopped: `why` is "step" or "time"."""
    line = min(line or 0, len(index.lines) - 1)
    at = Range.of(line, 0, line, len(index.lines[line]))
    reason = (f"its time limit ({seconds:g} s)" if why == "time" and seconds is not None
              else "its time limit" if why == "time"
              else "its budget of evaluation steps for a file of this size")
    return PARTLY_ANALYSED.finding(
        f"Shapelens stopped following the program here: the analysis reached {reason}. "
        "Problems from here on are not reported.", at)


def _parse(text: str, index: LineIndex) -> ast.Module | Finding:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings about escapes are not ours
            return ast.parse(text)
    except SyntaxError as error:
        return SYNTAX_ERROR.finding(f"Syntax error: {error.msg}", _syntax_error_range(error, index))
    except ValueError as error:  # NUL bytes
        return SYNTAX_ERROR.finding(f"The file cannot be parsed: {error}", Range.of(0, 0, 0, 0))
    except (RecursionError, MemoryError):
        return SYNTAX_ERROR.finding("The file is too deeply nested for Python's parser",
                                    Range.of(0, 0, 0, 0))


def _syntax_error_range(error: SyntaxError, index: LineIndex) -> Range:
    """The offending token: SyntaxError's end when it has a sensible one (Python >= 3.10),
    else one character, or the line break at the end of a line; zero-width only at the very
    end of the file. ast.parse of a str counts offsets in code points."""
    start = _clamped(index, error.lineno, error.offset)
    end_lineno = getattr(error, "end_lineno", None)
    end_offset = getattr(error, "end_offset", None)
    if end_lineno is not None and end_offset is not None and end_offset >= 1:
        end = _clamped(index, end_lineno, end_offset)
        if end > start:
            return Range(start, end)
    if start.character < len(index.lines[start.line]):
        return Range(start, Position(start.line, start.character + 1))
    if start.line + 1 < len(index.lines):
        return Range(start, Position(start.line + 1, 0))  # the line break, as ruff does
    return Range(start, start)


def _clamped(index: LineIndex, lineno: int | None, offset: int | None) -> Position:
    """A 1-based (line, column) pair as a position inside the text."""
    line = max((lineno or 1) - 1, 0)
    if line >= len(index.lines):  # past the last line: the end of the file
        return Position(len(index.lines) - 1, len(index.lines[-1]))
    return Position(line, min(max((offset or 1) - 1, 0), len(index.lines[line])))


def _interpret_models(models: list[ModelIR]) -> list[ModelReport]:
    reports = [graph_report(model) if model.graph is not None else
               interpret(model, _first_data_shape(model), outer_input=model.called_on)
               for model in models]
    # A model with no input of its own, used as a layer of another, is built by that use;
    # given a list of tensors, it is marked built with its layers left unbuilt, as that
    # nested run found them.
    outer_inputs: dict[int, tuple[int | None, ...]] = {}
    list_runs: dict[int, ModelReport] = {}
    for report in reports:
        for nested in report.nested:
            if nested.list_input:
                list_runs.setdefault(id(nested.model), nested)
            elif nested.input_shape is not None:
                outer_inputs.setdefault(id(nested.model), nested.input_shape)

    def as_used(report: ModelReport) -> ModelReport:
        if report.input_origin is not None:
            return report
        if id(report.model) in outer_inputs:
            return interpret(report.model, outer_input=outer_inputs[id(report.model)])
        return list_runs.get(id(report.model), report)

    return [as_used(report) for report in reports]


def _first_data_shape(model: ModelIR) -> tuple[int | None, ...] | None:
    """Keras builds a model with no declared input from the first data it sees."""
    for training in model.trainings:
        x, _ = training.argument("x", 0)
        if not training.dataset_batched:
            return None  # single samples taken as batches: SL211 says so at the fit
        if isinstance(x, ArrayValue) and x.shape is not None:
            return x.shape
        return None
    return None


def model_checks() -> list[ModelCheck]:
    return MODEL_CHECKS


def _distinct(reports: Iterable[ModelReport]) -> list[ModelReport]:
    """A function called twice builds its model twice: keep one report per source location."""
    seen: set[Range] = set()
    result = []
    for report in reports:
        if report.model.range not in seen:
            seen.add(report.model.range)
            result.append(report)
    return result


def distinct_findings(findings: list[Finding]) -> list[Finding]:
    """Each finding once (a function called twice reports twice), in source order."""
    seen: set[tuple[str, Range, str]] = set()
    result = []
    for finding in findings:
        key = (finding.code, finding.range, finding.message)
        if key not in seen:
            seen.add(key)
            result.append(finding)
    return sorted(result, key=lambda f: (f.range.start, f.code))
