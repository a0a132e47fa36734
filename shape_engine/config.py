"""The project's configuration: `[tool.shapelens]` in pyproject.toml, or shapelens.toml /
.shapelens.toml, found from the checked file upwards as ruff finds its own.

One configuration read by the CLI and the language server alike. The nearest folder holding
one of the three files wins (in that folder: .shapelens.toml, then shapelens.toml, then a
pyproject.toml with a `[tool.shapelens]` table; a pyproject.toml without one is passed over).
Nothing is merged across folders. Errors are one line naming the file and the key.
"""

from __future__ import annotations

import fnmatch
import sys
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any, NamedTuple

from shape_engine.selection import LEVEL_ALIASES, LEVELS, RuleSelection, check_selectors
from shape_engine.walk import DEFAULT_MAX_FILE_SIZE, SKIPPED_DIRS, parse_size

CONFIG_FILES = (".shapelens.toml", "shapelens.toml", "pyproject.toml")
# Folders never walked into unless `exclude` says otherwise (as ruff's default exclusions).
DEFAULT_EXCLUDE = tuple(sorted(SKIPPED_DIRS))
KERAS_VERSIONS = ("3", "2")


class ConfigError(Exception):
    """A configuration file that cannot be used: its message is one line naming the file."""


# The default of a mapping setting: shared by every Config without it, so read-only.
_NONE_GIVEN: Mapping[str, Any] = MappingProxyType({})


class Config(NamedTuple):
    """The settings of one configuration file (or the defaults, `path` None)."""

    path: Path | None = None
    select: tuple[str, ...] | None = None  # None: the rules enabled by default
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    per_file_ignores: Mapping[str, tuple[str, ...]] = _NONE_GIVEN
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    severity: Mapping[str, str] = _NONE_GIVEN  # code -> level in LEVELS
    keras_version: str | None = None  # None: not written (Keras 3 unless the editor says)
    max_file_size: int | None = DEFAULT_MAX_FILE_SIZE  # bytes; None: no limit

    @property
    def root(self) -> Path | None:
        """The folder patterns are relative to: the configuration file's."""
        return self.path.parent if self.path is not None else None

    def selection(self, file: Path | None = None) -> RuleSelection:
        """The rules this configuration selects for `file` (its per-file ignores included)."""
        ignore = self.ignore
        if file is not None:
            for pattern, codes in self.per_file_ignores.items():
                if self._matches(pattern, file):
                    ignore += codes
        return RuleSelection.of(self.select, ignore, self.extend_select, self.severity)

    def excludes(self, path: Path) -> bool:
        """Is `path` (a file or folder) excluded from walks?"""
        return any(self._matches(p, path) for p in (*self.exclude, *self.extend_exclude))

    def _matches(self, pattern: str, path: Path) -> bool:
        """Glob `pattern` against `path` relative to the root, against any of its leading
        folders (`tests/fixtures` covers what is under it), and, for a pattern without a
        slash, against any one name on the way (`build` anywhere)."""
        relative = _relative(path, self.root)
        parts = relative.parts
        pattern = pattern.rstrip("/")
        if pattern.startswith("./"):
            pattern = pattern[2:]
        if "/" not in pattern:
            return any(fnmatch.fnmatchcase(part, pattern) for part in parts)
        return any(_glob(pattern, "/".join(parts[:end])) for end in range(1, len(parts) + 1))


def _relative(path: Path, root: Path | None) -> PurePosixPath:
    absolute = Path(path).absolute()
    if root is not None:
        try:
            return PurePosixPath(absolute.relative_to(root.absolute()).as_posix())
        except ValueError:
            pass
    return PurePosixPath(absolute.as_posix().lstrip("/"))


def _glob(pattern: str, text: str) -> bool:
    """fnmatch with `**/` matching any folders, including none."""
    if fnmatch.fnmatchcase(text, pattern):
        return True
    return "**/" in pattern and fnmatch.fnmatchcase(text, pattern.replace("**/", ""))


# -- discovery -------------------------------------------------------------------------------


def find_config_file(start: Path) -> Path | None:
    """The configuration file for `start` (a file or folder): in its folder or the nearest
    one above holding one."""
    start = Path(start).absolute()
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        found = _config_in(candidate)
        if found is not None:
            return found
    return None


def _config_in(folder: Path) -> Path | None:
    for name in CONFIG_FILES:
        path = folder / name
        try:
            if not path.is_file():
                continue
        except OSError:
            continue
        if name != "pyproject.toml" or _has_tool_table(path):
            return path
    return None


def _has_tool_table(path: Path) -> bool:
    """Does this pyproject.toml have `[tool.shapelens]`? One that does not parse is not ours
    to report unless it has the table (a text search, as ruff does)."""
    try:
        return "tool.shapelens" in path.read_text("utf-8", errors="replace")
    except OSError:
        return False


