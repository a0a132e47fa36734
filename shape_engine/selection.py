"""Which rules are shown: every rule enabled by default, plus those the user selects.

The minimal mechanism until full ruff-style configuration: `--extend-select SL511,SL512` on
the command line, and in the editor a code given a level in `shapelens.severity` (anything but
"off"). The engine always produces every finding; presenters filter with `selected`.
"""

from __future__ import annotations

from collections.abc import Iterable

from shape_engine.findings import Finding
from shape_engine.rule import all_rules, rule_for


def default_off_codes() -> frozenset[str]:
    return frozenset(rule.code for rule in all_rules() if not rule.default_enabled)


def parse_codes(raw: Iterable[str]) -> frozenset[str]:
    """Codes from `--extend-select` values, each `CODE[,CODE...]`; ValueError names an
    unknown one."""
    codes = {part.strip().upper() for value in raw for part in value.split(",")
             if part.strip()}
    unknown = sorted(code for code in codes if rule_for(code) is None)
    if unknown:
        raise ValueError(f"unknown rule code{'s' if len(unknown) > 1 else ''}: "
                         f"{', '.join(unknown)}")
    return frozenset(codes)


def is_enabled(code: str, extend_select: frozenset[str] = frozenset()) -> bool:
    if code in extend_select:
        return True
    rule = rule_for(code)
    return rule is None or rule.default_enabled


def selected(findings: Iterable[Finding], extend_select: frozenset[str] = frozenset()
             ) -> list[Finding]:
    return [f for f in findings if is_enabled(f.code, extend_select)]
