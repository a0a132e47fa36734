"""Checking a clean Python file imports what it needs: no notebook machinery, no fix
verification, no .gitignore rules; a notebook, a fix or a folder brings each in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_MODULES = {"shape_engine.notebook", "shape_engine.notebook_analysis",
                    "shape_engine.notebook_json", "shape_engine.ipython"}
CLEAN = ("from tensorflow import keras\n"
         "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n")


def modules_after(args: list[str]) -> tuple[set[str], str]:
    probe = ("import sys\n"
             "from shape_engine.cli import main\n"
             f"main({args!r})\n"
             "print(' '.join(m for m in sys.modules if m.startswith('shape_engine')))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), check=True)
    *report, modules = done.stdout.splitlines()
    return set(modules.split()), "\n".join([*report, done.stderr])


def test_a_clean_python_file_imports_no_notebook_verify_or_gitignore(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(CLEAN, encoding="utf-8")
    loaded, report = modules_after(["check", str(script)])
    assert "No shape problems" in report
    assert not loaded & (NOTEBOOK_MODULES | {"shape_engine.verify", "shape_engine.gitignore"})


def test_a_notebook_brings_in_the_notebook_machinery(tmp_path: Path) -> None:
    notebook = tmp_path / "train.ipynb"
    notebook.write_text(
        '{"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], '
        '"execution_count": null, "source": ["from tensorflow import keras\\n", '
        '"model = keras.Sequential([keras.Input((4, 4)), keras.layers.Conv2D(2, 3)])\\n"]}], '
        '"metadata": {"language_info": {"name": "python"}}, "nbformat": 4, '
        '"nbformat_minor": 5}', encoding="utf-8")
    loaded, report = modules_after(["check", str(notebook)])
    assert "shape_engine.notebook_analysis" in loaded
    assert "cell 1" in report and "SL" in report


def test_a_fix_brings_in_verification_and_a_folder_its_gitignore(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(
        "from tensorflow import keras\n"
        "model = keras.Sequential([keras.Input((28, 28)), keras.layers.Conv2D(2, 3)])\n",
        encoding="utf-8")
    loaded, report = modules_after(["check", str(tmp_path)])
    assert "SL" in report
    assert {"shape_engine.gitignore", "shape_engine.verify"} <= loaded
