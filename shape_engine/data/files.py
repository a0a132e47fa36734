"""Data files named by a literal path, read without running anything: only their headers.

A `.npy` file's header holds its exact shape and dtype; a `.npz` archive is a zip of `.npy`
files (its directory lists them, each member's header gives its shape); a CSV file's first
row gives its columns. At most `MAX_HEADER_BYTES` of a file (of each member) are read. A path
is taken relative to the analysed file's folder and must stay within its project root (the
nearest folder above it holding a project marker, else its own folder), symbolic links
resolved: a file outside, missing, unreadable or malformed is simply unknown (None).
"""

from __future__ import annotations

import ast
import functools
import os
import stat
import zipfile
from pathlib import Path
from typing import BinaryIO, Literal, NamedTuple

DType = Literal["int", "float", "bool", "str"]

MAX_HEADER_BYTES = 8192
# An archive listing more members than this is not looked into.
MAX_ARCHIVE_MEMBERS = 256
_NPY_MAGIC = b"\x93NUMPY"
_PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")
# numpy's dtype kind letters (the descr's second character), as the checks name dtypes.
_KINDS: dict[str, DType] = {"f": "float", "i": "int", "u": "int", "b": "bool", "U": "str",
                            "S": "str"}


class StoredArray(NamedTuple):
    """An array as its `.npy` header describes it."""

    shape: tuple[int, ...]
    dtype: DType | None


class DataFolder:
    """Where a document's relative data paths start, and the root they may not leave. Both
    are looked up on the disk only when the program names a data file."""

    def __init__(self, document: str) -> None:
        self.document = document

    @staticmethod
    def of(document: str | None) -> DataFolder | None:
        """The data folder of a document saved at `document` (None: unsaved, nothing read)."""
        return DataFolder(document) if document is not None else None

    @functools.cached_property
    def folder(self) -> Path | None:
        try:
            return Path(os.path.realpath(Path(self.document).parent))
        except (OSError, ValueError):
            return None

    @functools.cached_property
    def root(self) -> Path | None:
        return _project_root(self.folder) if self.folder is not None else None

    def locate(self, written: str) -> Path | None:
        """The file a literal path names, if within the root."""
        if self.folder is None or self.root is None:
            return None
        try:
            real = Path(os.path.realpath(self.folder / os.path.expanduser(written)))
        except (OSError, ValueError):
            return None
        if real != self.root and self.root not in real.parents:
            return None
        return real


def _project_root(folder: Path) -> Path:
    for candidate in (folder, *folder.parents):
        try:
            if any((candidate / marker).exists() for marker in _PROJECT_MARKERS):
                return candidate
        except OSError:
            break
    return folder


def _open_regular(path: Path) -> BinaryIO | None:
    """Opened without blocking (a FIFO would wait for a writer), or None if not a file."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        regular = stat.S_ISREG(os.fstat(fd).st_mode)
    except OSError:
        regular = False
    if not regular:
        os.close(fd)
        return None
    return os.fdopen(fd, "rb")


def _head(path: Path) -> bytes | None:
    handle = _open_regular(path)
    if handle is None:
        return None
    with handle:
        try:
            return handle.read(MAX_HEADER_BYTES)
        except OSError:
            return None


def parse_npy_header(head: bytes) -> StoredArray | None:
    """The shape and dtype in the first bytes of a `.npy` file (numpy's format 1.0 to 3.0)."""
    if not head.startswith(_NPY_MAGIC) or len(head) < 10:
        return None
    major = head[6]
    if major == 1:
        length, start = int.from_bytes(head[8:10], "little"), 10
    elif major in (2, 3):
        length, start = int.from_bytes(head[8:12], "little"), 12
    else:
        return None
    text = head[start:start + length]
    if len(text) < length:
        return None
    try:
        header = ast.literal_eval(text.decode("utf-8" if major == 3 else "latin-1"))
    except (ValueError, SyntaxError, UnicodeDecodeError, MemoryError, RecursionError):
        return None
    if not isinstance(header, dict):
        return None
    shape, descr = header.get("shape"), header.get("descr")
    if not isinstance(shape, tuple) or not all(
            isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
        return None
    dtype = _KINDS.get(descr[1]) if isinstance(descr, str) and len(descr) >= 2 else None
    return StoredArray(shape, dtype)


def read_npy(path: Path) -> StoredArray | None:
    head = _head(path)
    return parse_npy_header(head) if head is not None else None


def read_npz(path: Path) -> dict[str, StoredArray] | None:
    """The arrays of a `.npz` archive by name, those whose header could be read."""
    handle = _open_regular(path)
    if handle is None:
        return None
    with handle:
        try:
            with zipfile.ZipFile(handle) as archive:
                members = archive.infolist()
                if len(members) > MAX_ARCHIVE_MEMBERS:
                    return None
                arrays: dict[str, StoredArray] = {}
                for member in members:
                    if not member.filename.endswith(".npy"):
                        continue
                    with archive.open(member) as stream:
                        stored = parse_npy_header(stream.read(MAX_HEADER_BYTES))
                    if stored is not None:
                        arrays[member.filename[:-4]] = stored
                return arrays
        except (OSError, zipfile.BadZipFile, ValueError, NotImplementedError, EOFError,
                RuntimeError):
            return None


def read_lines(path: Path, skip: int, count: int) -> list[str] | None:
    """Up to `count` whole lines after `skip` lines, within the first bytes of a text file
    (fewer when the file is shorter; None when a line is cut by the size limit)."""
    head = _head(path)
    if head is None:
        return None
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        if len(head) < MAX_HEADER_BYTES:
            return None
        try:  # a multi-byte character cut at the limit
            text = head[:-3].decode("utf-8-sig", errors="strict")
        except UnicodeDecodeError:
            return None
    complete = len(head) < MAX_HEADER_BYTES
    lines = text.splitlines(keepends=True)
    if not complete and lines and not lines[-1].endswith(("\n", "\r")):
        lines.pop()  # cut by the limit
    wanted = lines[skip:skip + count]
    if len(wanted) < count and not complete:
        return None
    return [line.rstrip("\r\n") for line in wanted]


def split_row(line: str, delimiter: str | None) -> list[str] | None:
    """A CSV row's fields (None delimiter: runs of whitespace)."""
    if delimiter is None:
        return line.split()
    if len(delimiter) != 1:
        return None
    import csv  # only for data files read with a delimiter

    try:
        return next(csv.reader([line], delimiter=delimiter))
    except (csv.Error, StopIteration):
        return None
