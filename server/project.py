"""The project's configuration in the language server: the same files the CLI reads
(`shape_engine.config`), with the editor's `shapelens.severity` on top.

A configuration that cannot be used is reported once (its one-line error) and the defaults
apply. The cache is cleared when the client says a configuration file changed (watched
files); a file changed without such notice is read again when its modification time
changes (Neovim 0.7 watches no files).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from shape_engine.config import CONFIG_FILES, Config, ConfigCache, ConfigError
from shape_engine.findings import Finding, Severity
from shape_engine.rule_registry import rule_for
from shape_engine.selection import Layer, RuleSelection, selected
from shape_engine.suppression import suppress

# The watcher patterns the server registers for configuration files.
WATCHED_PATTERNS = tuple(f"**/{name}" for name in CONFIG_FILES)
_DEFAULT_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning",
                   Severity.INFO: "information"}


@dataclass(frozen=True)
class Policy:
    """What the editor shows in one document: the selection, and each code's level."""

    selection: RuleSelection
    excluded: bool = False

    def shown(self, findings: list[Finding], text: str) -> list[Finding]:
        """The findings selected and not suppressed by a comment (SL901 when selected)."""
        if self.excluded:
            return []
        return suppress(selected(findings, self.selection), text,
                        report_unused=self.selection.enabled("SL901"))

    def overrides(self) -> dict[str, str]:
        """Levels by code for `convert.severity`: every code given one, and every code off by
        default that the selection turns on (at its own severity)."""
        levels: dict[str, str] = {}
        for code in self.selection.enabled_codes():
            level = self.selection.level(code)
            rule = rule_for(code)
            if level is None and rule is not None and not rule.default_enabled:
                level = _DEFAULT_LEVELS[rule.severity]
            if level is not None:
                levels[code] = level
        return levels


class ProjectConfigs:
    """Configurations by file; `report` is told of each unusable one, once."""

    def __init__(self, report: Callable[[str], None]) -> None:
        self._cache = ConfigCache()
        self._report = report
        self._reported: set[str] = set()

    def config(self, path: str | None) -> Config:
        if path is None:
            return Config()
        try:
            return self._cache.for_path(Path(path))
        except ConfigError as error:
            message = str(error)
            if message not in self._reported:
                self._reported.add(message)
                self._report(f"{message}; using the defaults")
            return Config()

    def policy(self, path: str | None, editor: Mapping[str, str]) -> Policy:
        config = self.config(path)
        selection = config.selection(Path(path) if path else None).then(
            Layer(severity=dict(editor)))
        excluded = path is not None and config.path is not None and config.excludes(Path(path))
        return Policy(selection, excluded)

    def changed(self) -> None:
        """A configuration file changed, appeared or went: read them all again."""
        self._cache.clear()
        self._reported.clear()


def is_config_file(path: str | None) -> bool:
    return path is not None and Path(path).name in CONFIG_FILES
