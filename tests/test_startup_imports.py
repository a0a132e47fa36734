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


def _script(args: list[str]) -> subprocess.CompletedProcess[str]:
    """The `shapelens` script as installed: server.cli's main, reading sys.argv."""
    probe = ("import sys\n"
             f"sys.argv = ['shapelens', *{args!r}]\n"
             "from server.cli import main\n"
             "sys.exit(main())\n")
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), check=False)


def test_the_script_ends_its_process_with_all_its_output_and_its_status(
        tmp_path: Path) -> None:
    """The script skips the interpreter's teardown: what it printed must all be there, and
    its exit status be the command's."""
    broken = tmp_path / "broken.py"
    models = "".join(f"m{i} = keras.Sequential([keras.Input((28, 28)), "
                     f"keras.layers.Conv2D(2, 3)])\n" for i in range(400))
    broken.write_text("from tensorflow import keras\n" + models, encoding="utf-8")
    done = _script(["check", "--output-format", "concise", str(broken)])
    lines = done.stdout.splitlines()
    assert len(done.stdout) > 65_536  # more than a pipe's buffer holds
    assert len(lines) == 400 and all(" SL101 " in line for line in lines)
    assert lines[-1].startswith(f"{broken}:401:")
    assert done.stderr.strip() == "Found 400 findings in 1 file."
    assert done.returncode == 1
    clean = tmp_path / "clean.py"
    clean.write_text(CLEAN, encoding="utf-8")
    assert _script(["check", str(clean)]).returncode == 0
    assert _script(["check", str(tmp_path / "missing.py")]).returncode == 2
    version = _script(["version"])
    assert version.returncode == 0 and version.stdout.startswith("shapelens ")
