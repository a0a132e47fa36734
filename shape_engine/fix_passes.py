"""Applying every fix of a file at once (`shapelens check --fix`), in a few passes.

A pass takes, for each finding, its preferred fix (or the first alternative the
applicability allows), keeps those whose edits overlap none taken before, applies them all
and analyses the result once: the analysis verifies it (it must parse) and gives the
findings for the next pass, which takes the fixes left over (they overlapped) and those the
fixes just made possible. Every fix was verified on its own by the analysis that offered it
(shape_engine/verify.py). Should the fixes of a pass together make a file that does not
parse, that pass applies only its first fix. The passes are bounded: each removes findings,
so the bound is only a guard.

One analysis per pass, not one per fix: 1,000 fixable models take two analyses, not 1,000.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shape_engine.analysis import analyze_source
from shape_engine.findings import Finding, Fix
from shape_engine.fixes import TextMap, applicable_fix, apply_edits
from shape_engine.selection import Selection

if TYPE_CHECKING:
    from shape_engine.evaluation.scope import ModuleResolver

MAX_FIX_PASSES = 32


@dataclass
class Fixed:
    """A text after its fixes, with what was applied and what remains."""

    text: str
    applied: list[tuple[Finding, Fix]]
    remaining: list[Finding]


def fix_all(text: str, path: str | None = None, resolver: ModuleResolver | None = None,
            unsafe: bool = False, extend_select: Selection = frozenset()) -> Fixed:
    """Apply every fix the applicability allows, in passes of fixes that do not overlap.
    Only the findings of rules enabled by default or in `extend_select` are fixed and
    reported."""
    applied: list[tuple[Finding, Fix]] = []
    analysis = analyze_source(text, path, resolver, extend_select=extend_select)
    for _ in range(MAX_FIX_PASSES):
        chosen = disjoint(text, _applicable(analysis.findings, unsafe))
        if not chosen:
            break
        fixed = apply_edits(text, [edit for _, fix_ in chosen for edit in fix_.edits])
        after = analyze_source(fixed, path, resolver, extend_select=extend_select)
        if not after.parsed and len(chosen) > 1:
            chosen = chosen[:1]  # together they break the file: one at a time
            fixed = apply_edits(text, chosen[0][1].edits)
            after = analyze_source(fixed, path, resolver, extend_select=extend_select)
        if not after.parsed:
            break  # never leave a file that does not parse
        applied += chosen
        text, analysis = fixed, after
    return Fixed(text, applied, analysis.findings)


def _applicable(findings: list[Finding], unsafe: bool) -> list[tuple[Finding, Fix]]:
    """Each finding's fix to apply: its preferred one, else the first alternative allowed."""
    chosen = ((finding, applicable_fix(finding, unsafe)) for finding in findings)
    return [(finding, fix_) for finding, fix_ in chosen if fix_ is not None]


def disjoint(text: str, choices: list[tuple[Finding, Fix]]) -> list[tuple[Finding, Fix]]:
    """The choices, in order, whose edits neither overlap nor touch those of one before
    (two insertions at one place could go in either order: the second waits a pass)."""
    mapping = TextMap(text)
    starts: list[int] = []  # the spans taken, sorted and pairwise apart
    ends: list[int] = []
    chosen = []
    for finding, fix_ in choices:
        spans = sorted((mapping.offset(e.range.start), mapping.offset(e.range.end))
                       for e in fix_.edits)
        if any(_touches(starts, ends, start, end) for start, end in spans):
            continue
        if any(a_end >= b_start for (_, a_end), (b_start, _) in itertools.pairwise(spans)):
            spans = [(spans[0][0], max(end for _, end in spans))]  # its own edits meet
        for start, end in spans:
            index = bisect.bisect_left(starts, start)
            starts.insert(index, start)
            ends.insert(index, end)
        chosen.append((finding, fix_))
    return chosen


def _touches(starts: list[int], ends: list[int], start: int, end: int) -> bool:
    index = bisect.bisect_left(starts, start)
    return ((index > 0 and ends[index - 1] >= start)
            or (index < len(starts) and starts[index] <= end))


__all__ = ["MAX_FIX_PASSES", "Fixed", "disjoint", "fix_all"]
