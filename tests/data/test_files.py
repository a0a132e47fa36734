"""Data files read by their headers only: shapes compared with what numpy itself loads, and
the files the engine must not read (outside the project, missing, a FIFO, cut headers)."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shape_engine import analyze_source
from shape_engine.data.files import MAX_HEADER_BYTES, DataFolder, parse_npy_header, read_npy
from shape_engine.values import ArrayValue, Value


def _value(tmp_path: Path, program: str, name: str = "result") -> Value | None:
    source = textwrap.dedent(program)
    script = tmp_path / "script.py"
    script.write_text(source)
    for binding in reversed(analyze_source(source, str(script)).data):
        if binding.name == name:
            return binding.value
    return None


def _shape(tmp_path: Path, program: str, name: str = "result") -> object:
    value = _value(tmp_path, program, name)
    return value.shape if isinstance(value, ArrayValue) else None


ARRAYS = [
    np.zeros((100, 28, 28), "float32"), np.arange(12, dtype="int64").reshape(3, 4),
    np.zeros((5,), "bool"), np.zeros((2, 3), "uint8"), np.zeros((4, 1), "float16"),
    np.array(["a", "bc"]), np.array(3.5), np.zeros((0, 7)),
    np.asfortranarray(np.zeros((3, 5))), np.array([{"a": 1}, None], dtype=object),
]
_KIND = {"f": "float", "i": "int", "u": "int", "b": "bool", "U": "str"}


@pytest.mark.parametrize("version", [(1, 0), (2, 0), (3, 0)])
@pytest.mark.parametrize("array", ARRAYS, ids=lambda a: f"{a.dtype}{a.shape}")
def test_npy_header_gives_numpys_shape_and_dtype(tmp_path: Path, array: np.ndarray,
                                                 version: tuple[int, int]) -> None:
    path = tmp_path / "a.npy"
    with open(path, "wb") as handle:
        np.lib.format.write_array(handle, array, version=version, allow_pickle=True)
    stored = read_npy(path)
    assert stored is not None
    loaded = np.load(path, allow_pickle=True)
    assert stored.shape == loaded.shape
    assert stored.dtype == _KIND.get(loaded.dtype.kind)


def test_np_load_in_a_program_npy_and_npz(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    np.save(tmp_path / "data" / "x.npy", np.zeros((60, 28, 28, 1), "float32"))
    np.savez_compressed(tmp_path / "data" / "set.npz", x_train=np.zeros((50, 8)),
                        y_train=np.arange(50))
    program = """
        import numpy as np
        x = np.load("data/x.npy")
        archive = np.load("data/set.npz")
        xt = archive["x_train"]
        with np.load("data/set.npz") as held:
            yt = held["y_train"]
        missing = archive["nope"]
        """
    with np.load(tmp_path / "data" / "set.npz") as real:
        assert real["x_train"].shape == (50, 8) and real["y_train"].shape == (50,)
    assert _shape(tmp_path, program, "x") == (60, 28, 28, 1)
    assert _shape(tmp_path, program, "xt") == (50, 8)
    assert _shape(tmp_path, program, "yt") == (50,)
    assert _value(tmp_path, program, "missing") is None or _shape(
        tmp_path, program, "missing") is None


TEXT_CASES = [
    ("a,b,c\n1,2,3\n4,5,6\n7,8,9\n", "np.loadtxt('t.txt', delimiter=',', skiprows=1)"),
    ("1 2 3 4\n5 6 7 8\n", "np.loadtxt('t.txt')"),
    ("# note\n1,2\n3,4\n", "np.loadtxt('t.txt', delimiter=',')"),
    ("1\n2\n3\n", "np.loadtxt('t.txt')"),
    ("a;b\n1;2\n3;4\n", "np.genfromtxt('t.txt', delimiter=';', skip_header=1)"),
    ("a;b\n1;2\n3;4\n", "np.genfromtxt('t.txt', delimiter=';')"),
]


@pytest.mark.parametrize(("text", "call"), TEXT_CASES)
def test_text_loaders_match_numpy(tmp_path: Path, text: str, call: str) -> None:
    (tmp_path / "t.txt").write_text(text)
    shape = _shape(tmp_path, f"import numpy as np\nresult = {call}\n")
    assert shape is not None, call
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        real = eval(call, {"np": np}).shape  # the test's own literal call
    finally:
        os.chdir(cwd)
    assert len(shape) == len(real)
    assert all(d is None or d == r for d, r in zip(shape, real, strict=True))


@pytest.mark.parametrize("text", ["1,2,3\n", "a,b\n1,2\n3,4\n", "1,2\n3\n"])
def test_text_loaders_unknown_when_the_header_cannot_tell(tmp_path: Path, text: str) -> None:
    """One row (numpy squeezes it to 1-D), a header loadtxt would refuse, ragged rows."""
    (tmp_path / "t.txt").write_text(text)
    assert _shape(tmp_path, "import numpy as np\nresult = np.loadtxt('t.txt', "
                  "delimiter=',')\n") is None


def test_files_outside_the_project_are_not_read(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    (project / "pyproject.toml").write_text("")
    np.save(tmp_path / "outside.npy", np.zeros((3, 3)))
    np.save(project / "inside.npy", np.zeros((2, 2)))
    (project / "src" / "link.npy").symlink_to(tmp_path / "outside.npy")
    source = ("import numpy as np\nout = np.load('../../outside.npy')\n"
              f"absolute = np.load({str(tmp_path / 'outside.npy')!r})\n"
              "link = np.load('link.npy')\nup = np.load('../inside.npy')\n")
    script = project / "src" / "train.py"
    data = {b.name: b.value for b in analyze_source(source, str(script)).data}
    assert "out" not in data and "absolute" not in data and "link" not in data
    assert isinstance(data["up"], ArrayValue) and data["up"].shape == (2, 2)
    folder = DataFolder.of(str(script))
    assert folder is not None and folder.root == project.resolve()


def test_unreadable_sources_are_unknown(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.npy")  # opening it for reading must not wait for a writer
    (tmp_path / "bad.npy").write_bytes(b"\x93NUMPY\x01\x00\xff\x00{'shape': (1,")
    (tmp_path / "dir.npy").mkdir()
    program = """
        import numpy as np
        import pandas as pd
        a = np.load("pipe.npy")
        b = np.load("bad.npy")
        c = np.load("dir.npy")
        d = np.load("absent.npy")
        e = np.load(name)
        f = pd.read_csv("absent.csv").values
        """
    for name in "abcde":
        assert _shape(tmp_path, program, name) is None, name
    assert _shape(tmp_path, program, "f") == (None, None)  # a frame is 2-D all the same
    # An unsaved document reads nothing.
    assert not [b for b in analyze_source("import numpy as np\nx = np.load('x.npy')\n").data
                if b.name == "x"]


def test_headers_cut_by_the_size_limit_are_unknown(tmp_path: Path) -> None:
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"
    padded = header + " " * (MAX_HEADER_BYTES + 10) + "\n"
    raw = b"\x93NUMPY\x01\x00" + len(padded).to_bytes(2, "little") + padded.encode()
    assert parse_npy_header(raw[:MAX_HEADER_BYTES]) is None
    assert parse_npy_header(raw) is not None and parse_npy_header(raw).shape == (2, 3)
    wide = ",".join(f"c{i}" for i in range(MAX_HEADER_BYTES)) + "\n1\n"
    (tmp_path / "wide.csv").write_text(wide)
    assert _shape(tmp_path, "import pandas as pd\nresult = pd.read_csv('wide.csv').values\n"
                  ) == (None, None)



@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200), st.sampled_from([b"", b"\x93NUMPY\x01\x00", b"\x93NUMPY\x02\x00",
                                                 b"\x93NUMPY\x03\x00"]))
def test_any_header_bytes_give_a_shape_or_nothing(raw: bytes, prefix: bytes) -> None:
    stored = parse_npy_header(prefix + raw)
    assert stored is None or all(isinstance(d, int) and d >= 0 for d in stored.shape)


def test_paths_written_as_f_strings(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    np.save(tmp_path / "data" / "x_3.npy", np.zeros((7, 2)))
    program = """
        import numpy as np
        DATA, fold = "data", 3
        result = np.load(f"{DATA}/x_{fold}.npy")
        other = np.load(f"{DATA!r}/x_{fold:02d}.npy")
        """
    assert _shape(tmp_path, program) == (7, 2)
    assert _shape(tmp_path, program, "other") is None  # conversions and formats: not followed
