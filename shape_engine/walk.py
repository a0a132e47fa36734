"""Finding and reading the Python files of a run: the command line's and the language server's
workspace check walk the same way.

Only regular files are read: a FIFO named `x.py` would block the reader forever and a link to
`/dev/zero` would fill memory, so devices, FIFOs and sockets are skipped (and a file is opened
without blocking, then checked again, in case it was swapped meanwhile). A symbolic link found
in a folder is followed only to a file inside the folders walked; a link out of them, and a
link loop, are skipped with a note. The size limit is applied before reading (from `stat`),
and reading stops past it whatever `stat` said. Inside a git repository, what `.gitignore`
ignores is not walked into (`gitignore`).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

if TYPE_CHECKING:
    from shape_engine.gitignore import IgnoreRules

# Folders never walked into (as ruff excludes build and dist). A virtual environment under any
# name is found by its pyvenv.cfg; `env` is not in the list: it is a common name for user code.
SKIPPED_DIRS = frozenset({"venv", ".venv", "site-packages", "node_modules", "__pycache__",
                          "build", "dist"})
# Files larger than this are not analysed (SL004): parsing alone takes many times a file's
# size in memory. `--max-file-size` and `shapelens.maxFileSize` change it.
DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024
_READ_CHUNK = 1 << 20
# Whether a file or folder met in a walk is passed over.
Excluded = Callable[[Path], bool]


class UsageError(Exception):
    """A path named by the user cannot be checked: the run stops before it starts."""


class Target(NamedTuple):
    """A file to read, a folder that could not be listed (`error`), or a file skipped
    (`skipped` says why)."""

    path: Path
    named: bool  # named on the command line, not found by walking a folder
    error: OSError | None = None
    skipped: str | None = None
    size: int | None = None  # from stat, for a regular file


class TooLarge(NamedTuple):
    """A file larger than the size limit: not read (or not read to its end)."""

    size: int  # at least this many bytes
    limit: int


def targets(paths: Sequence[str], within: Sequence[Path] | None = None,
            excluded: Excluded | None = None) -> Iterator[Target]:
    """Files as given, folders searched for *.py and *.ipynb, skipping environments and hidden
    folders. A path named that is not a readable file or folder is a usage error, raised before
    anything is yielded. `within`: the folders links may lead into (else each folder walked
    is its own). `excluded`: the files and folders a walk passes over (the configuration's
    `exclude`; by default SKIPPED_DIRS); a file named is read even so, as ruff does."""
    named = [Path(raw) for raw in paths]
    for raw, path in zip(paths, named, strict=True):  # all of them, before anything is read
        if path.is_file():
            try:
                _open(path).close()
            except OSError as error:
                raise UsageError(f"{raw}: {reason(error)}") from None
        elif path.is_dir():
            try:
                os.scandir(path).close()
            except OSError as error:
                raise UsageError(f"{raw}: {reason(error)}") from None
        else:
            raise UsageError(f"{raw}: no such file or directory" if not path.exists()
                             else f"{raw}: not a file or directory")
    for path in named:
        if path.is_file():
            yield Target(path, named=True, size=_size(path))
        else:
            roots = [Path(os.path.realpath(root)) for root in within] if within else [
                Path(os.path.realpath(path))]
            yield from _walk(path, roots, excluded or _skipped_dir)


def python_files(paths: Sequence[str], within: Sequence[Path] | None = None,
                 excluded: Excluded | None = None) -> Iterator[Target]:
    """The files of `targets` that may be read (skipped ones and errors left out)."""
    for target in targets(paths, within, excluded):
        if target.error is None and target.skipped is None:
            yield target


def read(target: Target, max_size: int | None) -> bytes | TooLarge:
    """A regular file's bytes, or `TooLarge` (not read past the limit). Raises OSError, and
    `NotRegular` for what is not a regular file after all."""
    if max_size is not None and target.size is not None and target.size > max_size:
        return TooLarge(target.size, max_size)
    with _open(target.path) as handle:
        status = os.fstat(handle.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise NotRegular(f"{target.path}: {_kind(status.st_mode)}")
        if max_size is not None and status.st_size > max_size:
            return TooLarge(status.st_size, max_size)
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = handle.read(_READ_CHUNK)
            if not chunk:
                return b"".join(chunks)
            total += len(chunk)
            if max_size is not None and total > max_size:  # it grew since stat
                return TooLarge(total, max_size)
            chunks.append(chunk)


class NotRegular(OSError):
    """Not a regular file (found so once opened): not read."""


def parse_size(text: object) -> int | None:
    """A size limit as bytes: a number of bytes, or text like `2MB`, `512KB`, `100000`;
    0 means no limit (None). Raises ValueError."""
    if isinstance(text, bool) or not isinstance(text, int | float | str):
        raise ValueError(f"not a size: {text!r} (like 2MB, 512KB or a number of bytes)")
    raw = str(text).strip().upper().replace(" ", "")
    scale = 1
    for unit, factor in (("MB", 1 << 20), ("KB", 1 << 10), ("B", 1)):
        if raw.endswith(unit):
            raw, scale = raw[:-len(unit)], factor
            break
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        raise ValueError(f"not a size: {text!r} (like 2MB, 512KB or a number of bytes)")
    return int(value * scale) or None


def reason(error: OSError) -> str:
    return error.strerror or str(error)


def size_text(size: int) -> str:
    """`2 MB`, `5.3 MB`, `800 KB`, `12 bytes`."""
    for unit, scale in (("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f}".rstrip("0").rstrip(".") + f" {unit}"
    return f"{size} bytes"


def _open(path: Path) -> BinaryIO:
    """Opened without blocking: opening a FIFO for reading would wait for a writer."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    return os.fdopen(fd, "rb")


