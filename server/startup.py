"""The server's start-up: lsprotocol's classes built from cached bytecode.

lsprotocol.types defines some 560 attrs classes, and attrs writes and compiles the methods of
each one (`__init__`, `__eq__`, `__repr__`...) at every start: about a fifth of the time from
starting the server to its first diagnostics. Python caches the bytecode of modules, not of
code generated at run time, so this module does it for attrs' generated code: the compiled
code is kept in a file in the user's cache, keyed by the generated source itself, and the next
start evaluates it instead of compiling it again. Same source, same code object: the classes
are exactly those attrs would build; any other source (another attrs, another lsprotocol)
misses the cache and is compiled as usual.

The cache is an optimisation only: when attrs no longer has the hook it replaces, or the file
cannot be read or written, start-up is the ordinary one.

Loading the cache runs the code in it, so only the user's own, verified cache is loaded:
- its folder is absolute (a relative XDG_CACHE_HOME is ignored, as the XDG spec says: it would
  be resolved against the current folder, which may be a workspace), a folder of the user's
  that nobody else may write to;
- the file and the key below are regular files (not symlinks) of the user's that nobody else
  may read or write (git cannot check out such a file: it knows only modes 644 and 755);
- the file carries an HMAC of its contents under a random key kept next to it (`key`), made
  by the first start that writes the cache: a file copied or planted from elsewhere fails it.
"""

from __future__ import annotations

import gc
import hashlib
import hmac
import importlib.util
import marshal
import os
import secrets
import stat
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

CACHE_DIR_VARIABLE = "SHAPELENS_CACHE_DIR"  # also turns the cache off when set to ""
MAGIC = b"shapelens attrs code 2\n"  # then the HMAC-SHA256 of the rest, then marshal data
KEY_NAME = "key"
KEY_BYTES = 32

# attrs compiles every generated method through this one function of attr._make (so in attrs
# 26.1, which this was written against), called as (script, globs, locs=None, filename="").
_HOOK = "_compile_and_eval"
CompileAndEval = Callable[..., None]


@dataclass
class GeneratedCodeCache:
    """Compiled code of generated scripts, by a digest of their file name and source."""

    path: Path
    stored: dict[bytes, CodeType] = field(default_factory=dict)
    used: dict[bytes, CodeType] = field(default_factory=dict)
    misses: int = 0

    @classmethod
    def load(cls, path: Path) -> GeneratedCodeCache:
        cache = cls(path)
        key = _read_private(path.parent / KEY_NAME) if _trusted_folder(path.parent) else None
        data = _read_private(path) if key is not None and len(key) == KEY_BYTES else None
        if key is None or data is None or not data.startswith(MAGIC):
            return cache  # absent, not the user's own, or of another version: start afresh
        signature, payload = data[len(MAGIC):len(MAGIC) + 32], data[len(MAGIC) + 32:]
        if not hmac.compare_digest(signature, _sign(key, payload)):
            return cache  # not written by this user's Shapelens
        try:
            stored = marshal.loads(payload)
        except (EOFError, ValueError, TypeError):
            return cache  # written by another Python
        if isinstance(stored, dict):
            cache.stored = {key: code for key, code in stored.items()
                            if isinstance(key, bytes) and isinstance(code, CodeType)}
        return cache

    def compile(self, script: str, filename: str) -> CodeType:
        key = hashlib.blake2b(f"{filename}\0{script}".encode(), digest_size=16).digest()
        code = self.stored.get(key)
        if code is None:
            code = compile(script, filename, "exec")
            self.misses += 1
        self.used[key] = code
        return code

    @property
    def stale(self) -> bool:
        # Some scripts differ at every start (attrs writes the process' string hash into a
        # generated `__hash__`), so a few misses are normal: only a cache that missed a tenth
        # of what was asked of it, as after an upgrade of lsprotocol or attrs, is rewritten.
        return self.misses * 10 >= max(len(self.used), 1)

    def save(self) -> None:
        """Write what this start used, if the stored cache is stale; never raises."""
        if not self.stale:
            return
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            key = _key(self.path.parent)
            if key is None:
                return  # a folder or a key that is not the user's own: write nothing there
            payload = marshal.dumps(self.used)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".attrs-code-")
            try:
                with os.fdopen(handle, "wb") as file:  # mkstemp made it 0600
                    file.write(MAGIC + _sign(key, payload) + payload)
                os.replace(temporary, self.path)  # readers see the old file or the new one
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            pass


