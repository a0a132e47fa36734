"""A rule: one stable code with its severity, a one-line summary and the why, like ruff's.

Layer and check modules declare their rules with `Rule(...)`; `rule_registry.all_rules()`
lists them for the docs table and the server's code descriptions. A rule that states an
opinion rather than a bug is off by default (`default_enabled=False`): the engine still
produces its findings, and the presenters show them only when selected (`selection`).
"""

from __future__ import annotations

from dataclasses import dataclass

from shape_engine.findings import Finding, Fix, Range, Related, Severity

_REGISTRY: dict[str, Rule] = {}


@dataclass(frozen=True)
class Rule:
    """A finding code, with its message's summary and documentation."""

    code: str
    name: str
    severity: Severity
    summary: str
    explanation: str
    # Shown unless selected? Opinions (design smells) are not.
    default_enabled: bool = True

    def __post_init__(self) -> None:
        if self.code in _REGISTRY:
            raise ValueError(f"duplicate rule code {self.code}")
        _REGISTRY[self.code] = self

    def finding(
        self,
        message: str,
        at: Range,
        related: tuple[Related, ...] = (),
        fixes: tuple[Fix, ...] = (),
        preferred_fix: int | None = None,
        file: str | None = None,
    ) -> Finding:
        """A finding at `at`, in `file` when that is not the document being analysed."""
        if fixes and preferred_fix is None:
            preferred_fix = 0
        return Finding(self.code, self.severity, message, at, related, fixes, preferred_fix,
                       file)
