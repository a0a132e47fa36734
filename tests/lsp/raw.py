"""A raw JSON-RPC client for the real server process: bytes in, parsed messages out.

pytest-lsp only sends what is well formed; the protocol tests need to send what is not
(bodies that are not requests, wrong Content-Length, requests after shutdown) and to see the
process' exit code. Every wait here is bounded: a server that does not answer fails the test
with a timeout, it never hangs the suite.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from server.launcher import server_command

REPO = Path(__file__).resolve().parents[2]
# The probes' server may take this much data memory, no more: one that grows without bound
# fails (MemoryError, or killed) instead of taking the machine with it.
MEMORY_LIMIT_BYTES = 2 << 30
REFUSED_WITHIN_S = 0.3  # a connection the server refuses is closed well within this
WAIT_S = 30.0  # far beyond any normal answer: only a server that stopped answering waits so long
Message = dict[str, Any]


def frame(message: Message | bytes, length: int | None = None) -> bytes:
    """One framed message; `length` lies about its Content-Length."""
    body = message if isinstance(message, bytes) else json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % (len(body) if length is None else length) + body


def request(msg_id: int, method: str, params: object = None) -> Message:
    return {"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}


def notification(method: str, params: object = None) -> Message:
    return {"jsonrpc": "2.0", "method": method, "params": params}


def initialize(msg_id: int = 1, root: Path | None = None) -> Message:
    return request(msg_id, "initialize", {
        "processId": None, "capabilities": {},
        "rootUri": root.as_uri() if root is not None else None})


def server_env(**extra: str) -> dict[str, str]:
    path = os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])
    return {**os.environ, "PYTHONPATH": path, **extra}


class MessageReader:
    """Parses framed messages from `read(n)` on a thread of its own into a queue."""

    def __init__(self, read: Callable[[int], bytes]) -> None:
        self._read = read
        self.messages: queue.Queue[Message | None] = queue.Queue()  # None: the stream ended
        self.received: list[Message] = []  # every message, also those `answer` skipped
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        buffer = b""
        try:
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = self._read(65536)
                    if not chunk:
                        return
                    buffer += chunk
                header, _, buffer = buffer.partition(b"\r\n\r\n")
                length = next(int(line.split(b":")[1]) for line in header.split(b"\r\n")
                              if line.lower().startswith(b"content-length:"))
                while len(buffer) < length:
                    chunk = self._read(65536)
                    if not chunk:
                        return
                    buffer += chunk
                message = json.loads(buffer[:length])
                self.received.append(message)
                self.messages.put(message)
                buffer = buffer[length:]
        except OSError:
            return
        finally:
            self.messages.put(None)

    def next(self, timeout: float = WAIT_S) -> Message | None:
        """The next message, or None once the stream has ended; raises on timeout."""
        try:
            return self.messages.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no message from the server in {timeout} s") from None

    def answer(self, msg_id: object, timeout: float = WAIT_S) -> Message:
        """The response to request `msg_id`, skipping notifications and server requests."""
        deadline = time.monotonic() + timeout
        seen: list[Message] = []
        while True:
            message = self.next(max(deadline - time.monotonic(), 0.01))
            if message is None:
                raise AssertionError(f"the stream ended before an answer to {msg_id!r}: {seen}")
            if "method" not in message and message.get("id") == msg_id:
                return message
            seen.append(message)

    def quiet_for(self, seconds: float) -> list[Message]:
        """Every message that arrives within `seconds`."""
        deadline = time.monotonic() + seconds
        got: list[Message] = []
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = self.messages.get(timeout=left)
            except queue.Empty:
                break
            if message is None:
                break
            got.append(message)
        return got


class ServerProcess:
    """A server process under test: its memory, what it logged, and its end."""

    def __init__(self, command: list[str], cwd: Path | None, env: dict[str, str],
                 stdio: bool) -> None:
        # stderr to a file: a pipe nobody reads would stall a server that logs a lot.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        streams = subprocess.PIPE if stdio else subprocess.DEVNULL
        self.process = subprocess.Popen(bounded(command), stdin=streams, stdout=streams,
                                        stderr=self._stderr, cwd=cwd, env=env)

    def peak_rss_kb(self) -> int:
        return _status_kb(self.process.pid, "VmHWM")

    def rss_kb(self) -> int:
        return _status_kb(self.process.pid, "VmRSS")

    def stderr(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=WAIT_S)
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        self._stderr.close()


class StdioServer(ServerProcess):
    """The server process on stdio, started as an editor starts it."""

    def __init__(self, cwd: Path | None = None, env: dict[str, str] | None = None,
                 command: list[str] | None = None) -> None:
        super().__init__(command or server_command(), cwd, env or server_env(), stdio=True)
        assert self.process.stdout is not None
        self.reader = MessageReader(self.process.stdout.read1)

    def send(self, data: bytes | Message) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data if isinstance(data, bytes) else frame(data))
        self.process.stdin.flush()

    def ask(self, message: Message, timeout: float = WAIT_S) -> Message:
        self.send(message)
        return self.reader.answer(message["id"], timeout)

    def exit_code(self, timeout: float = WAIT_S) -> int:
        return self.process.wait(timeout=timeout)



def bounded(command: list[str]) -> list[str]:
    """`command` with its data memory limited (Linux: RLIMIT_DATA counts the heap and private
    mappings), set by a small Python that then becomes the command (exec): no preexec_fn,
    which is unsafe in this multi-threaded test process."""
    limit = ("import os, sys\nsys.path[:] = [p for p in sys.path if p]  # not the current folder\n"
             "try:\n    import resource\n"
             f"    resource.setrlimit(resource.RLIMIT_DATA, ({MEMORY_LIMIT_BYTES}, "
             f"{MEMORY_LIMIT_BYTES}))\nexcept ImportError:\n    pass\n"
             "os.execvp(sys.argv[1], sys.argv[1:])")
    return [sys.executable, "-c", limit, *command]


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} for process {pid}")


class TcpServer(ServerProcess):
    """The server process listening on a loopback port (`serve --tcp`)."""

    def __init__(self, cwd: Path | None = None) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port: int = probe.getsockname()[1]
        super().__init__([*server_command(), "--tcp", f"127.0.0.1:{self.port}"], cwd,
                         server_env(), stdio=False)

    def connect(self, timeout: float = WAIT_S) -> socket.socket:
        """A connection, once the server listens (it needs a moment to start)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def client(self, timeout: float = WAIT_S) -> TcpClient:
        """A client the server serves: a connection made just after the last client left may
        come before the server has seen it go, and be refused (closed at once); then again."""
        deadline = time.monotonic() + timeout
        while True:
            connection = self.connect()
            readable, _, _ = select.select([connection], [], [], REFUSED_WITHIN_S)
            if not readable or connection.recv(1, socket.MSG_PEEK):
                return TcpClient(connection)
            connection.close()
            if time.monotonic() > deadline:
                raise AssertionError(f"the server refused every connection for {timeout} s")
            time.sleep(0.05)



class TcpClient:
    """One connection to a server started with --tcp."""

    def __init__(self, connection: socket.socket) -> None:
        self.socket = connection
        self.reader = MessageReader(self.socket.recv)

    def send(self, data: bytes | Message) -> None:
        self.socket.sendall(data if isinstance(data, bytes) else frame(data))

    def ask(self, message: Message, timeout: float = WAIT_S) -> Message:
        self.send(message)
        return self.reader.answer(message["id"], timeout)

    def close(self) -> None:
        # shutdown first: it ends the connection now, where close() alone waits for the
        # reader thread's recv to return (the server would not see the client go).
        with contextlib.suppress(OSError):
            self.socket.shutdown(socket.SHUT_RDWR)
        self.socket.close()