def _sign(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()


def _owned_by_user(status: os.stat_result) -> bool:
    # Windows has no uids: its folders and files are guarded by their access lists.
    return not hasattr(os, "getuid") or status.st_uid == os.getuid()


def _trusted_folder(folder: Path) -> bool:
    """The user's own folder, which nobody else may write to."""
    try:
        status = folder.stat()
    except OSError:
        return False
    return (stat.S_ISDIR(status.st_mode) and _owned_by_user(status)
            and not status.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def _read_private(path: Path) -> bytes | None:
    """The contents of a regular file (not a symlink) of the user's that only they can read
    and write, else None."""
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(handle, "rb") as file:
        status = os.fstat(file.fileno())
        if (not stat.S_ISREG(status.st_mode) or not _owned_by_user(status)
                or (hasattr(os, "getuid") and status.st_mode & 0o077)):
            return None
        try:
            return file.read()
        except OSError:
            return None


def _key(folder: Path) -> bytes | None:
    """The key of the cache in `folder`, made if there is none yet; None when the folder or
    the key is not the user's own."""
    if not _trusted_folder(folder):
        return None
    path = folder / KEY_NAME
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                         | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError:
        key = _read_private(path)
        return key if key is not None and len(key) == KEY_BYTES else None
    with os.fdopen(handle, "wb") as file:
        key = secrets.token_bytes(KEY_BYTES)
        file.write(key)
    return key


def cache_folder() -> Path | None:
    """The folder of the cache, or None when caching is turned off.

    SHAPELENS_CACHE_DIR, else $XDG_CACHE_HOME/shapelens, else ~/.cache/shapelens; a relative
    value of either variable is ignored (see the module's docstring)."""
    configured = os.environ.get(CACHE_DIR_VARIABLE)
    if configured == "":
        return None
    if configured is not None and os.path.isabs(configured):
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        home = os.path.expanduser("~")
        if not os.path.isabs(home):
            return None  # no home folder to be sure of: no cache
        base = os.path.join(home, ".cache")
    return Path(base) / "shapelens"


def cache_path() -> Path | None:
    """The cache file for this Python's bytecode, or None when caching is turned off."""
    directory = cache_folder()
    if directory is None:
        return None
    # Bytecode is specific to the interpreter's version, as .pyc files are.
    version = f"{sys.implementation.cache_tag}-{importlib.util.MAGIC_NUMBER.hex()}"
    return directory / f"attrs-code-{version}.marshal"


def import_protocol() -> GeneratedCodeCache | None:
    """Import lsprotocol.types and pygls' server with attrs' generated code from the cache.

    Returns the cache used (for its figures), or None when lsprotocol was already imported or
    caching is off or impossible, and the import was the ordinary one."""
    path = cache_path()
    if "lsprotocol.types" in sys.modules or path is None:
        _import_plainly()
        return None
    import attr._make as attrs_internals

    original: CompileAndEval | None = getattr(attrs_internals, _HOOK, None)
    if original is None:
        _import_plainly()
        return None
    cache = GeneratedCodeCache.load(path)

    def compile_and_eval(script: str, globs: dict[str, Any] | None,
                         locs: Mapping[str, object] | None = None, filename: str = "") -> None:
        eval(cache.compile(script, filename), globs, locs)  # what attrs' own function does

    setattr(attrs_internals, _HOOK, compile_and_eval)
    try:
        _import_plainly()
    finally:
        setattr(attrs_internals, _HOOK, original)
    cache.save()
    return cache


def _import_plainly() -> None:
    # Building the classes allocates a great many objects that all live for good: collecting
    # garbage while they are made only walks them again and again.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        _protocol_modules()
    finally:
        if was_enabled:
            gc.enable()


def _protocol_modules() -> tuple[ModuleType, ModuleType]:
    import lsprotocol.types
    import pygls.lsp.server

    return lsprotocol.types, pygls.lsp.server
