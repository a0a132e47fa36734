"""Checking a clean Python file imports what it needs: no notebook machinery, no fix
verification, no .gitignore rules, no JSON or CSV reader, no keras.applications rules, and
through the `shapelens` script (server.cli) nothing of the language server; a notebook, a
fix, a folder, an output format or a layer brings each in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_MODULES = {"shape_engine.notebook", "shape_engine.notebook_analysis",
                    "shape_engine.notebook_json", "shape_engine.ipython"}
# Imported only when used: `shapelens check` of a small file needs none of them.
LAZY_MODULES = {"json", "csv", "array", "shape_engine.presenters.json_format",
                "shape_engine.layers.applications"}
# What `shapelens serve` needs; `shapelens check` is run by the same script.
SERVER_MODULES = {"pygls", "lsprotocol", "jedi", "cattrs", "server.app", "server.startup"}
CLEAN = ("from tensorflow import keras\n"
         "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n")


def modules_after(args: list[str], cli: str = "shape_engine.cli") -> tuple[set[str], str]:
    """The modules imported by running `cli`'s main with `args` (the engine's, unless the
    package is named), and the run's output."""
    probe = ("import sys\n"
             f"from {cli} import main\n"
             f"main({args!r})\n"
             "print(' '.join(sys.modules))\n")
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
    assert not loaded & LAZY_MODULES


def test_the_shapelens_script_checks_without_the_language_server(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text(CLEAN, encoding="utf-8")
    loaded, report = modules_after(["check", str(script)], cli="server.cli")
    assert "No shape problems" in report
    assert "shape_engine.analysis" in loaded  # the probe does see what the check imports
    assert not {name.split(".")[0] for name in loaded} & SERVER_MODULES
    assert not loaded & (SERVER_MODULES | LAZY_MODULES)


def test_importing_the_shapelens_script_leaves_the_collector_on() -> None:
    """server.cli turns the collector off while it imports the engine, and on again."""
    done = subprocess.run(
        [sys.executable, "-c", "import gc, server.cli; print(gc.isenabled())"],
        capture_output=True, text=True, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)),
        check=True)
    assert done.stdout.split() == ["True"]


def test_output_formats_and_layers_bring_in_their_modules(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text("from tensorflow import keras\n"
                      "model = keras.Sequential([keras.applications.ResNet50(weights=None),\n"
                      "                          keras.layers.Dense(2)])\n", encoding="utf-8")
    loaded, report = modules_after(["check", "--output-format", "json", str(script)])
    assert report.splitlines()[0] == "[]"  # ResNet50's output fits Dense: no findings
    assert {"json", "shape_engine.presenters.json_format",
            "shape_engine.layers.applications"} <= loaded


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
