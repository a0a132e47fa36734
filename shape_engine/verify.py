"""Verifying fixes: a fix is offered only if, applied to the text, the file parses, its finding
is gone and no new problem appears (the last step of the pipeline, `keep_working_fixes`).

One re-analysis verifies many fixes. Models that share no top-level statement cannot change
each other's findings, so the fixes of such models are applied together and each fix is
judged on the findings of its own models' statements; findings elsewhere must stay as they
were (else each of those fixes is tried again alone). A fix that edits a statement no model
owns (a constant the code reads) is judged alone on the whole file. Edits that only add an
import never tie fixes together: imports bind names that nothing else binds.

The re-analyses are bounded, so that a huge file cannot hang: rounds are taken while the
characters re-analysed stay within a couple of analyses of a long file (a few more for a
short one) and the evaluation steps within a few times the analysis' own allowance. Each
finding's preferred fix is tried in the first rounds, its alternatives after: as many rounds
as a model has fixes to try verify the fixes of every model.
"""

from __future__ import annotations

import ast
import bisect
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

from shape_engine.context import Document
from shape_engine.findings import Edit, Finding, FindingId, Fix, Range, Severity, finding_id
from shape_engine.fixes import apply_edits
from shape_engine.ir import LayerCall, ModelIR
from shape_engine.rule_registry import rule_for
from shape_engine.source import LINE_BREAK

if TYPE_CHECKING:
    from shape_engine.analysis import Analysis
    from shape_engine.evaluation.scope import ModuleResolver

# Re-analyses (rounds) per analysis, at most; and, so that verifying costs a few analyses at
# most, the characters they re-analyse (two re-analyses of a long file, a few more of a short
# one) and the evaluation steps they spend (with the analysis' own, this many times its
# allowance: see `evaluate.BASE_STEPS`).
MAX_ROUNDS = 24
VERIFIED_CHARACTERS_BASE = 20_000
VERIFIED_CHARACTERS_PER_CHARACTER = 2
VERIFIED_ALLOWANCES = 3
BUILD_CODES_PREFIX = "SL1"

# How a finding is told from another across analyses (positions move when a fix adds lines).
Key = tuple[str, str]
_EXTENDED_IMPORT = re.compile(r", [A-Za-z_]\w*( as [A-Za-z_]\w*)?")
_WHOLE_FILE = -1  # a footprint that is not one model's: judged alone, on the whole file


class Reanalyze(Protocol):
    """`analysis.analyze_source`, as verification re-runs it on a fixed text."""

    def __call__(self, text: str, path: str | None = None,
                 resolver: ModuleResolver | None = None, *,
                 verify_fixes: bool = True) -> Analysis: ...


