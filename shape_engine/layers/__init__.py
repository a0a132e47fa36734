"""Layer rules, one module per layer family as in Keras' own `keras/layers/` tree.

`RULES` (kind -> rule), `ALIASES` (written name -> kind: `Convolution2D`, `MaxPool2D`, ...)
and the other registries import a family's module the first time one of its names is asked
for (layers/index.py says which), so checking a file that uses Dense imports `core` only;
iterating a registry imports every family. `load_all_families` does so up front.
"""

import importlib

from shape_engine.layers import index
from shape_engine.layers.base import (
    ALIASES,
    LIST_RULES,
    MULTI_INPUT_RULES,
    RULES,
    LayerArgs,
    LayerOutput,
    LayerRule,
    install_family_loader,
)


def load_family(family: str) -> object:
    """Imports one family module (`core`), which registers its rules."""
    return importlib.import_module(f"{__name__}.{family}")


def load_all_families() -> None:
    for family in sorted({*index.RULE_FAMILIES.values(), *index.ALIAS_FAMILIES.values(),
                          *index.LIST_RULE_FAMILIES.values(),
                          *index.MULTI_INPUT_FAMILIES.values()}):
        load_family(family)


install_family_loader(load_family)

# Layers that take several tensors (registered with `multi_input_rule`): they cannot be a
# step of a Sequential.
MULTI_INPUT_LAYERS = frozenset(index.MULTI_INPUT_FAMILIES)

__all__ = ["ALIASES", "LIST_RULES", "MULTI_INPUT_LAYERS", "MULTI_INPUT_RULES", "RULES",
           "LayerArgs", "LayerOutput", "LayerRule", "load_all_families"]
