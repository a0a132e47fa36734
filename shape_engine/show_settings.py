"""`shapelens check --show-settings FILE`: the settings in force for a file, as TOML-like
lines (the configuration file, each key, the command line's selection, the rules reported)."""

from __future__ import annotations

from pathlib import Path

from shape_engine.config import Config
from shape_engine.selection import Layer
from shape_engine.walk import size_text


def describe(config: Config, file: Path, on_top: Layer | None = None) -> str:
    """The settings in force for `file` (`--show-settings`): the configuration file, each
    key's value, and the rules reported there (with `on_top`, the command line's layer)."""
    selection = config.selection(file)
    if on_top is not None:
        selection = selection.then(on_top)
    enabled = selection.enabled_codes()

    def codes(values: tuple[str, ...] | None) -> str:
        return "(the rules enabled by default)" if values is None else _toml_list(values)

    lines = [
        f"Settings for {file}",
        f"configuration file: {config.path if config.path else '(none: the defaults)'}",
        f"select = {codes(config.select)}",
        f"extend-select = {_toml_list(config.extend_select)}",
        f"ignore = {_toml_list(config.ignore)}",
        "per-file-ignores = {" + ", ".join(f'"{p}" = {_toml_list(c)}' for p, c in
                                           config.per_file_ignores.items()) + "}",
        f"exclude = {_toml_list(config.exclude)}",
        f"extend-exclude = {_toml_list(config.extend_exclude)}",
        "severity = {" + ", ".join(f'{c} = "{v}"' for c, v in config.severity.items()) + "}",
        f'keras-version = "{config.keras_version or "3"}"'
        + ("" if config.keras_version else " (the default)"),
        "max-file-size = " + (f'"{size_text(config.max_file_size)}"'.replace(" ", "")
                              if config.max_file_size is not None else "0 (no limit)"),
    ]
    if on_top is not None and on_top != Layer():
        chosen = "(unchanged)" if on_top.select is None else _toml_list(on_top.select)
        lines.append(f"command line: select = {chosen}, "
                     f"extend-select = {_toml_list(on_top.extend_select)}, "
                     f"ignore = {_toml_list(on_top.ignore)}")
    lines.append(f"excluded from walks: {'yes' if config.excludes(file) else 'no'}")
    lines.append(f"rules reported ({len(enabled)}): {', '.join(enabled)}")
    return "\n".join(lines)


def _toml_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"
