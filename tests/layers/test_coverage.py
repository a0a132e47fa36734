"""Every layer class `keras.layers` exports is modelled, or listed here as staying unknown.

`keras_layers.txt` is written by `python -m tests.layers.keras_layers` from the installed
Keras; the last test checks it is current.
"""

from __future__ import annotations

import pytest

from shape_engine.keras_names import layer_kind
from tests.layers.keras_layers import LIST, exported_layers

# Exported layers the engine leaves unknown on purpose (their output is unknown, nothing
# downstream is checked), and why. README.md ("What it understands") lists them too.
STAYS_UNKNOWN = {
    "Layer": "the base class: a subclass is a custom layer, read from its own code",
    "Wrapper": "an abstract base class; its subclasses (Bidirectional, TimeDistributed) are "
               "modelled",
    "TorchModuleWrapper": "runs a PyTorch module (torch backend): its shapes come from "
                          "running that module",
    "JaxLayer": "runs a JAX function (jax backend): its shapes come from running it",
    "FlaxLayer": "runs a Flax module (jax backend): its shapes come from running it",
    "TFSMLayer": "loads a SavedModel from disk: its signature is in the file, not the program",
    "Equalization": "Keras 3.15's symbolic call returns its input tensor itself, so a model "
                    "around it raises 'part of a cycle' (a Keras bug, not modelled)",
}


def listed() -> list[tuple[str, str]]:
    """(exported name, class name) for each line of keras_layers.txt."""
    pairs = []
    for line in LIST.read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, own = line.partition(" = ")
        pairs.append((name, own or name))
    return pairs


def test_every_exported_layer_is_modelled_or_stays_unknown_for_a_reason() -> None:
    missing = [name for name, _ in listed()
               if name not in STAYS_UNKNOWN and layer_kind(f"keras.layers.{name}") is None]
    assert not missing, f"exported by keras.layers but neither modelled nor listed: {missing}"


def test_the_unknown_list_names_only_exported_layers_not_modelled() -> None:
    exported = {name for name, _ in listed()}
    assert set(STAYS_UNKNOWN) <= exported
    modelled = [name for name in STAYS_UNKNOWN
                if layer_kind(f"keras.layers.{name}") is not None]
    assert not modelled, f"modelled now, drop them from STAYS_UNKNOWN: {modelled}"


def test_another_name_of_a_class_is_the_same_kind() -> None:
    for name, own in listed():
        if name != own and own in {n for n, _ in listed()}:
            assert layer_kind(f"keras.layers.{name}") == layer_kind(f"keras.layers.{own}"), name


@pytest.mark.tensorflow
def test_the_list_is_the_installed_keras_one() -> None:
    assert [line for line in LIST.read_text().splitlines()[1:] if line] == exported_layers()
