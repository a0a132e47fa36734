"""How fast the engine and the server handle a realistic file of functional Keras models.

    python benchmarks/functional_speed.py [--repeat 15] [--hovers 200] [--edits 20]
                                          [--profile]

On a generated script of about 1,000 lines (`functional_source.functional_script`: ResNet
blocks, UNets with skip connections, transformer encoder blocks, two-input models, built by
helper functions and fitted on numpy data) it measures:

- `analyze_source` vs `ast.parse` of the same text (least CPU time of --repeat runs, taken in
  turn); target: the engine within 3x;
- through `shapelens serve` over stdio (the client of `lsp_latency.py`): hover p50/p95 on
  tensor variables and layer calls (target p95 <= 10 ms) and diagnostics after the debounce
  for one-line edits of a layer's width (target p95 <= 50 ms).

`--profile` prints the engine's 30 hottest functions on the file (cProfile, by own time).
Prints each figure with PASS or MISS and exits 0 either way.
"""

from __future__ import annotations

import argparse
import ast
import cProfile
import pstats
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine_speed import interleaved
from functional_source import functional_script
from lsp_latency import (
    Client,
    _wait_idle,
    edit_latencies,
    hovers,
    percentile,
    shapelens_command,
    verdict,
)

from shape_engine import analyze_source

TARGETS = {"ratio": 3.0, "hover_p95_ms": 10.0, "diagnostics_ms": 50.0}
LINES = 1000
# A tensor assignment (`x = layers.Conv2D(...)(x)`, `skip = ...`) or a layer call in one.
TENSOR_ASSIGNMENT = re.compile(r"^\s*(\w+)(?:, \w+)? = (?:layers\.(\w+)\(|\w+\()")
WIDTH = re.compile(r"layers\.(?:Dense|Conv2D)\((\d+)")


def hover_positions(text: str) -> list[tuple[int, int]]:
    """The assigned tensor variable and the layer called, on each tensor assignment."""
    positions = []
    for number, line in enumerate(text.split("\n")):
        found = TENSOR_ASSIGNMENT.match(line)
        if not found:
            continue
        positions.append((number, found.start(1) + 1))
        if found.group(2):
            positions.append((number, found.start(2) + 1))
    return positions


def measure_server(text: str, hover_count: int, edit_count: int
                   ) -> tuple[list[float], int, int, list[float]]:
    """Hover latencies, how many answered, positions, and edit latencies."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        path = root / "functional_models.py"
        path.write_text(text, encoding="utf-8")
        client = Client(shapelens_command(), root)
        try:
            client.initialize(root)
            client.open(path, text)
            client.wait_diagnostics(path)
            every = hover_positions(text)
            # Spread over the whole file: the requests cycle over these.
            positions = every[::max(1, len(every) // hover_count)]
            hovers(client, path, positions, len(positions))  # warm-up pass
            _wait_idle(client.process.pid)
            latencies, answered = hovers(client, path, positions, hover_count)
            edits = edit_latencies(client, path, text, edit_count, WIDTH)
        finally:
            client.close()
    return latencies, answered, len(every), edits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--hovers", type=int, default=200)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    text = functional_script(LINES)
    report = analyze_source(text)  # also warms caches and imports
    rows = sum(len(model.layers) for model in report.models)
    print(f"file: {text.count(chr(10))} lines, {len(report.models)} models, {rows} layer rows, "
          f"{len(report.findings)} findings")
    parse, engine = interleaved(args.repeat, lambda: ast.parse(text),
                                lambda: analyze_source(text))
    ratio = engine / parse
    print(f"ast.parse {parse * 1000:.1f} ms  engine {engine * 1000:.1f} ms  ratio {ratio:.2f}x  "
          f"[target <= {TARGETS['ratio']:.0f}x: {verdict(ratio, TARGETS['ratio'])}]")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(analyze_source, text)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    latencies, answered, positions, edits = measure_server(text, args.hovers, args.edits)
    hover_p50, hover_p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    edit_p50, edit_p95 = percentile(edits, 0.5), percentile(edits, 0.95)
    print(f"hover ({args.hovers} requests over {positions} positions, {answered} with content): "
          f"p50 {hover_p50:.1f} ms, p95 {hover_p95:.1f} ms  [target p95 <= "
          f"{TARGETS['hover_p95_ms']:.0f} ms: {verdict(hover_p95, TARGETS['hover_p95_ms'])}]")
    print(f"diagnostics after the debounce ({args.edits} one-line edits): p50 {edit_p50:.1f} ms,"
          f" p95 {edit_p95:.1f} ms  [target <= {TARGETS['diagnostics_ms']:.0f} ms: "
          f"{verdict(edit_p95, TARGETS['diagnostics_ms'])}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
