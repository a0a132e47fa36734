"""Wall time of `shapelens check small.py` against `python -c "import ast"`, and heavy imports.

    python benchmarks/cli_startup.py [--repeat 15]

Runs the installed `shapelens` console script (the one next to this Python, not a version
manager's shim) on a small training script and the bare interpreter start
`python -c "import ast"` in --repeat pairs, one right after the other (so both see the same
machine load), and reports the median of the pairs' ratios. Target: within 2.5x. It also
runs the CLI once in-process and under `python -X importtime` to show that neither
tensorflow nor numpy (nor pygls/jedi) is imported.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 2.5
HEAVY = ("tensorflow", "numpy", "keras", "pygls", "jedi", "lsprotocol")

SMALL = '''import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Conv2D(32, 3, activation="relu"),
    layers.MaxPooling2D(),
    layers.Flatten(),
    layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
x = np.random.rand(64, 28, 28, 1)
y = keras.utils.to_categorical(np.random.randint(0, 10, size=(64,)), 10)
model.fit(x, y, epochs=1)
'''


def shapelens_command() -> list[str]:
    script = Path(sys.executable).with_name("shapelens")
    if script.exists():
        return [sys.executable, str(script)]
    found = shutil.which("shapelens")
    if found:
        return [found]
    return [sys.executable, "-m", "shape_engine"]


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                   check=False)
    return time.perf_counter() - start


def best_of(repeat: int, command: list[str], env: dict[str, str]) -> float:
    return min(timed(command, env) for _ in range(repeat))


def paired(repeat: int, baseline: list[str], command: list[str],
           env: dict[str, str]) -> tuple[float, float, float]:
    """Medians of the baseline's and the command's times and of their ratio, pair by pair."""
    pairs = [(timed(baseline, env), timed(command, env)) for _ in range(repeat)]
    return (statistics.median(b for b, _ in pairs), statistics.median(c for _, c in pairs),
            statistics.median(c / b for b, c in pairs))


def heavy_modules_in_process(path: Path) -> list[str]:
    """Runs the CLI in a fresh interpreter and lists the heavy modules it imported."""
    probe = ("import sys\n"
             "from shape_engine.cli import main\n"
             f"main(['check', {str(path)!r}])\n"
             f"print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=ROOT, check=False)
    return done.stdout.strip().splitlines()[-1].split() if done.stdout.strip() else []


def heavy_modules_importtime(command: list[str], env: dict[str, str]) -> list[str]:
    done = subprocess.run([sys.executable, "-X", "importtime", *command[1:]]
                          if command[0] == sys.executable else command,
                          capture_output=True, text=True, env=env, check=False)
    names = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name.split(".")[0] in HEAVY:
                names.add(name)
    return sorted(names)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        # An installed package has its bytecode compiled (pip does it); keep that cache out
        # of the checkout, and allow it even where PYTHONDONTWRITEBYTECODE is set.
        env = {key: value for key, value in os.environ.items()
               if key != "PYTHONDONTWRITEBYTECODE"}
        env.update(PYTHONPATH=str(ROOT), PYTHONPYCACHEPREFIX=str(Path(folder) / "pycache"))
        small = Path(folder) / "small.py"
        small.write_text(SMALL, encoding="utf-8")
        command = [*shapelens_command(), "check", str(small)]
        subprocess.run(command, capture_output=True, env=env, check=False)  # writes bytecode
        baseline, cli, ratio = paired(args.repeat, [sys.executable, "-c", "import ast"],
                                      command, env)
        cold_env = dict(env, PYTHONDONTWRITEBYTECODE="1",
                        PYTHONPYCACHEPREFIX=str(Path(folder) / "empty"))
        cold = best_of(max(3, args.repeat // 5), command, cold_env)
        print(f"python -c 'import ast': {baseline * 1000:6.1f} ms (median)")
        print(f"{' '.join(Path(c).name for c in command[:2])} check small.py: "
              f"{cli * 1000:6.1f} ms (median); median ratio of {args.repeat} pairs "
              f"{ratio:.2f}x (target <= {TARGET_RATIO}x)")
        print(f"  same without any bytecode cache (every module compiled): {cold * 1000:6.1f} ms")
        in_process = heavy_modules_in_process(small)
        timed = heavy_modules_importtime(command, env)
    print("heavy modules imported (sys.modules):", ", ".join(in_process) or "none")
    print("heavy modules imported (-X importtime):", ", ".join(timed) or "none")
    ok = ratio <= TARGET_RATIO and not in_process and not timed
    print("PASS" if ok else "MISS")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
