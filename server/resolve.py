"""Cross-file resolution: the user's own modules, found with jedi, read (never imported).

The engine asks for a module by name when the document imports from one (`from models import
build_model`); this answers with its path and text: the open document's unsaved text when the
module is open in the editor, else the file on disk. Keras, TensorFlow and numpy are named by
the engine's own import tracking and never reach jedi, and jedi's search path is the workspace
only, so it cannot wander into site-packages.

jedi is not thread-safe: every jedi call runs on one dedicated thread. It is imported on that
thread by `warm`, which the server calls once initialized, never while starting.

jedi runs no interpreter: left to itself it would start the `bin/python` of the environment
VIRTUAL_ENV or CONDA_PREFIX names (which may sit in the workspace, when the user activated the
repository's own venv) to ask it for its search path. It gets `_ServerEnvironment`, this
process, instead, and only needs it for the standard library: modules are found by source.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

from shape_engine.evaluation.python import MODULE_ROOTS
from shape_engine.imports import MAX_MODULE_BYTES
from shape_engine.incremental import Resolution, Session
from shape_engine.source import decode
from shape_engine.walk import Target, TooLarge, read

logger = logging.getLogger(__name__)

# Modules that are never the user's: the engine names the first ones itself, the others are
# big libraries whose analysis would only cost time.
NEVER_RESOLVED = MODULE_ROOTS | frozenset(
    {"__future__", "tensorflow_datasets", "tensorflow_hub", "torch", "jax", "flax", "pandas",
     "scipy", "matplotlib", "seaborn", "sklearn", "cv2", "PIL", "transformers", "datasets"})
JEDI_TIMEOUT_S = 5.0
_MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*(\.[A-Za-z_][A-Za-z_0-9]*)*")

# (version, text) of a document open in the editor, by file system path.
OpenText = Callable[[str], "tuple[int | None, str] | None"]


class WorkspaceResolution(Resolution):
    def __init__(self, roots: list[Path], open_text: OpenText) -> None:
        self.roots = [root.resolve() for root in roots]
        self.open_text = open_text
        self.epoch = 0
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shapelens-jedi")
        self._closed = False
        self._lock = threading.Lock()
        # (module, level, importer's folder) -> path, or None: not one of the user's modules.
        self._found: dict[tuple[str, int, str], str | None] = {}
        # Who asked for each module not found (or not found in time): analysed again, without
        # their cached analyses, when it may have appeared.
        self._missing_for: dict[tuple[str, int, str], set[str]] = {}
        self._projects: dict[Path, Any] = {}  # jedi.Project by root; used on the jedi thread

    # -- the engine's side -------------------------------------------------------------------

    def session(self, importer: str | None) -> Session:
        return _Session(self, importer)

    def stamp(self, path: str) -> object:
        opened = self.open_text(path)
        if opened is not None:
            return ("open", opened[0], len(opened[1]))
        try:
            status = os.stat(path)
        except OSError:
            return None
        return ("disk", status.st_mtime_ns, status.st_size)

    def find(self, module: str, level: int, importer: str) -> str | None:
        """The path of the module's source, if it is one of the user's modules."""
        if not module and level == 0:
            return None
        if level == 0 and (module.split(".")[0] in NEVER_RESOLVED
                           or not _MODULE_NAME.fullmatch(module)):
            return None
        key = (module, level, str(Path(importer).parent))
        with self._lock:
            if key in self._found:
                found = self._found[key]
                if found is None:
                    self._missing_for.setdefault(key, set()).add(importer)
                return found
        if level > 0:
            found = _relative(module, level, Path(importer))
        elif not self._might_exist(module.split(".")[0], Path(importer)):
            found = None  # nothing of that name in the workspace: no need to ask jedi
        else:
            try:
                found = self._on_jedi_thread(self._jedi_find, module, importer).result(
                    timeout=JEDI_TIMEOUT_S)
                logger.info("jedi: %s imported from %s is %s", module, importer, found)
            except FutureTimeout:
                logger.warning("jedi took more than %ss to find %s", JEDI_TIMEOUT_S, module)
                with self._lock:  # not cached: the next analysis asks again
                    self._missing_for.setdefault(key, set()).add(importer)
                return None
            except Exception:
                logger.exception("jedi failed to find module %s", module)
                found = None
        if found is not None and not self._inside_workspace(Path(found), Path(importer)):
            found = None
        if found is not None:
            found = os.path.realpath(found)
        with self._lock:
            self._found[key] = found
            if found is None:
                self._missing_for.setdefault(key, set()).add(importer)
        return found

    def read(self, path: str) -> tuple[str, object] | None:
        """(text, stamp) of a module."""
        opened = self.open_text(path)
        if opened is not None:
            return opened[1], ("open", opened[0], len(opened[1]))
        try:
            status = os.stat(path)
            # A regular file only, opened without blocking (a FIFO named like a module
            # would block the analysis for good), read up to the size limit.
            data = read(Target(Path(path), named=False, size=status.st_size), MAX_MODULE_BYTES)
        except OSError:
            return None
        if isinstance(data, TooLarge):
            return None
        # As the interpreter reads it: BOM, coding cookie, else UTF-8.
        return decode(data).text, ("disk", status.st_mtime_ns, status.st_size)

    def _might_exist(self, top: str, importer: Path) -> bool:
        """Whether a module or package `top` is in a folder jedi would search: the
        importer's folder and those above it up to the workspace root, and root/src."""
        root = self._root_of(importer)
        folders = [root / "src"]
        folder = importer.resolve().parent
        while True:
            folders.append(folder)
            if folder == root or folder.parent == folder or not folder.is_relative_to(root):
                break
            folder = folder.parent
        return any((f / f"{top}.py").is_file() or (f / top).is_dir() for f in folders)

    # -- invalidation ------------------------------------------------------------------------

    # A module's text changing needs nothing here: which file a name is does not depend on
    # what the file says, jedi is only asked for that, and analyses notice new text by the
    # module's stamp.

    def module_appeared(self, path: str) -> set[str]:
        """A file was opened or saved in the editor (whose client may not report new files
        otherwise): if it is not a module known here, forget the modules not found that it
        could be (by name). The importers that asked for them: their analyses are stale and
        to be made again (`Documents.refresh_importers`); other analyses stay valid."""
        real = os.path.realpath(path)
        if not real.endswith(".py"):
            return set()
        names = _names_for(Path(real), self._root_of(Path(real)))
        with self._lock:
            if real in self._found.values():
                return set()
            package = Path(real).name == "__init__.py"  # `from . import x` looks for one
            gone = [(module, level, folder) for (module, level, folder) in self._missing_for
                    if not names.isdisjoint(module.split(".")) or (package and not module)]
            if not gone:
                return set()
            importers: set[str] = set()
            for key in gone:
                self._found.pop(key, None)
                importers |= self._missing_for.pop(key)
        self._on_jedi_thread(_clear_jedi_caches)
        return importers

    def files_changed(self) -> None:
        """Modules may have appeared, disappeared or moved: resolve everything again."""
        with self._lock:
            self._found.clear()
            self._missing_for.clear()
            self.epoch += 1
        self._on_jedi_thread(self._forget_projects)

    def warm(self) -> Future[Any] | None:
        """Pay jedi's start-up on its own thread now (its import, then its first inference
        state: about 0.3 s), so the first analysis that resolves a module does not wait."""
        if self._closed:
            return None
        return self._on_jedi_thread(self._warm_up)

    def close(self) -> None:
        self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)

    # -- on the jedi thread ------------------------------------------------------------------

    def _on_jedi_thread(self, function: Callable[..., Any], *args: object) -> Future[Any]:
        return self._executor.submit(function, *args)

    def _warm_up(self) -> None:
        started = time.perf_counter()
        jedi = _import_jedi()
        for root in self.roots[:1]:
            # An import of nothing there is: jedi finds its environment, loads its builtins
            # and goes through its import machinery, and reads none of the user's files.
            code = "import __shapelens_warm_up__"
            jedi.Script(code, path=str(root / "__shapelens_warm_up__.py"),
                        project=self._project(root), environment=_environment(),
                        ).goto(1, len(code), follow_imports=True)
        logger.info("jedi warmed up in %.0f ms", (time.perf_counter() - started) * 1000)

    def _jedi_find(self, module: str, importer: str) -> str | None:
        jedi = _import_jedi()
        code = f"import {module}"
        script = jedi.Script(code, path=importer, project=self._project(Path(importer)),
                             environment=_environment())
        for name in script.goto(1, len(code), follow_imports=True):
            if name.type == "module" and name.module_path is not None:
                path = Path(name.module_path)
                if path.suffix == ".py":
                    return str(path)
        return None

    def _project(self, importer: Path) -> Any:
        root = self._root_of(importer)
        project = self._projects.get(root)
        if project is None:
            jedi = _import_jedi()
            search = [str(root)] + [str(root / "src")] * (root / "src").is_dir()
            project = jedi.Project(root, sys_path=search, smart_sys_path=True,
                                   load_unsafe_extensions=False)
            self._projects[root] = project
        return project

    def _forget_projects(self) -> None:
        self._projects.clear()
        _clear_jedi_caches()

    def _root_of(self, path: Path) -> Path:
        resolved = path.resolve()
        for root in sorted(self.roots, key=lambda r: len(r.parts), reverse=True):
            if resolved.is_relative_to(root):
                return root
        return resolved.parent

    def _inside_workspace(self, found: Path, importer: Path) -> bool:
        resolved = found.resolve()
        if any(part in ("site-packages", "dist-packages") for part in resolved.parts):
            return False
        return resolved.is_relative_to(self._root_of(importer))


