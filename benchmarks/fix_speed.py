"""`shapelens check --fix` on a file of many fixable models: wall time and fixes applied.

    python benchmarks/fix_speed.py [--models 1000] [--repeat 3]

Each model is a binary classifier compiled with categorical cross-entropy (SL311, whose safe
fix is binary cross-entropy); every tenth also predicts on one unbatched sample (SL202,
whose fix adds a batch axis with numpy, and with it the one numpy import they all need).
Target: 1,000 models fixed, all of them, in under 5 s.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from shape_engine.cli import main  # noqa: E402

TARGET_S = 5.0


def program(models: int) -> str:
    parts = ["import tensorflow as tf\n"]
    for i in range(models):
        parts.append(f"m{i} = tf.keras.Sequential([tf.keras.Input((3,)), "
                     f"tf.keras.layers.Dense(1, activation='sigmoid')])\n"
                     f"m{i}.compile(optimizer='adam', loss='categorical_crossentropy')\n")
        if i % 10 == 0:
            parts.append(f"m{i}.predict(tf.constant([1.0, 2.0, 3.0]))\n")
    return "".join(parts)


def run(models: int) -> tuple[float, str]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "many.py"
        path.write_text(program(models), encoding="utf-8")
        errors = io.StringIO()
        started = time.perf_counter()
        with contextlib.redirect_stderr(errors):
            main(["check", "--fix", str(path)])
        elapsed = time.perf_counter() - started
        compile(path.read_text(encoding="utf-8"), str(path), "exec")  # it still parses
        return elapsed, errors.getvalue().strip().splitlines()[-1]


def main_() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    runs = [run(args.models) for _ in range(args.repeat)]
    best = min(elapsed for elapsed, _ in runs)
    summary = runs[0][1]
    print(f"check --fix, {args.models} models: best of {args.repeat} {best:.2f} s; {summary}")
    fixed_all = summary.startswith(f"Fixed {args.models + (args.models + 9) // 10} findings")
    print("PASS" if best <= TARGET_S and fixed_all else "MISS")
    return 0


if __name__ == "__main__":
    sys.exit(main_())
