"""An analysis keeps nothing once its result is dropped: an editor analyses on every edit."""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path

from shape_engine.analysis import analyze_source

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "training_mistakes.py"


def test_analyses_leave_no_memory_behind() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    tracemalloc.start()
    try:
        for _ in range(3):  # caches that fill once (imports, interned names) fill here
            analyze_source(text)
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(20):
            analyze_source(text)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # One analysis of this file allocates megabytes; a kept syntax tree is over 100 KB.
    assert grown < 64 * 1024, f"{grown / 1024:.0f} KB kept by 20 analyses"
