"""layers/index.py (which family registers each name) matches the families, and start-up
imports only the families a file uses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from shape_engine.layers import index_writer

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env=env, check=True)
    return done.stdout


def test_index_is_what_importing_every_family_registers() -> None:
    # Regenerate with `python -m shape_engine.layers.index_writer`.
    written = (ROOT / "shape_engine" / "layers" / "index.py").read_text(encoding="utf-8")
    fresh = run_python("from shape_engine.layers import index_writer as w\n"
                       "print(w.index_source(w.family_index()), end='')")
    assert fresh == written


def test_every_family_module_is_in_the_index_and_registers_something() -> None:
    from shape_engine.layers import index

    named = {*index.RULE_FAMILIES.values(), *index.ALIAS_FAMILIES.values(),
             *index.LIST_RULE_FAMILIES.values(), *index.MULTI_INPUT_FAMILIES.values()}
    assert named == set(index_writer.family_names())


def test_asking_for_a_kind_imports_its_family_only() -> None:
    out = run_python(
        "import sys\n"
        "from shape_engine.layers.base import rule_for\n"
        "before = 'shape_engine.layers.recurrent' in sys.modules\n"
        "rule = rule_for('LSTM')\n"
        "print(before, rule is not None and rule.kind,"
        " 'shape_engine.layers.recurrent' in sys.modules,"
        " 'shape_engine.layers.text_preprocessing' in sys.modules)\n")
    assert out.split() == ["False", "LSTM", "True", "False"]


def test_a_small_dense_file_does_not_import_unused_families(tmp_path: Path) -> None:
    small = tmp_path / "small.py"
    small.write_text("from tensorflow import keras\n"
                     "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n",
                     encoding="utf-8")
    out = run_python("import sys\n"
                     "from shape_engine.cli import main\n"
                     f"main(['check', {str(small)!r}])\n"
                     "print(' '.join(m for m in sys.modules if m.startswith("
                     "'shape_engine.layers.')))\n")
    loaded = set(out.splitlines()[-1].split())
    assert "shape_engine.layers.core" in loaded
    for unused in ("recurrent", "attention", "text_preprocessing", "image_augmentation",
                   "preprocessing", "normalization"):
        assert f"shape_engine.layers.{unused}" not in loaded


def test_iterating_the_rules_imports_every_family() -> None:
    out = run_python("import sys\n"
                     "from shape_engine.layers import RULES, index\n"
                     "kinds = sorted(RULES)\n"
                     "print(kinds == sorted(index.RULE_FAMILIES), all("
                     "f'shape_engine.layers.{f}' in sys.modules"
                     " for f in set(index.RULE_FAMILIES.values())))\n")
    assert out.split() == ["True", "True"]
