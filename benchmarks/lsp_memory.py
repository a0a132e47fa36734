"""Resident memory of `shapelens serve` with many open files, and after closing them.

    python benchmarks/lsp_memory.py [--cycles 3] [--models 20] [--lines 1000]

Drives the server over stdio (the small client of `lsp_latency.py`): opens 50 and then 500
different generated realistic scripts (`engine_speed.generate`, --models models and about
--lines lines each), waits for each file's diagnostics and hover data and for the server to
go idle, and prints RSS (VmRSS from /proc/<pid>/status) after 50, after 500, and after closing
them all. Then --cycles more rounds of opening and closing the 500 files, with RSS after each,
and the growth from the first close to the last. Target: no growth across the cycles, i.e.
within GROWTH_NOISE_MB (the allocator keeps some freed memory; a leak of the documents' data
grows by tens of MB a cycle at 500 files).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine_speed import generate
from lsp_latency import Client, _memory, _wait_idle, shapelens_command

SIZES = (50, 500)
GROWTH_NOISE_MB = 5.0


def write_files(root: Path, count: int, models: int, lines: int) -> dict[Path, str]:
    files = {}
    for seed in range(count):
        path = root / f"script_{seed}.py"
        text = generate(models, lines, seed=seed)
        path.write_text(text, encoding="utf-8")
        files[path] = text
    return files


def open_all(client: Client, files: dict[Path, str]) -> None:
    """Open the files not yet open, then wait until each is analysed (diagnostics and the
    facts a hover needs) and the server is idle."""
    for path, text in files.items():
        client.open(path, text)
    for path in files:
        client.wait_diagnostics(path)
    for path in files:
        client.call("textDocument/hover", {"textDocument": {"uri": path.as_uri()},
                                           "position": {"line": 0, "character": 0}})
    _wait_idle(client.process.pid)


def close_all(client: Client, files: dict[Path, str]) -> None:
    for path in files:
        client.notify("textDocument/didClose", {"textDocument": {"uri": path.as_uri()}})
    client.call("textDocument/hover", {"textDocument": {"uri": "file:///none.py"},
                                       "position": {"line": 0, "character": 0}})
    _wait_idle(client.process.pid)


def rss(client: Client) -> float:
    return _memory(client.process.pid)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--models", type=int, default=20)
    parser.add_argument("--lines", type=int, default=1000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        files = write_files(root, max(SIZES), args.models, args.lines)
        client = Client(shapelens_command(), root)
        try:
            client.initialize(root)
            _wait_idle(client.process.pid)
            print(f"server: {' '.join(shapelens_command())}; files of about "
                  f"{len(next(iter(files.values())).splitlines())} lines, "
                  f"{args.models} models each")
            print(f"RSS at start: {rss(client):.0f} MB")
            paths = list(files)
            for size in SIZES:
                open_all(client, {p: files[p] for p in paths[:size] if size == SIZES[0]
                                  or p not in paths[:SIZES[0]]})
                print(f"RSS with {size} files open: {rss(client):.0f} MB")
            close_all(client, files)
            after_cycles = [rss(client)]
            print(f"RSS after closing them all: {after_cycles[0]:.0f} MB")
            for cycle in range(1, args.cycles + 1):
                open_all(client, files)
                opened = rss(client)
                close_all(client, files)
                after_cycles.append(rss(client))
                print(f"cycle {cycle}: RSS with {len(files)} open {opened:.0f} MB, "
                      f"after closing {after_cycles[-1]:.0f} MB")
            print(f"peak RSS: {_memory(client.process.pid)[1]:.0f} MB")
            growth = after_cycles[-1] - after_cycles[0]
            verdict = "PASS" if growth <= GROWTH_NOISE_MB else "MISS"
            print(f"growth from the first close to the last: {growth:.1f} MB "
                  f"(target <= {GROWTH_NOISE_MB:.0f} MB) {verdict}")
        finally:
            client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