def _skipped_dir(path: Path) -> bool:
    return path.name in SKIPPED_DIRS


def _walk(root: Path, roots: list[Path], excluded: Excluded) -> Iterator[Target]:
    # Only a folder walked reads .gitignore files: checking the files named needs none.
    from shape_engine.gitignore import IgnoreRules

    unlisted: list[OSError] = []  # the folders os.walk could not list, as it meets them
    # The .gitignore rules in force in each folder to walk. None: none apply, under a folder
    # named on the command line that is ignored itself (it is checked, with all it holds).
    # A folder not in it is outside any repository known yet: it looks for one of its own.
    ignore: dict[str, IgnoreRules | None] = {}
    # os.walk does not follow links to folders: no folder is walked twice, no loop.
    for folder, dirs, files in os.walk(root, onerror=unlisted.append):
        yield from _unlisted(unlisted)
        if folder in ignore:
            rules = ignore.pop(folder)
            inherited = True
        else:
            rules = IgnoreRules.for_folder(Path(folder))
            inherited = rules is not None
            if rules is not None and folder == str(root) and rules.ignores(root, True):
                rules = None
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and not excluded(Path(folder) / d) and not _is_venv(Path(folder) / d)
                         and not _ignored(rules, Path(folder) / d, True))
        if inherited:
            for d in dirs:
                sub = Path(folder) / d
                ignore[str(sub)] = rules.entering(sub) if rules is not None else None
        for name in sorted(files):
            if (name.endswith((".py", ".ipynb"))  # Python files and notebooks
                    and not excluded(Path(folder) / name)
                    and not _ignored(rules, Path(folder) / name, False)):
                yield _examine(Path(folder) / name, roots)
    yield from _unlisted(unlisted)


def _ignored(rules: IgnoreRules | None, path: Path, is_dir: bool) -> bool:
    return rules is not None and rules.ignores(path, is_dir)


def _examine(path: Path, roots: list[Path]) -> Target:
    """What a file found in a folder is, from stat alone (nothing is opened)."""
    try:
        if path.is_symlink():
            try:
                real = Path(os.path.realpath(path, strict=True))
            except OSError as error:
                if error.errno == errno.ELOOP:
                    return Target(path, False, skipped="a loop of symbolic links")
                raise
            except RuntimeError:  # a loop, on Pythons whose realpath says so this way
                return Target(path, False, skipped="a loop of symbolic links")
            if not any(real == root or root in real.parents for root in roots):
                return Target(path, False,
                              skipped=f"a symbolic link out of the folders checked ({real})")
        status = path.stat()
    except OSError as error:
        return Target(path, False, error=error)
    if not stat.S_ISREG(status.st_mode):
        return Target(path, False, skipped=_kind(status.st_mode))
    return Target(path, False, size=status.st_size)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO, not a regular file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a regular file"
    return "not a regular file"


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _is_venv(folder: Path) -> bool:
    try:
        return (folder / "pyvenv.cfg").exists()
    except OSError:  # a folder that cannot be searched: os.walk reports it when listing it
        return False


def _unlisted(errors: list[OSError]) -> Iterator[Target]:
    while errors:
        error = errors.pop(0)
        yield Target(Path(error.filename or "."), named=False, error=error)
