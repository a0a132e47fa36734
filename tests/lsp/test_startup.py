"""Starting the server imports no heavy or user-facing library: not TensorFlow, numpy, Keras
or jedi (jedi is imported on its own thread once the server is initialized)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.lsp.conftest import REPO, SERVER_ENV

pytestmark = pytest.mark.lsp

HEAVY = ("tensorflow", "numpy", "keras", "jedi", "parso", "torch", "jax")


def test_serving_imports_nothing_heavy() -> None:
    probe = ("import json, sys; import server.app; "
             "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    output = subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=SERVER_ENV,
                            capture_output=True, text=True, check=True).stdout
    loaded = set(json.loads(output))
    assert not loaded & set(HEAVY)