class _Session(Session):
    def __init__(self, resolution: WorkspaceResolution, importer: str | None) -> None:
        self.resolution = resolution
        self.importer = importer
        self._dependencies: dict[str, object] = {}

    @property
    def dependencies(self) -> dict[str, object]:
        return self._dependencies

    def resolve(self, module: str, level: int, from_path: str | None
                ) -> tuple[str, str] | None:
        importer = from_path or self.importer
        if importer is None:
            return None
        path = self.resolution.find(module, level, importer)
        if path is None:
            return None
        read = self.resolution.read(path)
        if read is None:
            return None
        text, stamp = read
        self._dependencies[path] = stamp
        return path, text


def _names_for(path: Path, root: Path) -> set[str]:
    """The names a module at `path` may be imported by, in part: its own and its packages'."""
    names = {path.parent.name if path.name == "__init__.py" else path.stem}
    folder = path.parent
    while folder != root and folder.is_relative_to(root) and folder.parent != folder:
        names.add(folder.name)
        folder = folder.parent
    return names


def _relative(module: str, level: int, importer: Path) -> str | None:
    """`from .helpers import x`: the package layout decides, not a search path."""
    base = importer.resolve().parent
    for _ in range(level - 1):
        base = base.parent
    parts = module.split(".") if module else []
    candidates = ([base.joinpath(*parts).with_suffix(".py"), base.joinpath(*parts, "__init__.py")]
                  if parts else [base / "__init__.py"])
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    return None


def _import_jedi() -> Any:
    import jedi

    return jedi


_ENVIRONMENT: list[Any] = []  # the one _ServerEnvironment, made on the jedi thread


def _environment() -> Any:
    """jedi's view of this process as the Python environment: no subprocess, ever."""
    if not _ENVIRONMENT:
        from jedi.api.environment import InterpreterEnvironment

        class _ServerEnvironment(InterpreterEnvironment):
            def get_sys_path(self) -> list[str]:
                # Not the current folder ('' when started by `python -c`/`-m`): jedi imports
                # compiled modules it finds on this path into this process.
                return [entry for entry in sys.path if entry and os.path.isabs(entry)]

        _ENVIRONMENT.append(_ServerEnvironment())
    return _ENVIRONMENT[0]


def _clear_jedi_caches() -> None:
    if "jedi" in sys.modules:  # nothing to clear before jedi was ever used
        import jedi.cache

        jedi.cache.clear_time_caches(delete_all=True)
