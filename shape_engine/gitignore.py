"""`.gitignore` when walking folders, as git reads it (the `pathspec` library matches).

Only inside a git repository (a folder holding `.git`, here or above), as ruff and ripgrep
do: elsewhere a `.gitignore` means nothing to git either. The rules are those of every
`.gitignore` from the repository's top down to the folder, and `.git/info/exclude`; a deeper
file's rule wins over a shallower one's, and within a file the last matching line wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pathspec is imported when a .gitignore is read: it takes ~30 ms
    from pathspec import GitIgnoreSpec

IGNORE_FILE = ".gitignore"


@dataclass(frozen=True)
class _Rules:
    """The patterns of one ignore file."""

    base: Path  # the folder the patterns are relative to
    spec: GitIgnoreSpec


@dataclass(frozen=True)
class IgnoreRules:
    """The rules in force in one folder: outermost first."""

    rules: tuple[_Rules, ...]

    @classmethod
    def for_folder(cls, folder: Path) -> IgnoreRules | None:
        """The rules in force in `folder`, or None outside a git repository."""
        folder = Path(folder).absolute()
        top = _repository_top(folder)
        if top is None:
            return None
        rules = [r for r in (_read(top / ".git" / "info" / "exclude", top),) if r]
        chain = [folder, *folder.parents]
        for ancestor in reversed(chain[: chain.index(top) + 1]):
            found = _read(ancestor / IGNORE_FILE, ancestor)
            if found:
                rules.append(found)
        return cls(tuple(rules))

    def entering(self, folder: Path) -> IgnoreRules:
        """The rules in force in `folder`, a subfolder of the one these are for."""
        found = _read(Path(folder).absolute() / IGNORE_FILE, Path(folder).absolute())
        return IgnoreRules((*self.rules, found)) if found else self

    def ignores(self, path: Path, is_dir: bool) -> bool:
        path = Path(path).absolute()
        for rule in reversed(self.rules):
            try:
                relative = path.relative_to(rule.base).as_posix()
            except ValueError:
                continue
            verdict = rule.spec.check_file(relative + ("/" if is_dir else "")).include
            if verdict is not None:
                return verdict
        return False


def _repository_top(folder: Path) -> Path | None:
    for candidate in (folder, *folder.parents):
        try:
            if (candidate / ".git").exists():
                return candidate
        except OSError:  # a folder that cannot be searched: look higher
            continue
    return None


def _read(path: Path, base: Path) -> _Rules | None:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:  # none here, or unreadable: no rules from it
        return None
    if not lines:
        return None
    from pathspec import GitIgnoreSpec

    return _Rules(base, GitIgnoreSpec.from_lines(lines))
