"""Starting the server imports no heavy or user-facing library: not TensorFlow, numpy, Keras
or jedi (jedi is imported on its own thread once the server is initialized); and it builds
lsprotocol's classes from its cache of attrs' generated code, exactly as attrs would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import cast

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


# -- attrs' generated code from the cache (server/startup.py) --------------------------------

# What a started server's classes do: equality, repr, and the converter's round trip
# of an initialize request, which builds and reads many of lsprotocol's classes.
BEHAVIOUR = """
import json, sys
from server.startup import import_protocol
cache = import_protocol()
from lsprotocol import types
from pygls.protocol import default_converter
converter = default_converter()
params = converter.structure({"processId": 1, "rootUri": "file:///w", "capabilities": {
    "textDocument": {"hover": {"contentFormat": ["markdown"]}}}}, types.InitializeParams)
behaviour = [repr(params), converter.unstructure(params),
             types.Position(1, 2) == types.Position(1, 2),
             types.Position(1, 2) != types.Position(2, 1),
             repr(types.Diagnostic(types.Range(types.Position(0, 0), types.Position(1, 1)), "m"))]
figures = None if cache is None else [cache.misses, len(cache.used)]
print(json.dumps({"behaviour": behaviour, "figures": figures}))
"""


def start(cache_dir: str) -> dict[str, object]:
    output = subprocess.run([sys.executable, "-c", BEHAVIOUR], cwd=REPO,
                            env={**SERVER_ENV, "SHAPELENS_CACHE_DIR": cache_dir},
                            capture_output=True, text=True, check=True).stdout
    result: dict[str, object] = json.loads(output)
    return result


def cache_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("attrs-code-*.marshal"))


def test_a_second_start_takes_the_generated_code_from_the_cache(tmp_path: Path) -> None:
    ordinary = start("")
    first, second = start(str(tmp_path)), start(str(tmp_path))
    assert ordinary["figures"] is None  # caching turned off: the ordinary import
    misses, used = cast(list[int], first["figures"])
    assert used > 500 and misses == used  # lsprotocol's classes, all compiled, then stored
    assert len(cache_files(tmp_path)) == 1
    misses, used = cast(list[int], second["figures"])
    assert used > 500 and misses * 10 < used  # nearly all from the cache
    assert first["behaviour"] == second["behaviour"] == ordinary["behaviour"]


def test_a_damaged_cache_is_compiled_again_and_rewritten(tmp_path: Path) -> None:
    start(str(tmp_path))
    [cache] = cache_files(tmp_path)
    cache.write_bytes(b"\x00not marshal data")
    damaged = start(str(tmp_path))
    misses, used = cast(list[int], damaged["figures"])
    assert misses == used
    misses, used = cast(list[int], start(str(tmp_path))["figures"])
    assert misses * 10 < used
    assert damaged["behaviour"] == start("")["behaviour"]


def test_a_cache_that_cannot_be_written_is_an_ordinary_start(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    result = start(str(blocker / "cache"))  # a folder inside a file: mkdir fails
    misses, used = cast(list[int], result["figures"])
    assert misses == used > 500
    assert result["behaviour"] == start("")["behaviour"]
