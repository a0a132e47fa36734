"""How fast `shapelens check` goes through a project folder of Keras scripts, and where the
time goes.

    python benchmarks/folder_check.py [--files 300] [--repeat 3] [--top 25]

Generates --files scripts of 100 to 600 lines (`functional_source.keras_folder`: Sequential,
functional and notebook-style scripts in turn, deterministic), runs `shapelens check` on the
folder in a fresh process (best wall time of --repeat runs, after one that fills the bytecode
caches) and prints files and lines per second; then runs the same check in this process under
cProfile and prints the --top functions by cumulative and by own time, and the share of the
time spent in each part of the pipeline (parse, model extraction and interpretation, checks,
output).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO))

from functional_source import keras_folder  # noqa: E402

from shape_engine.cli import main as cli_main  # noqa: E402

ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
ENV.update(PYTHONPATH=str(REPO),
           PYTHONPYCACHEPREFIX=tempfile.mkdtemp(prefix="shapelens-bench-pycache-"))


def wall_time(folder: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "shape_engine", "check", "--exit-zero",
                    "--output-format", "concise", str(folder)], env=ENV, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def profile(folder: Path) -> pstats.Stats:
    profiler = cProfile.Profile()
    with contextlib.redirect_stdout(io.StringIO()):
        profiler.runcall(cli_main, ["check", "--exit-zero", "--output-format", "concise",
                                    str(folder)])
    return pstats.Stats(profiler)


def own_time_by_module(stats: pstats.Stats) -> list[tuple[float, str]]:
    """Own time summed per source file: which modules the time goes to."""
    totals: dict[str, float] = {}
    for (filename, _, function), row in stats.stats.items():  # type: ignore[attr-defined]
        if filename == "~":  # built-ins such as compile() (ast.parse) and str methods
            where = function
        else:
            path = Path(filename)
            where = (str(path.relative_to(REPO)) if path.is_relative_to(REPO)
                     else f"(python) {path.name}")
        totals[where] = totals.get(where, 0.0) + row[2]
    return sorted(((seconds, where) for where, seconds in totals.items()), reverse=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        paths = keras_folder(folder, args.files)
        lines = sum(path.read_text(encoding="utf-8").count("\n") for path in paths)
        size = sum(path.stat().st_size for path in paths)
        print(f"folder: {len(paths)} files, {lines} lines, {size / 1e6:.1f} MB "
              "(Sequential, functional and notebook-style scripts)")
        wall_time(folder)  # fills the bytecode caches
        best = min(wall_time(folder) for _ in range(args.repeat))
        print(f"shapelens check: best of {args.repeat}: {best:.2f} s, "
              f"{len(paths) / best:.0f} files/s, {lines / best:.0f} lines/s")
        stats = profile(folder)
    total = stats.total_tt  # type: ignore[attr-defined]  # set by pstats, not in the stubs
    print(f"\nunder cProfile: {total:.2f} s in all")
    print(f"\nown time by module (top {args.top}):")
    for seconds, where in own_time_by_module(stats)[:args.top]:
        print(f"  {seconds:6.2f} s  {seconds / total:5.1%}  {where}")
    for title, key in (("cumulative", "cumulative"), ("own time", "tottime")):
        print(f"\ntop {args.top} by {title}:")
        stats.sort_stats(key).print_stats(args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
