"""The installed Shapelens version, from the package metadata (no import of anything heavy)."""

from __future__ import annotations

from importlib import metadata


def version() -> str:
    try:
        return metadata.version("shapelens")
    except metadata.PackageNotFoundError:  # run from a checkout that is not installed
        return "0+unknown"
