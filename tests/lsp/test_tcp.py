"""Serving over TCP (`serve --tcp`, server/transport.py), against the real server process on a
loopback port: one client at a time, a connect-and-close that does not end the server, and a
client that stops reading dropped before the server's memory grows with what it left unread.

Every loop is bounded in count and time; every wait ends in a failure, never a hang."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lsp.raw import WAIT_S, TcpServer, frame, initialize, notification, request

pytestmark = pytest.mark.lsp

HOVER = {"textDocument": {"uri": "file:///nowhere.py"}, "position": {"line": 0, "character": 0}}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[TcpServer]:
    started = TcpServer(cwd=tmp_path)
    try:
        yield started
    finally:
        started.close()


def closed_by_server(connection: socket.socket, timeout: float = WAIT_S) -> bool:
    """Whether the server closes `connection` (without a word) within `timeout`."""
    connection.settimeout(timeout)
    try:
        return connection.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_a_connect_and_close_does_not_end_the_server(server: TcpServer) -> None:
    for _ in range(3):
        server.connect().close()
    half = server.connect()
    half.sendall(b"Content-Length: 100\r\n\r\n{")  # and gone mid-message
    half.close()
    client = server.client()
    try:
        assert "result" in client.ask(initialize(1))
        assert client.ask(request(2, "shutdown"))["result"] is None
        client.send(notification("exit"))
        assert server.process.wait(timeout=WAIT_S) == 0
    finally:
        client.close()


def test_one_client_at_a_time(server: TcpServer, tmp_path: Path) -> None:
    first = server.client()
    assert "result" in first.ask(initialize(1, tmp_path))
    second = server.connect()
    assert closed_by_server(second)  # refused at once, while the first is served
    second.close()
    assert first.ask(request(2, "textDocument/hover", HOVER)) == {
        "jsonrpc": "2.0", "id": 2, "result": None}
    first.close()  # gone without shutdown: the next client gets a session of its own
    third = server.client()
    try:
        answer = third.ask(initialize(1, tmp_path))
        assert answer["result"]["serverInfo"]["name"] == "shapelens"
        assert third.ask(request(3, "shutdown"))["result"] is None
        third.send(notification("exit"))
        assert server.process.wait(timeout=WAIT_S) == 0
    finally:
        third.close()


def test_a_client_that_stops_reading_is_dropped(server: TcpServer, tmp_path: Path) -> None:
    """Its unread answers would grow the server without bound: it is dropped once they pass
    a few MB; the server's memory stays put and it serves the next client."""
    slow = server.connect()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.sendall(frame(initialize(1, tmp_path)))
    time.sleep(0.5)  # initialized: the memory of a running server
    before = server.rss_kb()
    # Each request asks for an unknown method with a 64 KB name, which the answer repeats.
    name = "x" * 65536
    sent = 0
    slow.settimeout(WAIT_S)
    deadline = time.monotonic() + 120
    dropped = False
    while sent < 200 * 1024 * 1024 and time.monotonic() < deadline:  # at most 200 MB
        try:
            slow.sendall(b"".join(frame(request(i, name)) for i in range(sent, sent + 16)))
        except (BrokenPipeError, ConnectionResetError):
            dropped = True
            break
        sent += 16 * 65536
    assert dropped, f"still connected after {sent >> 20} MB of answers left unread"
    grown_mb = (server.rss_kb() - before) / 1024
    slow.close()
    assert grown_mb < 64, f"grew by {grown_mb:.0f} MB ({sent >> 20} MB sent)"
    client = server.client()
    try:
        assert "result" in client.ask(initialize(1, tmp_path))
        assert client.ask(request(2, "textDocument/hover", HOVER))["result"] is None
    finally:
        client.close()
