"""Which rules are shown, as ruff selects them: every rule enabled by default, then, layer
by layer (the configuration file's, then the command line's or the editor's), `select`
(replaces the set), `extend-select` (adds), `ignore` (removes) and `severity` (a level turns a
rule on, "off" turns it off).

A selector is a code (`SL201`), a prefix of codes (`SL2`) or `ALL`. Within a layer the most
specific selector wins, `ignore` on a tie, as in ruff. A rule off by default (an opinion) is
turned on only by its full code, never by a prefix. The engine produces every finding;
presenters filter with `selected`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import NamedTuple

from shape_engine.findings import Finding, Severity
from shape_engine.rule_registry import all_rules, rule_for

# Severity levels a configuration or the editor may give a code.
LEVELS = ("error", "warning", "information", "hint", "off")
LEVEL_ALIASES = {"info": "information", "warn": "warning", "none": "off", "ignore": "off"}
LEVEL_SEVERITY = {"error": Severity.ERROR, "warning": Severity.WARNING,
                  "information": Severity.INFO, "hint": Severity.INFO}
ALL = "ALL"


def default_off_codes() -> frozenset[str]:
    return frozenset(rule.code for rule in all_rules() if not rule.default_enabled)


def check_selectors(selectors: Iterable[str], exact: bool = False) -> None:
    """ValueError naming the selectors that match no rule (`exact`: that are not codes)."""
    codes = [rule.code for rule in all_rules()]
    unknown = [s for s in selectors
               if (rule_for(s) is None if exact else
                   (s != ALL and not any(code.startswith(s) for code in codes)) or not s)]
    if unknown:
        raise ValueError(f"unknown rule code{'s' if len(unknown) > 1 else ''}: "
                         f"{', '.join(unknown)}")


def parse_codes(raw: Iterable[str]) -> frozenset[str]:
    """Selectors from command-line values, each `CODE[,CODE...]`; ValueError names an
    unknown one."""
    codes = {part.strip().upper() for value in raw for part in value.split(",")
             if part.strip()}
    check_selectors(sorted(codes))
    return frozenset(codes)


# The default of the severity overrides: shared by every Layer without any, so read-only.
NO_SEVERITY: Mapping[str, str] = MappingProxyType({})


class Layer(NamedTuple):
    """One source's selection: a configuration file, the command line, the editor."""

    select: tuple[str, ...] | None = None  # None: keep what the layers below chose
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    severity: Mapping[str, str] = NO_SEVERITY  # code -> a LEVELS level

    def decide(self, code: str, enabled: bool, default_enabled: bool) -> bool:
        positive = _specificity(code, (*(self.select or ()), *self.extend_select),
                                default_enabled)
        negative = _specificity(code, self.ignore, True)
        if positive >= 0 or negative >= 0:
            enabled = positive > negative
        elif self.select is not None:
            enabled = False
        level = self.severity.get(code)
        if level is not None:
            enabled = level != "off"
        return enabled


def _specificity(code: str, selectors: Iterable[str], prefixes: bool) -> int:
    """The length of the longest selector matching `code`, -1 when none does (`prefixes`:
    whether a prefix or ALL may match, not only the code itself)."""
    best = -1
    for selector in selectors:
        if selector == code:
            best = max(best, len(code))
        elif prefixes and (selector == ALL or code.startswith(selector)):
            best = max(best, 0 if selector == ALL else len(selector))
    return best


class RuleSelection(NamedTuple):
    """The layers in force for a file, lowest first."""

    layers: tuple[Layer, ...] = ()

    @staticmethod
    def of(select: tuple[str, ...] | None = None, ignore: tuple[str, ...] = (),
           extend_select: tuple[str, ...] = (), severity: Mapping[str, str] | None = None
           ) -> RuleSelection:
        return RuleSelection((Layer(select, ignore, extend_select, dict(severity or {})),))

    def then(self, layer: Layer) -> RuleSelection:
        """This selection with `layer` on top."""
        return RuleSelection((*self.layers, layer))

    def enabled(self, code: str) -> bool:
        rule = rule_for(code)
        if rule is None:  # not a rule's code (none is produced without one)
            return True
        state = rule.default_enabled
        for layer in self.layers:
            state = layer.decide(code, state, rule.default_enabled)
        return state

    def level(self, code: str) -> str | None:
        """The level the topmost layer giving one gives `code` (None: its own severity)."""
        for layer in reversed(self.layers):
            if layer.severity.get(code) not in (None, "off"):
                return layer.severity[code]
        return None

    def leveled(self, findings: Iterable[Finding]) -> list[Finding]:
        """The findings with the severities the layers give their codes."""
        result = []
        for finding in findings:
            level = self.level(finding.code)
            if level is not None and LEVEL_SEVERITY[level] != finding.severity:
                finding = dataclasses.replace(finding, severity=LEVEL_SEVERITY[level])
            result.append(finding)
        return result

    def enabled_codes(self) -> list[str]:
        return [rule.code for rule in all_rules() if self.enabled(rule.code)]


# What the engine is told to keep: the codes selected on top of the defaults (the historical
# `--extend-select` set), or a whole selection.
Selection = frozenset[str] | RuleSelection


def is_enabled(code: str, extend_select: Selection = frozenset()) -> bool:
    if isinstance(extend_select, RuleSelection):
        return extend_select.enabled(code)
    if code in extend_select:
        return True
    rule = rule_for(code)
    return rule is None or rule.default_enabled


def selected(findings: Iterable[Finding], extend_select: Selection = frozenset()
             ) -> list[Finding]:
    return [f for f in findings if is_enabled(f.code, extend_select)]
