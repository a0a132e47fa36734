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


# -- only the user's own, verified cache is loaded (its code runs) ----------------------------

def _planted(tmp_path: Path, marker: Path) -> dict[bytes, object]:
    """A cache with the keys a start asks for, each code object leaving `marker`."""
    from server.startup import GeneratedCodeCache, cache_path

    genuine = tmp_path / "genuine"
    start(str(genuine))
    [path] = cache_files(genuine)
    keys = GeneratedCodeCache.load(path).stored
    assert len(keys) > 500
    assert cache_path() is not None
    code = compile(f"open({str(marker)!r}, 'a').write('ran\\n')", "<planted>", "exec")
    return {key: code for key in keys}


def _start_from(cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A start from `cwd`, with `env` for the cache's variables (unset when not in it)."""
    base = {name: value for name, value in SERVER_ENV.items()
            if name not in (CACHE_VARIABLE, "XDG_CACHE_HOME")}
    return subprocess.run([sys.executable, "-c", BEHAVIOUR], cwd=cwd, env={**base, **env},
                          capture_output=True, text=True, check=False, timeout=300)


def test_a_relative_xdg_cache_home_is_ignored(tmp_path: Path) -> None:
    """A relative XDG_CACHE_HOME would be resolved against the current folder, a workspace
    that may carry a cache of its own: ignored, as the XDG spec says."""
    import marshal

    from server.startup import cache_path

    marker, workspace, home = tmp_path / "marker", tmp_path / "workspace", tmp_path / "home"
    planted = _planted(tmp_path, marker)
    [genuine] = cache_files(tmp_path / "genuine")
    (workspace / "cache" / "shapelens").mkdir(parents=True)
    # The format before caches were verified, and the verified one with its key, both there.
    (workspace / "cache" / "shapelens" / genuine.name).write_bytes(marshal.dumps(planted))
    home.mkdir()
    env = {"XDG_CACHE_HOME": "cache", "HOME": str(home)}
    for variables in (env, env | {CACHE_VARIABLE: "cache/shapelens"}):
        result = _start_from(workspace, variables)
        assert result.returncode == 0, result.stderr
    assert not marker.exists()
    assert cache_files(home / ".cache" / "shapelens")  # it went to the default instead
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", "cache")
        patch.setenv("HOME", str(home))
        patch.delenv(CACHE_VARIABLE, raising=False)
        path = cache_path()
        assert path is not None and path.parent == home / ".cache" / "shapelens"


CACHE_VARIABLE = "SHAPELENS_CACHE_DIR"


def _plant(folder: Path, planted: dict[bytes, object], name: str) -> Path:
    import marshal

    from server.startup import MAGIC

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(MAGIC + bytes(32) + marshal.dumps(planted))  # no valid signature
    path.chmod(0o600)
    return path


@pytest.mark.parametrize("signed", ["unsigned", "with a wrong signature"])
def test_a_cache_without_the_users_signature_is_not_loaded(tmp_path: Path, signed: str) -> None:
    import marshal

    marker = tmp_path / "marker"
    planted = _planted(tmp_path, marker)
    [genuine] = cache_files(tmp_path / "genuine")
    folder = tmp_path / "cache"
    path = _plant(folder, planted, genuine.name)
    if signed == "unsigned":  # as caches were before they were verified
        path.write_bytes(marshal.dumps(planted))
    result = _start_from(tmp_path, {CACHE_VARIABLE: str(folder)})
    assert result.returncode == 0, result.stderr
    assert not marker.exists()
    misses, used = cast(list[int], json.loads(result.stdout)["figures"])
    assert misses == used  # compiled afresh, and rewritten signed
    misses, used = cast(list[int], start(str(folder))["figures"])
    assert misses * 10 < used


@pytest.mark.parametrize("how", ["group-writable file", "others-writable folder", "symlink",
                                 "planted key"])
def test_a_cache_others_could_have_written_is_not_loaded(tmp_path: Path, how: str) -> None:
    """Even correctly signed: a file or folder that someone else may write, a symlink, or a
    key that others may read (as a key checked out by git would be)."""
    import marshal

    from server.startup import KEY_NAME, MAGIC, _sign

    marker = tmp_path / "marker"
    planted = _planted(tmp_path, marker)
    [genuine] = cache_files(tmp_path / "genuine")
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    key = bytes(range(32))
    (folder / KEY_NAME).write_bytes(key)
    (folder / KEY_NAME).chmod(0o644 if how == "planted key" else 0o600)
    payload = marshal.dumps(planted)
    target = folder / genuine.name
    if how == "symlink":
        elsewhere = tmp_path / "elsewhere.marshal"
        elsewhere.write_bytes(MAGIC + _sign(key, payload) + payload)
        elsewhere.chmod(0o600)
        target.symlink_to(elsewhere)
    else:
        target.write_bytes(MAGIC + _sign(key, payload) + payload)
        target.chmod(0o620 if how == "group-writable file" else 0o600)
    if how == "others-writable folder":
        folder.chmod(0o703)
    result = _start_from(tmp_path, {CACHE_VARIABLE: str(folder)})
    assert result.returncode == 0, result.stderr
    assert not marker.exists()


def test_the_cache_written_is_private_and_signed(tmp_path: Path) -> None:
    import stat

    from server.startup import KEY_NAME

    folder = tmp_path / "new" / "cache"
    start(str(folder))
    [path] = cache_files(folder)
    for each in (path, folder / KEY_NAME):
        assert stat.S_IMODE(each.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0
    misses, used = cast(list[int], start(str(folder))["figures"])
    assert misses * 10 < used