class ConfigCache:
    """Configurations by folder, read once each until `clear` (the server clears it when a
    configuration file changes) or until the file's modification time or size changes.
    `lenient`: a file that cannot be used gives the defaults instead of a ConfigError."""

    def __init__(self, lenient: bool = False) -> None:
        self.lenient = lenient
        self._by_folder: dict[Path, Path | None] = {}
        self._loaded: dict[Path, tuple[tuple[int, int] | None, Config | ConfigError]] = {}

    def for_path(self, path: Path) -> Config:
        """The configuration for a file or folder; the defaults when there is none. Raises
        ConfigError when the file found cannot be used."""
        absolute = Path(path).absolute()
        folder = absolute if absolute.is_dir() else absolute.parent
        if folder not in self._by_folder:
            self._by_folder[folder] = find_config_file(folder)
        found = self._by_folder[folder]
        if found is None:
            return Config()
        stamp = _stamp(found)
        cached = self._loaded.get(found)
        if cached is None or cached[0] != stamp:
            try:
                loaded: Config | ConfigError = load_config(found)
            except ConfigError as error:
                loaded = error
            cached = (stamp, loaded)
            self._loaded[found] = cached
        if isinstance(cached[1], ConfigError):
            if self.lenient:
                return Config()
            raise cached[1]
        return cached[1]

    def clear(self) -> None:
        self._by_folder.clear()
        self._loaded.clear()


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


def excluded_by(configs: ConfigCache) -> Callable[[Path], bool]:
    """Whether a file or folder met in a walk is excluded by the configuration above it."""
    return lambda path: configs.for_path(path.parent).excludes(path)


# -- reading ---------------------------------------------------------------------------------


def load_config(path: Path) -> Config:
    """The configuration in `path` (a shapelens.toml, .shapelens.toml or pyproject.toml)."""
    # The TOML parser (and the datetime it loads) only when there is a file to read: most
    # runs have none, and start-up is most of a small run's time.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - the backport has the same interface
        import tomli as tomllib
    try:
        with open(path, "rb") as stream:
            document = tomllib.load(stream)
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    if path.name == "pyproject.toml":
        table = document.get("tool", {}).get("shapelens", {})
        prefix = "tool.shapelens."
    else:
        table = document
        prefix = ""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {prefix.rstrip('.') or 'the file'} must be a table")
    return parse_table(table, path, prefix)


def parse_table(table: Mapping[str, Any], path: Path, prefix: str = "") -> Config:
    """A Config from a TOML table; ConfigError on the first unknown key or bad value."""
    values: dict[str, Any] = {}
    for key, raw in table.items():
        entry = SCHEMA.get(key)
        if entry is None:
            known = ", ".join(sorted(SCHEMA))
            raise ConfigError(f"{path}: unknown key '{prefix}{key}' (known keys: {known})")
        attribute, read = entry
        try:
            values[attribute] = read(raw)
        except ValueError as error:
            raise ConfigError(f"{path}: '{prefix}{key}': {error}") from None
    return Config(path=path, **values)


def _codes(raw: object) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise ValueError(f"must be a list of rule codes like [\"SL201\"], not {_shown(raw)}")
    codes = tuple(item.strip().upper() for item in raw)
    check_selectors(codes)
    return codes


def _patterns(raw: object) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(item, str) and item for item in raw):
        raise ValueError(f"must be a list of glob patterns like [\"tests/fixtures\"], not "
                         f"{_shown(raw)}")
    return tuple(raw)


def _per_file_ignores(raw: object) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise ValueError(f"must be a table like {{\"tests/*\" = [\"SL201\"]}}, not {_shown(raw)}")
    result = {}
    for pattern, codes in raw.items():
        try:
            result[pattern] = _codes(codes)
        except ValueError as error:
            raise ValueError(f"'{pattern}': {error}") from None
    return result


def _severity(raw: object) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise ValueError(f"must be a table like {{SL201 = \"warning\"}}, not {_shown(raw)}")
    result = {}
    for code, level in raw.items():
        name = code.strip().upper()
        try:
            check_selectors((name,), exact=True)
        except ValueError as error:
            raise ValueError(f"'{code}': {error}") from None
        chosen = level.strip().lower() if isinstance(level, str) else None
        chosen = LEVEL_ALIASES.get(chosen or "", chosen)
        if chosen not in LEVELS:
            raise ValueError(f"'{code}' must be one of {', '.join(map(repr, LEVELS))}, not "
                             f"{_shown(level)}")
        result[name] = chosen
    return result


def _keras_version(raw: object) -> str:
    text = str(raw) if isinstance(raw, str | int) and not isinstance(raw, bool) else None
    if text not in KERAS_VERSIONS:
        raise ValueError(f"must be \"3\" (the default) or \"2\" (tf.keras 2), not {_shown(raw)}")
    return text


def _max_file_size(raw: object) -> int | None:
    try:
        return parse_size(raw)
    except ValueError:
        raise ValueError(f"must be a size like 2MB, 512KB or a number of bytes (0: no limit), "
                         f"not {_shown(raw)}") from None


def _shown(raw: object) -> str:
    kind = {list: "a list", dict: "a table", str: "a string", bool: "a boolean",
            int: "a number", float: "a number"}.get(type(raw), type(raw).__name__)
    return f"{kind} ({raw!r})" if not isinstance(raw, list | dict) else kind


# The keys: TOML name -> (Config attribute, reader raising ValueError with the reason).
SCHEMA: dict[str, tuple[str, Callable[[object], object]]] = {
    "select": ("select", _codes),
    "ignore": ("ignore", _codes),
    "extend-select": ("extend_select", _codes),
    "per-file-ignores": ("per_file_ignores", _per_file_ignores),
    "exclude": ("exclude", _patterns),
    "extend-exclude": ("extend_exclude", _patterns),
    "severity": ("severity", _severity),
    "keras-version": ("keras_version", _keras_version),
    "max-file-size": ("max_file_size", _max_file_size),
}
