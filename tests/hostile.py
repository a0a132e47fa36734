"""A hostile workspace, for the command line's and the server's walks alike.

A FIFO named like a module (reading it blocks for good), a link to /dev/zero (reading it
never ends), links in a loop, a link out of the workspace, a file over the size limit (a
sparse 4 GB file: read, it would take the memory and the time of the test), next to one
ordinary file with one finding.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

BROKEN = (
    "import keras\n"
    "model = keras.Sequential([keras.Input((4,)), keras.layers.Conv2D(2, 3)])\n"
)
HUGE = 4 << 30  # bytes, sparse: nothing is written


def hostile_workspace(root: Path, outside: Path) -> Path:
    """`root` filled in; `outside` gets the file a link leads to (with a finding of its
    own, were it read)."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes on this platform")
    root.mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    (root / "model.py").write_text(BROKEN)
    os.mkfifo(root / "pipe.py")
    (root / "zero.py").symlink_to("/dev/zero")
    (root / "loop_a.py").symlink_to(root / "loop_b.py")
    (root / "loop_b.py").symlink_to(root / "loop_a.py")
    (root / "itself.py").symlink_to(root / "itself.py")
    (outside / "secret.py").write_text(BROKEN)
    (root / "leaves.py").symlink_to(outside / "secret.py")
    with (root / "huge.py").open("wb") as huge:
        huge.truncate(HUGE)
    return root


SKIPPED = ("pipe.py", "zero.py", "loop_a.py", "loop_b.py", "itself.py", "leaves.py")
