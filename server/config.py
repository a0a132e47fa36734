"""Settings under `shapelens.*`, from initializationOptions or workspace/configuration.

    shapelens.inlayHints.enabled  bool (true)
    shapelens.inlayHints.layerShapes  bool (true): layers' output shapes
    shapelens.inlayHints.dataShapes   bool (true): data's shapes
    shapelens.severity            {"SL101": "error" | "warning" | "information" | "hint" | "off"}
                                  (also "info", "warn", "none", "ignore"); a level for a
                                  code that is off by default (a design smell) turns it on
    shapelens.debounceMs          int, 0..10000 (150): quiet time after an edit before analysis
    shapelens.kerasVersion        "3" or "2": follow Keras 3 or tf.keras 2 where their verdicts
                                  differ (`shape_engine.keras_version`); not set: the Keras
                                  of the workspace's virtual environment, else "3"
    shapelens.maxFileSize         "2MB", "512KB" or a number of bytes ("2MB"); 0: no limit.
                                  Larger documents get one SL004 finding and no analysis.

An invalid value is reported (`Settings.problems`) and its default used; other keys are
ignored (clients pass their own, e.g. `shapelens.trace.server`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from shape_engine import keras_version
from shape_engine.keras_version import KerasVersion
from shape_engine.walk import DEFAULT_MAX_FILE_SIZE, parse_size, size_text

SEVERITY_LEVELS = ("error", "warning", "information", "hint", "off")
# Other spellings clients accept (the VS Code extension's, for one).
SEVERITY_ALIASES = {"info": "information", "warn": "warning", "none": "off", "ignore": "off"}
MAX_DEBOUNCE_MS = 10_000


@dataclass(frozen=True)
class Settings:
    """The `shapelens.*` settings in effect; `problems` says what was wrong with those given."""

    inlay_hints: bool = True
    inlay_layer_shapes: bool = True
    inlay_data_shapes: bool = True
    severity: Mapping[str, str] = field(default_factory=dict)
    debounce_ms: int = 150
    # None: not set (the server then follows the Keras installed in the workspace, if any).
    keras_version: KerasVersion | None = None
    max_file_size: int | None = DEFAULT_MAX_FILE_SIZE
    max_file_size_given: bool = False  # else the project's configuration says
    problems: tuple[str, ...] = ()


def parse(raw: object, known_codes: frozenset[str] | None = None) -> Settings:
    """Settings from the client's object: `{"shapelens": {...}}` or the section itself."""
    if raw is None:
        return Settings()
    if not isinstance(raw, Mapping):
        return Settings(problems=(f"settings must be an object, not {_kind(raw)}",))
    section = raw.get("shapelens", raw)
    if section is None:
        return Settings()
    if not isinstance(section, Mapping):
        return Settings(problems=(f"shapelens must be an object, not {_kind(section)}",))
    problems: list[str] = []
    return Settings(
        inlay_hints=_switch(section, "inlayHints.enabled", problems),
        inlay_layer_shapes=_switch(section, "inlayHints.layerShapes", problems),
        inlay_data_shapes=_switch(section, "inlayHints.dataShapes", problems),
        severity=_severity(section, problems, known_codes),
        debounce_ms=_debounce(section, problems),
        keras_version=_keras_version(section, problems),
        max_file_size=_max_file_size(section, problems),
        max_file_size_given=_size_given(section),
        problems=tuple(problems),
    )


def _lookup(section: Mapping[str, object], dotted: str) -> object:
    """`inlayHints.enabled` nested or flattened, as clients send either."""
    if dotted in section:
        return section[dotted]
    value: object = section
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _switch(section: Mapping[str, object], key: str, problems: list[str]) -> bool:
    """A boolean setting that is on by default."""
    value = _lookup(section, key)
    if value is None:
        return True
    if isinstance(value, bool):
        return value
    problems.append(f"shapelens.{key} must be true or false, not {value!r}; using true")
    return True


def _severity(section: Mapping[str, object], problems: list[str],
              known_codes: frozenset[str] | None) -> dict[str, str]:
    value = _lookup(section, "severity")
    if value is None or value == []:  # an empty Lua table arrives as a list
        return {}
    if not isinstance(value, Mapping):
        problems.append(f"shapelens.severity must be an object like {{\"SL101\": \"warning\"}}, "
                        f"not {_kind(value)}; using the default severities")
        return {}
    result: dict[str, str] = {}
    for code, level in value.items():
        name = str(code).strip().upper()
        if known_codes is not None and name not in known_codes:
            problems.append(f"shapelens.severity: unknown code {code!r}; ignored")
            continue
        chosen = level.strip().lower() if isinstance(level, str) else None
        chosen = SEVERITY_ALIASES.get(chosen or "", chosen)
        if chosen not in SEVERITY_LEVELS:
            problems.append(f"shapelens.severity.{code} must be one of "
                            f"{', '.join(repr(s) for s in SEVERITY_LEVELS)}, not {level!r}; "
                            "using its default severity")
            continue
        result[name] = chosen
    return result


def _debounce(section: Mapping[str, object], problems: list[str]) -> int:
    value = _lookup(section, "debounceMs")
    if value is None:
        return Settings.debounce_ms
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
            0 <= value <= MAX_DEBOUNCE_MS):
        problems.append(f"shapelens.debounceMs must be a number of milliseconds from 0 to "
                        f"{MAX_DEBOUNCE_MS}, not {value!r}; using {Settings.debounce_ms}")
        return Settings.debounce_ms
    return int(value)


def _keras_version(section: Mapping[str, object], problems: list[str]) -> KerasVersion | None:
    value = _lookup(section, "kerasVersion")
    if value is None or value == "":  # VS Code gives "" for a string setting not set
        return None
    try:
        return keras_version.parse(value)
    except ValueError:
        problems.append(f'shapelens.kerasVersion must be "3" or "2", not {value!r}; using '
                        f'"{keras_version.DEFAULT}"')
        return keras_version.DEFAULT


def _size_given(section: Mapping[str, object]) -> bool:
    """A valid `maxFileSize` given (one that is not valid leaves the project's in force)."""
    value = _lookup(section, "maxFileSize")
    try:
        return value is not None and (parse_size(value) or 0) >= 0
    except ValueError:
        return False


def _max_file_size(section: Mapping[str, object], problems: list[str]) -> int | None:
    value = _lookup(section, "maxFileSize")
    if value is None:
        return Settings.max_file_size
    try:
        return parse_size(value)
    except ValueError as error:
        problems.append(f"shapelens.maxFileSize: {error}; using {size_text(DEFAULT_MAX_FILE_SIZE)}")
        return Settings.max_file_size


def _kind(value: object) -> str:
    return {list: "a list", str: "a string", bool: "a boolean", int: "a number",
            float: "a number"}.get(type(value), type(value).__name__)
