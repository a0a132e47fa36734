"""Writes layers/index.py: which family module registers each layer kind, alias and rule.

    python -m shape_engine.layers.index_writer

Run it after adding a layer rule or alias (tests/layers/test_index.py says when). It imports
every module of the package one by one, in name order, and notes what each newly registers.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path
from typing import Any

import shape_engine.layers
from shape_engine.layers import base

# Modules of the package that register nothing of their own.
NOT_FAMILIES = frozenset({"base", "index", "index_writer", "refusals", "legacy_keywords",
                          "applications_table"})

TABLES = ("RULE_FAMILIES", "ALIAS_FAMILIES", "LIST_RULE_FAMILIES", "MULTI_INPUT_FAMILIES")


def family_names() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules(shape_engine.layers.__path__)
                  if info.name not in NOT_FAMILIES)


def family_index() -> dict[str, dict[str, str]]:
    """Each table of the index, from importing the families afresh one by one.

    Importing anything of shape_engine imports the whole engine first (its __init__), so
    the families are forgotten and their registrations emptied before this starts.
    """
    registries: dict[str, base.FamilyRegistry[Any]] = dict(zip(
        TABLES, (base.RULES, base.ALIASES, base.LIST_RULES, base.MULTI_INPUT_RULES),
        strict=True))
    for family in family_names():
        sys.modules.pop(f"shape_engine.layers.{family}", None)
    for registry in registries.values():
        registry.clear_registered()
    tables: dict[str, dict[str, str]] = {table: {} for table in TABLES}
    for family in family_names():
        before = {table: set(registry.registered()) for table, registry in registries.items()}
        importlib.import_module(f"shape_engine.layers.{family}")
        for table, registry in registries.items():
            for name in sorted(set(registry.registered()) - before[table]):
                tables[table][name] = family
    return tables


def index_source(tables: dict[str, dict[str, str]]) -> str:
    lines = ['"""Which family module of shape_engine.layers registers each name (generated).',
             "",
             "Written by `python -m shape_engine.layers.index_writer`; tests/layers/test_index.py",
             "checks it against the families' registrations. Lets a rule's module be imported",
             'the first time its kind is asked for (base.FamilyRegistry)."""', ""]
    for table in TABLES:
        lines.append(f"{table}: dict[str, str] = {{")
        lines.extend(f"    {name!r}: {family!r}," for name, family in
                     sorted(tables[table].items()))
        lines.append("}")
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    source = index_source(family_index())
    if "--check" in sys.argv[1:]:
        print(source, end="")
        return 0
    Path(__file__).with_name("index.py").write_text(source, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
