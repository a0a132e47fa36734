"""The data modules (pandas, sklearn, numpy's file readers) are imported when a program
first calls one of theirs, and then work as when imported up front."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ON_DEMAND = ("shape_engine.data.pandas", "shape_engine.data.sklearn",
             "shape_engine.data.numpy_files", "shape_engine.data.pandas_names")


def loaded_after_check(tmp_path: Path, program: str) -> tuple[set[str], str]:
    script = tmp_path / "train.py"
    script.write_text(program, encoding="utf-8")
    probe = ("import sys\n"
             "from shape_engine.cli import main\n"
             f"main(['check', {str(script)!r}])\n"
             "print(' '.join(m for m in sys.modules if m.startswith('shape_engine.data.')))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), check=True)
    *report, modules = done.stdout.splitlines()
    return set(modules.split()), "\n".join([*report, done.stderr])


def test_a_file_that_reads_no_data_does_not_import_the_data_modules(tmp_path: Path) -> None:
    loaded, report = loaded_after_check(tmp_path, (
        "import numpy as np\n"
        "from tensorflow import keras\n"
        "model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n"
        "model.compile(loss='mse')\n"
        "model.fit(np.zeros((8, 4)), np.zeros((8, 2)))\n"))
    assert "No shape problems" in report
    assert not loaded & set(ON_DEMAND)


def test_a_frame_changed_in_place_is_followed_once_pandas_is_imported(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("a,b,label\n1,2,0\n3,4,1\n", encoding="utf-8")
    loaded, report = loaded_after_check(tmp_path, (
        "import pandas as pd\n"
        "from tensorflow import keras\n"
        f"df = pd.read_csv({str(tmp_path / 'data.csv')!r})\n"
        "df['c'] = df['a'] * 2\n"
        "x = df.drop(columns=['label'])\n"
        "model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])\n"
        "model.compile(loss='mse')\n"
        "model.fit(x, df['label'])\n"))
    assert "shape_engine.data.pandas" in loaded
    # x has 3 columns (a, b and the new c): the model declares 2.
    assert "SL201" in report and "(None, 3)" in report