def keep_working_fixes(findings: list[Finding], document: Document, path: str | None,
                       resolver: ModuleResolver | None,
                       origins: dict[FindingId, list[ModelIR]] | None = None,
                       models: Sequence[ModelIR] = (), spent: int = 0,
                       allowance: int | None = None, *,
                       reanalyze: Reanalyze) -> list[Finding]:
    """Keep the fixes that parse, remove their finding and add no new problem.

    `origins`: the models whose checks reported each finding (without one, a finding's
    fixes are judged alone); `models`: every model of the analysis. `spent`: the evaluation
    steps the analysis took, each re-analysis about as many, out of its `allowance` (None: no
    limit; see VERIFIED_ALLOWANCES). A fix whose verification does not fit is not offered:
    nor is any when the analysis ran out of steps (it did not see the whole file).
    `reanalyze`: the analysis to re-run on the fixed text (`analysis.analyze_source`, given by
    its caller: the analysis is the pipeline that calls this step).
    """
    if not any(f.fixes for f in findings):
        return findings
    owners = _Owners(document, origins or {}, models)
    candidates = []
    for i, finding in enumerate(findings):
        if finding.file is not None:
            continue
        for n, fix_ in enumerate(_preferred_first(finding)):
            units, groups = owners.footprint(finding, fix_)
            candidates.append(_Candidate(i, fix_, (min(n, 1), i), units, groups))
    if not candidates:
        return findings
    text = document.text
    size = max(len(text), 1)
    rounds = min(MAX_ROUNDS, (VERIFIED_CHARACTERS_BASE
                              + VERIFIED_CHARACTERS_PER_CHARACTER * size) // size)
    if allowance is not None and spent > allowance:
        rounds = 0  # the analysis did not see the whole file: neither would the re-analyses
    steps = None if allowance is None else VERIFIED_ALLOWANCES * allowance - spent
    before = _Counts(findings, owners.unit_of_line)
    kept: set[tuple[int, Fix]] = set()
    pending = sorted(candidates, key=lambda c: c.rank)
    while pending and rounds > 0 and (steps is None or steps >= spent):
        chosen = _round(pending)
        taken = {id(c) for c in chosen}
        pending = [c for c in pending if id(c) not in taken]
        rounds -= 1
        edits = [edit for c in chosen for edit in c.fix.edits]
        after = reanalyze(apply_edits(text, edits), path, resolver, verify_fixes=False)
        if steps is not None:
            steps -= after.steps
        if not after.parsed or after.exhausted:
            if len(chosen) > 1:
                pending = [*(replace(c, alone=True) for c in chosen), *pending]
            continue
        counts = _Counts(after.findings, _compose(owners.unit_of_line, _line_map(edits)))
        if len(chosen) == 1:
            candidate = chosen[0]
            if _fixes(findings[candidate.finding], before.total, counts.total):
                kept.add((candidate.finding, candidate.fix))
            continue
        footprint = set().union(*(c.units for c in chosen))
        if before.outside(footprint) != counts.outside(footprint):
            # Something no chosen fix owns changed: find out which fix did, one at a time.
            pending = [*(replace(c, alone=True) for c in chosen), *pending]
            continue
        for candidate in chosen:
            if _fixes(findings[candidate.finding], before.within(candidate.units),
                      counts.within(candidate.units)):
                kept.add((candidate.finding, candidate.fix))
    return [_with_fixes(finding, [f for f in finding.fixes if (i, f) in kept])
            if finding.fixes else finding for i, finding in enumerate(findings)]


@dataclass(frozen=True)
class _Candidate:
    """A fix waiting to be checked by analysing the text it makes."""

    finding: int  # index into the findings
    fix: Fix
    rank: tuple[int, int] = (0, 0)  # (0 for a preferred fix, finding index): the order tried
    units: frozenset[int] = frozenset()  # the statements whose findings it may change
    groups: frozenset[int] = frozenset()  # ... and the model groups they belong to
    alone: bool = False  # judged alone on the whole file


def _preferred_first(finding: Finding) -> Iterable[Fix]:
    preferred = finding.fix
    if preferred is not None:
        yield preferred
    yield from (f for f in finding.fixes if f is not preferred)


def _round(pending: list[_Candidate]) -> list[_Candidate]:
    """Candidates whose footprints are disjoint, in order; one alone when it must be."""
    chosen: list[_Candidate] = []
    units: set[int] = set()
    groups: set[int] = set()
    for candidate in pending:
        if candidate.alone or _WHOLE_FILE in candidate.groups:
            if not chosen:
                return [candidate]
            continue
        if units.isdisjoint(candidate.units) and groups.isdisjoint(candidate.groups):
            chosen.append(candidate)
            units |= candidate.units
            groups |= candidate.groups
    return chosen


class _Owners:
    """Which top-level statements ("units") each model's code is in, and the groups of
    models that share a statement (or nest one another): models of different groups cannot
    change each other's findings."""

    def __init__(self, document: Document, origins: dict[FindingId, list[ModelIR]],
                 models: Sequence[ModelIR]) -> None:
        self.origins = origins
        body = document.tree.body
        self.starts = [min([s.lineno, *(d.lineno for d in getattr(s, "decorator_list", []))])
                       - 1 for s in body]
        self.statements = body
        models = _all_models([*models, *(m for found in origins.values() for m in found)])
        parent = list(range(len(models)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        index = {id(m): i for i, m in enumerate(models)}
        first_in_unit: dict[int, int] = {}
        for i, model in enumerate(models):
            for unit in self._model_units(model):
                j = first_in_unit.setdefault(unit, i)
                parent[find(i)] = find(j)
            for entry in model.entries:
                if isinstance(entry.layer, ModelIR) and id(entry.layer) in index:
                    parent[find(index[id(entry.layer)])] = find(i)
        self.group_of = {id(m): find(i) for i, m in enumerate(models)}
        self.groups_in_unit: dict[int, set[int]] = {}
        self.units_of_group: dict[int, set[int]] = {}
        for unit, i in first_in_unit.items():
            group = find(i)
            self.groups_in_unit.setdefault(unit, set()).add(group)
            self.units_of_group.setdefault(group, set()).add(unit)

    def unit_of_line(self, line: int) -> int:
        return bisect.bisect_right(self.starts, line) - 1  # -1: before the first statement

    def _model_units(self, model: ModelIR) -> set[int]:
        ranges: list[Range] = [t.range for t in model.trainings]
        ranges += [c.range for c in model.compiles if c.file is None]
        if model.file is None:  # else built in another module: only what this one does
            ranges += [model.range, *(b.range for b in model.builds)]
            for entry in model.entries:
                ranges.append(entry.range)
                if isinstance(entry.layer, LayerCall) and entry.layer.file is None:
                    ranges.append(entry.layer.range)
        return {self.unit_of_line(r.start.line) for r in ranges}

    def footprint(self, finding: Finding, fix_: Fix) -> tuple[frozenset[int], frozenset[int]]:
        """The units whose findings the fix may change, and their groups (with _WHOLE_FILE
        when that is not known)."""
        groups: set[int] = set()
        whole = False
        origin = self.origins.get(finding_id(finding), [])
        if not origin:
            whole = True
        groups |= {self.group_of[id(m)] for m in origin if id(m) in self.group_of}
        units = {self.unit_of_line(finding.range.start.line)}
        for edit in fix_.edits:
            if self._neutral(edit):
                continue
            first = self.unit_of_line(edit.range.start.line)
            last = self.unit_of_line(edit.range.end.line)
            for unit in range(first, last + 1):
                units.add(unit)
                owned = self.groups_in_unit.get(unit)
                if not owned:
                    whole = True  # a statement no model owns: its readers are unknown
                else:
                    groups |= owned
        for unit in list(units):
            if unit < 0:
                whole = True
            groups |= self.groups_in_unit.get(unit, set())
        for group in groups:
            units |= self.units_of_group.get(group, set())
        if whole:
            groups.add(_WHOLE_FILE)
        return frozenset(units), frozenset(groups)

    def _neutral(self, edit: Edit) -> bool:
        """An insertion that only adds an import (a line, or a name to a `from` import)."""
        if edit.range.start != edit.range.end:
            return False
        content = edit.content.strip()
        if _EXTENDED_IMPORT.fullmatch(edit.content):
            unit = self.unit_of_line(edit.range.start.line)
            return unit >= 0 and isinstance(self.statements[unit], ast.ImportFrom)
        try:
            tree = ast.parse(content)
        except (SyntaxError, ValueError):
            return False
        return bool(tree.body) and all(isinstance(s, ast.Import | ast.ImportFrom)
                                       for s in tree.body)


def _all_models(models: Iterable[ModelIR]) -> list[ModelIR]:
    """The models and those nested in them, each once."""
    seen: dict[int, ModelIR] = {}
    pending = list(models)
    while pending:
        model = pending.pop()
        if id(model) in seen:
            continue
        seen[id(model)] = model
        pending.extend(e.layer for e in model.entries if isinstance(e.layer, ModelIR))
    return list(seen.values())


@dataclass
class _Counts:
    """Findings by key, per unit (the top-level statement they are in)."""

    findings: Sequence[Finding]
    unit_of_line: Callable[[int], int]
    total: Counter[Key] = field(init=False)
    by_unit: dict[int, Counter[Key]] = field(init=False)

    def __post_init__(self) -> None:
        self.total = Counter()
        self.by_unit = {}
        for finding in self.findings:
            key = _key(finding)
            self.total[key] += 1
            unit = self.unit_of_line(finding.range.start.line)
            self.by_unit.setdefault(unit, Counter())[key] += 1

    def within(self, units: Iterable[int]) -> Counter[Key]:
        result: Counter[Key] = Counter()
        for unit in units:
            result.update(self.by_unit.get(unit, Counter()))
        return result

    def outside(self, units: set[int]) -> Counter[Key]:
        result: Counter[Key] = Counter()
        for unit, counts in self.by_unit.items():
            if unit not in units:
                result.update(counts)
        return result


def _line_map(edits: Sequence[Edit]) -> Callable[[int], int]:
    """Lines of the edited text -> lines of the original (a line the edits inserted -> the
    line they were inserted at)."""
    spans: list[tuple[int, int, int, int]] = []  # new first, new last, old first, old last
    shift = 0
    for edit in sorted(edits, key=lambda e: (e.range.start, e.range.end)):
        old_first, old_last = edit.range.start.line, edit.range.end.line
        added = len(LINE_BREAK.findall(edit.content))
        new_first = old_first + shift
        spans.append((new_first, new_first + added, old_first, old_last))
        shift += added - (old_last - old_first)
    firsts = [span[0] for span in spans]

    def old_line(line: int) -> int:
        k = bisect.bisect_right(firsts, line) - 1
        if k < 0:
            return line
        _, new_last, old_first, old_last = spans[k]
        if line < new_last:
            return old_first
        return old_last + (line - new_last)

    return old_line


def _compose(outer: Callable[[int], int], inner: Callable[[int], int]) -> Callable[[int], int]:
    return lambda line: outer(inner(line))


def _key(finding: Finding) -> Key:
    return finding.code, finding.message


def _fixes(finding: Finding, before: Counter[Key], after: Counter[Key]) -> bool:
    key = _key(finding)
    if after[key] >= before[key]:
        return False
    build = finding.code.startswith(BUILD_CODES_PREFIX)
    for (code, message), count in after.items():
        if count <= before[(code, message)] or _informational(code):
            continue
        # Fixing a build error lets the model build, which shows what the refusal hid: the
        # data and loss checks. A new build error, though, is the fix's own.
        if not build or code.startswith(BUILD_CODES_PREFIX):
            return False
    return True


def _informational(code: str) -> bool:
    """An information finding is not a problem a fix may not bring: when a fix edits a layer
    it names, its message changes."""
    rule = rule_for(code)
    return rule is not None and rule.severity is Severity.INFO


def _with_fixes(finding: Finding, kept: list[Fix]) -> Finding:
    if len(kept) == len(finding.fixes):
        return finding
    preferred = finding.fix
    index = kept.index(preferred) if preferred in kept else 0
    return replace(finding, fixes=tuple(kept), preferred_fix=index if kept else None)


__all__ = ["finding_id", "keep_working_fixes"]
