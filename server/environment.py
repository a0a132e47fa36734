"""The Keras a workspace's virtual environment holds, read from its package metadata.

Nothing is imported or run: the `*.dist-info` folders of the environment's site-packages say
which keras and tensorflow are installed. Keras 2 (TensorFlow 2.15 and older) means tf.keras 2
verdicts; Keras 3, or TensorFlow 2.16 and later, Keras 3's. The editor's
`shapelens.kerasVersion` setting, when given, wins over this.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from shape_engine.keras_version import KERAS_2, KERAS_3, KerasVersion

# Where virtual environments usually live in a project.
VENV_NAMES = (".venv", "venv", "env", ".env")


@dataclass(frozen=True)
class InstalledKeras:
    """What an environment holds, and the verdicts that follow from it."""

    keras_version: KerasVersion
    site_packages: Path
    why: str  # e.g. "keras 2.15.0", for the log


def installed_keras(roots: Sequence[Path]) -> InstalledKeras | None:
    """From the first virtual environment of the workspace folders that has keras or
    tensorflow installed; None when none has."""
    for site in _site_packages(roots):
        found = _judge(site)
        if found is not None:
            return found
    return None


def _site_packages(roots: Sequence[Path]) -> Iterator[Path]:
    for root in roots:
        for name in VENV_NAMES:
            venv = root / name
            if not (venv / "pyvenv.cfg").is_file():
                continue
            yield from sorted(venv.glob("lib/python3*/site-packages"))
            if (venv / "Lib" / "site-packages").is_dir():  # Windows
                yield venv / "Lib" / "site-packages"


def _judge(site: Path) -> InstalledKeras | None:
    versions: dict[str, str] = {}
    try:
        for dist in metadata.distributions(path=[str(site)]):
            name = (dist.name or "").lower().replace("_", "-")
            if name and dist.version:
                versions.setdefault(name, dist.version)
    except OSError:
        return None
    keras = versions.get("keras")
    if keras is not None:
        major = _major(keras)
        if major is not None:
            return InstalledKeras(KERAS_2 if major < 3 else KERAS_3, site, f"keras {keras}")
    for name in ("tensorflow", "tensorflow-cpu"):
        tensorflow = versions.get(name)
        minor = _major_minor(tensorflow) if tensorflow else None
        if minor is not None:
            chosen = KERAS_2 if minor < (2, 16) else KERAS_3
            return InstalledKeras(chosen, site, f"{name} {tensorflow}")
    return None


def _major(version: str) -> int | None:
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else None


def _major_minor(version: str) -> tuple[int, int] | None:
    parts = version.split(".")
    if len(parts) < 2 or not (parts[0].isdigit() and parts[1].isdigit()):
        return None
    return int(parts[0]), int(parts[1])
