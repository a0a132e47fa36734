"""The server's memory and latency under hostile clients (server/transport.py, protocol.py).

    python benchmarks/hostile_clients.py [--rounds 2000]

Over stdio: hover latency (p50/p95, one document open) before, and after each of: `rounds`
invalid messages (JSON that is not a request, wrong types, not JSON), `rounds // 10` frames
with a wrong Content-Length, `rounds` messages about documents never opened; the server's
RSS and peak RSS (VmHWM) after each. Over TCP: a client that stops reading while asking for
64 KB answers, until the server drops it: the MB it sent, how long that took, the server's
RSS growth; then how fast a second connection is refused while a client is served, and a
new client's first answer after the slow one was dropped.

Targets: hover p95 within 10 ms after every probe, RSS within 20 MB of where it started over
stdio, within 64 MB over TCP; nothing left unanswered.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.lsp.raw import StdioServer, TcpServer, frame, initialize, notification, request  # noqa: E402

SOURCE = ("import keras\nmodel = keras.Sequential([keras.Input((28, 28, 1)),\n"
          "    keras.layers.Conv2D(8, 3), keras.layers.Flatten(), keras.layers.Dense(10)])\n")
INVALID = [b'{"jsonrpc": "2.0", "id": 7}', b"[1, 2]", b'"text"', b'{"id": 8, "method": "x"}',
           b'{"jsonrpc": "2.0", "id": 9, "method": "textDocument/hover", "params": 3}',
           b'{"jsonrpc": "2.0", "id": 10, "method": "textDocument/hover", "params": {}}',
           b"{not json", b"\xff\xfe"]


class Ids:
    def __init__(self) -> None:
        self.next = 100

    def __call__(self) -> int:
        self.next += 1
        return self.next


def hovers(server: StdioServer, uri: str, ids: Ids, count: int = 50) -> tuple[float, float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        server.ask(request(ids(), "textDocument/hover", {
            "textDocument": {"uri": uri}, "position": {"line": 2, "character": 20}}))
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def stdio(rounds: int) -> bool:
    folder = Path(tempfile.mkdtemp(prefix="shapelens-hostile-"))
    path = folder / "m.py"
    path.write_text(SOURCE, encoding="utf-8")
    server = StdioServer(cwd=folder)
    ids = Ids()
    ok = True
    try:
        server.ask(initialize(1, folder))
        server.send(notification("initialized", {}))
        server.send(notification("textDocument/didOpen", {"textDocument": {
            "uri": path.as_uri(), "languageId": "python", "version": 1, "text": SOURCE}}))
        start_rss = server.rss_kb()
        print(f"stdio: {'probe':<34} {'hover p50':>9} {'p95':>8} {'RSS MB':>7} {'peak MB':>8}")

        def line(name: str) -> None:
            nonlocal ok
            p50, p95 = hovers(server, path.as_uri(), ids)
            rss, peak = server.rss_kb() / 1024, server.peak_rss_kb() / 1024
            ok = ok and p95 <= 10 and rss - start_rss / 1024 <= 20
            print(f"       {name:<34} {p50:8.2f}ms {p95:6.2f}ms {rss:7.1f} {peak:8.1f}")

        line("(none)")
        for i in range(rounds):
            server.send(frame(INVALID[i % len(INVALID)]))
        line(f"{rounds} invalid messages")
        for i in range(rounds // 10):
            body = json.dumps(request(ids(), "textDocument/hover", {})).encode()
            server.send(frame(body, length=len(body) + (-5 if i % 2 else 40)))
            server.send(frame(b"{}"))
        line(f"{rounds // 10} frames with a wrong length")
        unknown = {"uri": "file:///never/opened.py", "version": 2}
        change = {"range": {"start": {"line": 9, "character": 0},
                            "end": {"line": 9, "character": 1}}, "text": "x"}
        for _ in range(rounds // 2):
            server.send(notification("textDocument/didChange", {
                "textDocument": unknown, "contentChanges": [change]}))
            server.send(notification("textDocument/didClose",
                                     {"textDocument": {"uri": unknown["uri"]}}))
        line(f"{rounds} about documents never opened")
        popups = [m for m in server.reader.received if m.get("method") == "window/showMessage"]
        print(f"       popups: {len(popups)}")
        ok = ok and not popups
        server.ask(request(ids(), "shutdown"))
        server.send(notification("exit"))
        ok = ok and server.exit_code() == 0
    finally:
        server.close()
    return ok


def tcp() -> bool:
    folder = Path(tempfile.mkdtemp(prefix="shapelens-hostile-"))
    server = TcpServer(cwd=folder)
    ok = True
    try:
        slow = server.connect()
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        slow.sendall(frame(initialize(1, folder)))
        time.sleep(0.5)
        before = server.rss_kb()
        name = "x" * 65536
        sent = 0
        started = time.perf_counter()
        while sent < 200 << 20:
            try:
                slow.sendall(b"".join(frame(request(i, name)) for i in range(16)))
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += 16 * 65536
        dropped_after = time.perf_counter() - started
        grown = (server.rss_kb() - before) / 1024
        slow.close()
        print(f"tcp:   a client that stops reading: dropped after {sent >> 20} MB of 64 KB "
              f"answers in {dropped_after:.2f} s; server RSS {before / 1024:.1f} MB, "
              f"grew {grown:.1f} MB, peak {server.peak_rss_kb() / 1024:.1f} MB")
        ok = ok and sent < 200 << 20 and grown <= 64
        started = time.perf_counter()
        client = server.client()
        client.ask(initialize(1, folder))
        print(f"       the next client's initialize answered in "
              f"{(time.perf_counter() - started) * 1000:.1f} ms")
        started = time.perf_counter()
        second = server.connect()
        second.settimeout(5)
        try:
            refused = second.recv(1) == b""
        except ConnectionResetError:
            refused = True
        print(f"       a second connection while served: "
              f"{'closed' if refused else 'NOT closed'} in "
              f"{(time.perf_counter() - started) * 1000:.1f} ms")
        ok = ok and refused
        second.close()
        client.close()
    finally:
        server.close()
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    ok = stdio(args.rounds)
    ok = tcp() and ok
    print("PASS" if ok else "MISS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
