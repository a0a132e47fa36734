"""The pre-commit hooks of `.pre-commit-hooks.yaml`, run by pre-commit itself on a sample
repository: `shapelens` (pre-commit installs Shapelens in an environment of its own, from this
repository and the package index) and `shapelens-system` (the `shapelens` on PATH)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

pytestmark = pytest.mark.skipif(shutil.which("git") is None,
                                reason="pre-commit needs git, which is not installed")


def sample(tmp_path: Path, broken: bool) -> Path:
    repo = tmp_path / "sample"
    repo.mkdir()
    shutil.copy(EXAMPLES / "mnist_cnn.py", repo / "clean.py")
    if broken:
        shutil.copy(EXAMPLES / "dense_into_conv.py", repo / "broken.py")
    (repo / "notes.txt").write_text("not Python\n")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    return repo


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          check=True).stdout


def pre_commit(repo: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "NO_COLOR": "1",
           # shapelens-system runs the shapelens installed next to this Python.
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


def hook_results(output: str) -> dict[str, str]:
    """`shapelens....Failed` lines: each hook's verdict."""
    return {match[1]: match[2] for match in
            re.finditer(r"^(shapelens(?: \(installed\))?)\.+(Passed|Failed)$", output, re.M)}


def test_try_repo_runs_both_hooks_and_they_fail_on_a_shape_error(tmp_path: Path) -> None:
    repo = sample(tmp_path, broken=True)
    result = pre_commit(repo, tmp_path, "try-repo", str(ROOT), "--all-files")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert hook_results(output) == {"shapelens": "Failed", "shapelens (installed)": "Failed"}
    # Each hook checked broken.py (and only the Python files) and said why.
    assert output.count("broken.py:8:5: SL101 error: Conv2D expects a 4-D input") == 2
    assert "notes.txt" not in output


def test_try_repo_passes_on_a_clean_repository(tmp_path: Path) -> None:
    repo = sample(tmp_path, broken=False)
    result = pre_commit(repo, tmp_path, "try-repo", str(ROOT), "shapelens-system",
                        "--all-files")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert hook_results(output) == {"shapelens (installed)": "Passed"}


def readme_config() -> str:
    """The lines README gives for .pre-commit-config.yaml."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("```yaml\n# .pre-commit-config.yaml\n", 1)[1].split("```", 1)[0]
    return block


def test_the_readme_lines_work(tmp_path: Path) -> None:
    """README's configuration, with this repository for its URL and HEAD for its rev."""
    if git(ROOT, "status", "--porcelain", "--", ".pre-commit-hooks.yaml").strip():
        pytest.skip("pre-commit reads .pre-commit-hooks.yaml at a commit: commit it first")
    config = readme_config()
    assert config.count("\n") == 4  # `repos:` and the three lines users add
    config = re.sub(r"repo: \S+", f"repo: {ROOT.as_posix()}", config)
    config = re.sub(r"rev: \S+", f"rev: {git(ROOT, 'rev-parse', 'HEAD').strip()}", config)
    repo = sample(tmp_path, broken=True)
    (repo / ".pre-commit-config.yaml").write_text(config)
    git(repo, "add", ".pre-commit-config.yaml")
    result = pre_commit(repo, tmp_path, "run", "--all-files")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert hook_results(output) == {"shapelens": "Failed"}
    assert "broken.py:8:5: SL101 error" in output
