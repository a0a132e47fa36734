"""`shapelens rule CODE`: a rule's page, as in rules.md, from the rule objects."""

from __future__ import annotations

from shape_engine.docs import rule_page, rules_page
from shape_engine.rule import Rule
from shape_engine.rule_registry import all_rules


def find_rule(key: str) -> Rule | None:
    """The rule with this code (any case) or name."""
    wanted = key.strip()
    for rule in all_rules():
        if rule.code == wanted.upper() or rule.name == wanted.lower():
            return rule
    return None


def print_rule(key: str | None, every: bool) -> int:
    """ValueError (a usage error) for no key or an unknown one."""
    if every:
        print(rules_page())
        return 0
    if key is None:
        raise ValueError("rule: give a code (SL201) or a name, or --all")
    rule = find_rule(key)
    if rule is None:
        raise ValueError(f"rule: no rule {key!r} (`shapelens rule --all` lists them)")
    print(rule_page(rule))
    return 0
