"""Code actions: the engine's fixes as quick fixes, and one action for every safe fix."""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types

from server import convert
from server.convert import Lines
from shape_engine.findings import Applicability, Finding, Fix, Range

FIX_ALL = "source.fixAll.shapelens"
KINDS = [types.CodeActionKind.QuickFix, FIX_ALL]


def code_actions(findings: Sequence[Finding], lines: Lines, uri: str, version: int | None,
                 wanted: Range, context: types.CodeActionContext, overrides: dict[str, str],
                 document_changes: bool, other_lines: convert.OtherLines | None = None
                 ) -> list[types.CodeAction]:
    """`other_lines` as for `convert.diagnostics`: the linked diagnostics are the ones
    published."""
    shown = [f for f in findings if convert.severity(f, overrides) is not None]
    actions: list[types.CodeAction] = []
    if _wanted(types.CodeActionKind.QuickFix, context.only):
        for finding in shown:
            if finding.fixes and _overlaps(finding.range, wanted):
                actions.extend(_quick_fixes(finding, lines, uri, version, overrides,
                                            document_changes, other_lines))
    if _wanted(FIX_ALL, context.only):
        fix_all = _fix_all(shown, lines, uri, version, overrides, document_changes,
                           other_lines)
        if fix_all is not None:
            actions.append(fix_all)
    return actions


def _quick_fixes(finding: Finding, lines: Lines, uri: str, version: int | None,
                 overrides: dict[str, str], document_changes: bool,
                 other_lines: convert.OtherLines | None) -> list[types.CodeAction]:
    level = convert.severity(finding, overrides) or types.DiagnosticSeverity.Error
    diagnostic = convert.diagnostic(finding, lines, uri, level, other_lines)
    return [types.CodeAction(
        title=fix.title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        is_preferred=index == finding.preferred_fix,
        edit=convert.workspace_edit(uri, version, convert.text_edits(fix, lines),
                                    document_changes),
    ) for index, fix in enumerate(finding.fixes)]


def _fix_all(findings: Sequence[Finding], lines: Lines, uri: str, version: int | None,
             overrides: dict[str, str], document_changes: bool,
             other_lines: convert.OtherLines | None) -> types.CodeAction | None:
    """Every finding's preferred fix that is safe, skipping any that would overlap another."""
    chosen: list[tuple[Finding, Fix]] = []
    taken: list[Range] = []
    for finding in findings:
        fix = finding.fix
        if fix is None or fix.applicability != Applicability.SAFE or not fix.edits:
            continue
        if any(_overlaps(edit.range, other) for edit in fix.edits for other in taken):
            continue
        chosen.append((finding, fix))
        taken.extend(edit.range for edit in fix.edits)
    if not chosen:
        return None
    edits = [edit for _, fix in chosen for edit in convert.text_edits(fix, lines)]
    diagnostics = [convert.diagnostic(f, lines, uri,
                                      convert.severity(f, overrides)
                                      or types.DiagnosticSeverity.Error, other_lines)
                   for f, _ in chosen]
    count = len(chosen)
    return types.CodeAction(
        title=f"Fix {count} shape problem{'s' if count != 1 else ''} (Shapelens safe fixes)",
        kind=FIX_ALL,
        diagnostics=diagnostics,
        edit=convert.workspace_edit(uri, version, edits, document_changes),
    )


def _wanted(kind: str, only: Sequence[str] | None) -> bool:
    """Whether the client asked for this kind: `only` lists kinds and their parents."""
    if not only:
        return True
    return any(kind == wanted or kind.startswith(f"{wanted}.") for wanted in only)


def _overlaps(a: Range, b: Range) -> bool:
    return a.start <= b.end and b.start <= a.end
