"""An analysis keeps nothing once its result is dropped: an editor analyses on every edit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "training_mistakes.py"

# Measured in a fresh interpreter: tracemalloc counts every thread's allocations, and in the
# suite's process other tests' helpers (the TensorFlow oracle's pipes, xdist's channel) may
# allocate while the analyses run (a CI run once counted 7.5 MB that a fresh process, and
# the same test alone, never showed).
_MEASURE = """
import gc
import sys
import tracemalloc

from shape_engine.analysis import analyze_source

text = sys.stdin.read()
tracemalloc.start()
for _ in range(3):  # caches that fill once (imports, interned names) fill here
    analyze_source(text)
gc.collect()
before = tracemalloc.get_traced_memory()[0]
for _ in range(20):
    analyze_source(text)
gc.collect()
print(tracemalloc.get_traced_memory()[0] - before)
"""


def kept_by_20_analyses(text: str) -> int:
    """Bytes still allocated after 20 analyses of `text` (and their results) are gone."""
    done = subprocess.run([sys.executable, "-c", _MEASURE], input=text, capture_output=True,
                          text=True, cwd=ROOT, check=True, timeout=300)
    return int(done.stdout)


def test_analyses_leave_no_memory_behind() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    grown = kept_by_20_analyses(text)
    # One analysis of this file allocates megabytes; a kept syntax tree is over 100 KB.
    assert grown < 64 * 1024, f"{grown / 1024:.0f} KB kept by 20 analyses"


def test_builtins_given_unknown_values_leave_no_memory_behind() -> None:
    # `int(...)` and the like of a value not known: the engine gives up on each call. CPython
    # 3.11 leaked 64 bytes a call when the engine unpacked the arguments from a generator.
    text = "import random\nx = random.random()\n" + "".join(
        f"y{i} = int(x * {i}) + max(x, {i}) + round(x, ndigits={i % 3})\n" for i in range(200))
    grown = kept_by_20_analyses(text)
    # 20 analyses of these 600 calls kept 1.2 MB then.
    assert grown < 64 * 1024, f"{grown / 1024:.0f} KB kept by 20 analyses"
