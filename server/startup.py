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
"""

from __future__ import annotations

import gc
import hashlib
import importlib.util
import marshal
import os
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

CACHE_DIR_VARIABLE = "SHAPELENS_CACHE_DIR"  # also turns the cache off when set to ""

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
        try:
            stored = marshal.loads(path.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            return cache  # absent, unreadable, or written by another Python: start afresh
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
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".attrs-code-")
            try:
                with os.fdopen(handle, "wb") as file:
                    file.write(marshal.dumps(self.used))
                os.replace(temporary, self.path)  # readers see the old file or the new one
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            pass


def cache_path() -> Path | None:
    """The cache file for this Python's bytecode, or None when caching is turned off."""
    configured = os.environ.get(CACHE_DIR_VARIABLE)
    if configured == "":
        return None
    if configured is not None:
        directory = Path(configured)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        directory = Path(base) / "shapelens"
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
