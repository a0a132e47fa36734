"""Every rule of the engine, by code: for the docs, the server, selection and suppression.

Above the checks: importing the layer and check families registers their rules (`Rule`
registers itself when declared), so the listing is complete once this module is imported.
"""

from __future__ import annotations

import shape_engine.checks
import shape_engine.layers  # noqa: F401  (registers the build refusals' rules)
from shape_engine.rule import _REGISTRY, Rule


def rule_for(code: str) -> Rule | None:
    """The rule with this code, None for an unknown code."""
    return _REGISTRY.get(code)


def all_rules() -> list[Rule]:
    return sorted(_REGISTRY.values(), key=lambda r: r.code)
