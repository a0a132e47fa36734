"""`shapelens serve` under hostile documents and a hostile workspace: latency and memory.

    python benchmarks/hostile_probes.py

Drives the server over stdio (the small client of `lsp_latency.py`). For each hostile
document it opens that document, then at once a small one with one finding, and measures
how long the small one waits for its diagnostics (the server's one analysis thread is busy
with the hostile one), how long the hostile one takes, and the server's peak RSS (VmHWM):

- a run of letters before a layer entry on one line (32 KB and 1 MB): a regular expression
  was quadratic in it (16.6 s at 32 KB, more than 10 minutes at 1 MB);
- a 1 MB line of layer entries; 1.9 MB of statements (just under the 2 MB size limit);
- a 50 MB document (over the limit: one SL004 finding, no analysis), with RSS before
  opening it, with it open, and 1.5 s after closing it (the allocator's free memory is
  given back 1 s after the last close).

Then Check Workspace over a workspace with a FIFO named `x.py`, a link to /dev/zero, a link
loop and a sparse 4 GB file: the time it takes and the RSS after it.

Targets: the small document's diagnostics within 10 s of opening it in every case; RSS back
within 20 MB of where it was once the 50 MB document is closed; Check Workspace answers.
Prints each figure with PASS or MISS and exits 0 either way. Run it on an idle machine.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lsp_latency import Client, _memory, _wait_idle, shapelens_command

BROKEN = ("import keras\n"
          "model = keras.Sequential([keras.Input((4,)), keras.layers.Conv2D(2, 3)])\n")
HEAD = "import keras\nfrom keras import layers\n"
OTHER_WAITS_S = 10.0
PUBLISH = "textDocument/publishDiagnostics"
RELEASED_MB = 20.0

DOCUMENTS = {
    "32 KB of letters before a layer entry": HEAD + 'x = "' + "a" * 32_000
    + '"; m = keras.Sequential([layers.Dense(1)])\n',
    "1 MB of letters before a layer entry": HEAD + 'x = "' + "a" * 1_000_000
    + '"; m = keras.Sequential([layers.Dense(1)])\n',
    "a 1 MB line of layer entries": HEAD + "m = keras.Sequential(["
    + "layers.Dense(1), " * 60_000 + "])\n",
    "1.9 MB of statements": BROKEN + "x = 1\n" * 320_000,
}


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def first_diagnostics(client: Client, uris: list[str]) -> dict[str, float]:
    """When the first diagnostics of each document arrived, in whatever order they come."""
    arrived: dict[str, float] = {}
    while len(arrived) < len(uris):
        at, message = client.wait(lambda m: m.get("method") == PUBLISH
                                  and m["params"]["uri"] in uris)
        arrived.setdefault(message["params"]["uri"], at)
    return arrived


def probe_document(root: Path, name: str, text: str) -> None:
    client = Client(shapelens_command(), root)
    try:
        client.initialize(root)
        hostile, small = root / "hostile.py", root / "small.py"
        client.open(hostile, text)
        opened = client.open(small, BROKEN)
        arrived = first_diagnostics(client, [small.as_uri(), hostile.as_uri()])
        waited = arrived[small.as_uri()] - opened
        took = arrived[hostile.as_uri()] - opened
        _wait_idle(client.process.pid)
        _, peak = _memory(client.process.pid)
        print(f"{name}: the other document's diagnostics after {waited:.2f} s "
              f"({verdict(waited <= OTHER_WAITS_S)}), its own after {took:.2f} s, "
              f"peak RSS {peak:.0f} MB")
    finally:
        client.close()


def probe_huge_document(root: Path) -> None:
    client = Client(shapelens_command(), root)
    try:
        client.initialize(root)
        path = root / "huge.py"
        _wait_idle(client.process.pid)
        before, _ = _memory(client.process.pid)
        client.open(path, ("x = 1  # " + "a" * 60 + "\n") * (50 * 1024 * 1024 // 70))
        client.wait_diagnostics(path)
        with_it, peak = _memory(client.process.pid)
        client.notify("textDocument/didClose", {"textDocument": {"uri": path.as_uri()}})
        time.sleep(1.5)
        after, _ = _memory(client.process.pid)
        print(f"a 50 MB document: RSS {before:.0f} MB before, {with_it:.0f} MB open "
              f"(peak {peak:.0f} MB), {after:.0f} MB after closing it "
              f"({verdict(after - before <= RELEASED_MB)})")
    finally:
        client.close()


def probe_workspace(root: Path) -> None:
    os.mkfifo(root / "x.py")
    (root / "zero.py").symlink_to("/dev/zero")
    (root / "loop.py").symlink_to(root / "loop.py")
    with (root / "big.py").open("wb") as big:
        big.truncate(4 << 30)
    (root / "model.py").write_text(BROKEN)
    client = Client(shapelens_command(), root)
    try:
        client.initialize(root)
        seconds, result = client.call("workspace/executeCommand",
                                      {"command": "shapelens.checkWorkspace"})
        _, peak = _memory(client.process.pid)
        print(f"Check Workspace over a FIFO, a link to /dev/zero, a link loop and a 4 GB "
              f"file: {result} in {seconds:.2f} s, peak RSS {peak:.0f} MB "
              f"({verdict(result == {'files': 2, 'findings': 2, 'cancelled': False})})")
    finally:
        client.close()


def main() -> int:
    for name, text in DOCUMENTS.items():
        with tempfile.TemporaryDirectory() as folder:
            probe_document(Path(folder), name, text)
    with tempfile.TemporaryDirectory() as folder:
        probe_huge_document(Path(folder))
    with tempfile.TemporaryDirectory() as folder:
        probe_workspace(Path(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
