"""The command line's walk over a hostile workspace (see tests/hostile.py): it reads only
regular files inside the folder, stats before reading, and says what it skipped.

Each run is a process with a time limit: a walk that blocks on the FIFO or reads /dev/zero
fails the test instead of hanging the suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shape_engine.walk import TooLarge, parse_size, python_files, read, size_text, targets
from tests.hostile import BROKEN, HUGE, SKIPPED, hostile_workspace

REPO = Path(__file__).resolve().parents[1]
LIMIT_S = 60


def shapelens(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])}
    try:
        return subprocess.run([sys.executable, "-m", "shape_engine", *args], text=True,
                              capture_output=True, timeout=LIMIT_S, env=env, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"shapelens {' '.join(args)} still running after {LIMIT_S} s")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return hostile_workspace(tmp_path / "project", tmp_path / "elsewhere")


def test_check_reads_only_regular_files_inside_the_folder(project: Path) -> None:
    done = shapelens("check", "--format", "json", str(project))
    assert done.returncode == 1, done.stderr  # the finding in model.py; nothing unreadable
    rows = json.loads(done.stdout)
    assert sorted((Path(r["filename"]).name, r["code"]) for r in rows) == [
        ("huge.py", "SL004"), ("model.py", "SL101")]
    (huge,) = [r for r in rows if r["code"] == "SL004"]
    assert huge["severity"] == "info"
    assert huge["message"] == ("The file is 4096 MB, larger than the 2 MB Shapelens analyses "
                               "(max-file-size): it is not checked")
    notes = done.stderr.splitlines()
    for name in SKIPPED:
        assert any(f"{project / name}: skipped: " in note for note in notes), (name, notes)
    assert any("leaves.py: skipped: a symbolic link out of the folders checked" in n
               for n in notes)
    assert any("loop_a.py: skipped: a loop of symbolic links" in n for n in notes)
    assert any("pipe.py: skipped: a FIFO" in n for n in notes)
    assert any("zero.py: skipped: a symbolic link out of the folders checked (/dev/zero)"
               in n for n in notes)


def test_a_device_is_skipped_even_where_links_may_lead(project: Path) -> None:
    """Were /dev a folder links may lead into, /dev/zero is still no regular file."""
    found = {t.path.name: t for t in targets([str(project)], within=[project, Path("/dev")])}
    assert found["zero.py"].skipped == "a device, not a regular file"
    assert found["huge.py"].size == HUGE and found["huge.py"].skipped is None
    assert [t.path.name for t in python_files([str(project)])] == ["huge.py", "model.py"]
    assert read(found["huge.py"], 2 << 20) == TooLarge(HUGE, 2 << 20)
    assert read(found["model.py"], 10) == TooLarge(len(BROKEN), 10)
    assert read(found["model.py"], None) == BROKEN.encode()


def test_shapes_and_fix_walk_the_same_way(project: Path) -> None:
    shapes = shapelens("shapes", str(project))
    assert shapes.returncode == 0, shapes.stderr
    assert f"{project / 'huge.py'}:1:1: SL004 " in shapes.stdout
    assert "(no models shown)" in shapes.stdout
    diff = shapelens("check", "--diff", str(project))
    assert "huge.py: not fixed: the file is 4096 MB" in diff.stderr
    assert "pipe.py: skipped: a FIFO" in diff.stderr


def test_a_named_special_file_is_a_usage_error(project: Path) -> None:
    for name in ("pipe.py", "zero.py", "itself.py"):
        done = shapelens("check", str(project / name))
        assert done.returncode == 2 and done.stdout == "", name
        assert done.stderr.startswith(f"shapelens: {project / name}: "), done.stderr


def test_the_size_limit_is_an_option(tmp_path: Path) -> None:
    big = tmp_path / "big.py"
    big.write_text("# padding\n" * 400 + BROKEN)  # about 4 KB
    limited = shapelens("check", "--format", "json", "--max-file-size", "2KB", str(big))
    assert [r["code"] for r in json.loads(limited.stdout)] == ["SL004"]
    assert limited.returncode == 0  # information only
    unlimited = shapelens("check", "--format", "json", "--max-file-size", "0", str(big))
    assert [r["code"] for r in json.loads(unlimited.stdout)] == ["SL101"]
    wrong = shapelens("check", "--max-file-size", "lots", str(big))
    assert wrong.returncode == 2 and "not a size: 'lots'" in wrong.stderr


def test_sizes_read_and_shown() -> None:
    assert parse_size("2MB") == 2 << 20 and parse_size("512 kb") == 512 << 10
    assert parse_size(100_000) == 100_000 and parse_size("0") is None
    for wrong in ("-1", "x", "inf", True, None):
        with pytest.raises(ValueError):
            parse_size(wrong)
    assert [size_text(n) for n in (12, 2048, 5_500_000)] == ["12 bytes", "2 KB", "5.2 MB"]
