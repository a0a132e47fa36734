"""Walking folders respects `.gitignore` as git does: checked against git itself."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from shape_engine.cli import main
from shape_engine.walk import python_files

BROKEN = (Path(__file__).resolve().parents[1] / "examples" / "dense_into_conv.py").read_text()

LAYOUT = {
    ".gitignore": "gen/\n*_generated.py\n!keep_generated.py\n/top_only.py\n",
    "app.py": BROKEN,
    "top_only.py": BROKEN,
    "model_generated.py": BROKEN,
    "keep_generated.py": BROKEN,
    "gen/out.py": BROKEN,
    "pkg/top_only.py": BROKEN,  # `/top_only.py` is anchored to the root
    "pkg/.gitignore": "local.py\n!model_generated.py\n",
    "pkg/local.py": BROKEN,
    "pkg/model_generated.py": BROKEN,  # re-included by the deeper file
    "pkg/deep/local.py": BROKEN,
    "pkg/deep/kept.py": BROKEN,
    "scratch.py": BROKEN,  # in .git/info/exclude
    "notebooks/train.ipynb": "{}",
    "notebooks/.gitignore": "*.ipynb\n",
}


def make(root: Path, layout: dict[str, str], repository: bool = True) -> None:
    for name, text in layout.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    if repository:
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        (root / ".git" / "info").mkdir(parents=True, exist_ok=True)
        (root / ".git" / "info" / "exclude").write_text("scratch.py\n")


def walked(root: Path) -> set[str]:
    return {target.path.relative_to(root).as_posix() for target in python_files([str(root)])}


def git_lists(root: Path) -> set[str]:
    """What git considers not ignored (all the files are untracked)."""
    out = subprocess.run(["git", "-C", str(root), "ls-files", "--others", "--exclude-standard"],
                         capture_output=True, text=True, check=True).stdout
    return {line for line in out.splitlines() if line.endswith((".py", ".ipynb"))}


def test_the_files_walked_are_those_git_does_not_ignore(tmp_path: Path) -> None:
    make(tmp_path, LAYOUT)
    expected = {"app.py", "keep_generated.py", "pkg/top_only.py", "pkg/model_generated.py",
                "pkg/deep/kept.py"}
    assert git_lists(tmp_path) == expected
    assert walked(tmp_path) == expected


def test_a_subfolder_walked_uses_the_rules_above_it(tmp_path: Path) -> None:
    make(tmp_path, LAYOUT)
    assert walked(tmp_path / "pkg") == {"top_only.py", "model_generated.py", "deep/kept.py"}


def test_outside_a_repository_gitignore_means_nothing(tmp_path: Path) -> None:
    make(tmp_path, LAYOUT, repository=False)
    assert "gen/out.py" in walked(tmp_path)
    assert "pkg/local.py" in walked(tmp_path)


def test_a_repository_inside_a_folder_walked_has_its_rules(tmp_path: Path) -> None:
    make(tmp_path / "project", LAYOUT)
    (tmp_path / "loose.py").write_text(BROKEN)
    found = walked(tmp_path)
    assert found == {"loose.py"} | {f"project/{name}" for name in git_lists(tmp_path / "project")}


def test_paths_named_are_checked_even_if_ignored(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    make(tmp_path, LAYOUT)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--output-format", "concise", "gen", "model_generated.py"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out] == ["gen/out.py", "model_generated.py"]


def test_check_of_the_repository_skips_the_ignored(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    make(tmp_path, LAYOUT)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--output-format", "concise"]) == 1
    files = {line.split(":")[0] for line in capsys.readouterr().out.splitlines()}
    assert files == git_lists(tmp_path)
