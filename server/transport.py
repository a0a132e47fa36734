"""How the server talks to its client: stdio, or TCP with one client at a time.

This replaces pygls' own loops (JsonRPCServer.start_io / start_tcp), which
- read a frame's header and then exactly Content-Length bytes, trusting both (see
  server/framing.py for what is done instead);
- over TCP let a second connection take over the session of the first, end the server when
  any connection closed (a bare connect-and-close too), and buffer whatever a client does
  not read without bound (a client that stops reading grew the server by gigabytes);
- swallowed the exit code of `exit` (1 without a `shutdown` before it, as LSP says).

Over TCP a connection that arrives while a client is being served is closed at once. A client
that leaves unread more than MAX_UNREAD_BYTES of answers is dropped. When a client goes away
without `shutdown`, its session is forgotten (`forget_session`) and the server waits for the
next client; after `shutdown` (or on `exit`) the server ends.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import BinaryIO

from pygls.io_ import StdoutWriter

from server.framing import Framer
from server.protocol import ShapelensProtocol

logger = logging.getLogger(__name__)

READ_CHUNK = 64 * 1024
MAX_UNREAD_BYTES = 4 * 1024 * 1024  # answers a TCP client may leave unread before it is dropped


def exit_code(error: SystemExit) -> int:
    return error.code if isinstance(error.code, int) else 1


async def pump(read: Callable[[], Awaitable[bytes]], protocol: ShapelensProtocol) -> None:
    """Hand each message that `read` brings to the protocol until the stream ends."""
    framer = Framer()
    while chunk := await read():
        for body in framer.feed(chunk):
            try:
                protocol.handle_body(body)
            except Exception:  # a bug in handling one message must not end the session
                logger.exception("a message could not be handled")


# -- stdio -------------------------------------------------------------------------------------


class _StdinReader:
    """Reads stdin on a daemon thread, one chunk per `read()`: a thread blocked in a read
    never keeps the process from exiting (a pool's thread would), and nothing is read ahead
    of what the server has taken."""

    def __init__(self, stream: BinaryIO, loop: asyncio.AbstractEventLoop) -> None:
        self._stream = stream
        self._loop = loop
        self._wanted: queue.SimpleQueue[asyncio.Future[bytes]] = queue.SimpleQueue()
        threading.Thread(target=self._run, name="shapelens-stdin", daemon=True).start()

    def read(self) -> asyncio.Future[bytes]:
        future: asyncio.Future[bytes] = self._loop.create_future()
        self._wanted.put(future)
        return future

    def _run(self) -> None:
        read1 = getattr(self._stream, "read1", None)
        while True:
            future = self._wanted.get()
            try:
                data = read1(READ_CHUNK) if read1 else os.read(self._stream.fileno(), READ_CHUNK)
            except (OSError, ValueError):
                data = b""
            try:
                self._loop.call_soon_threadsafe(_resolve, future, data)
            except RuntimeError:  # the loop is closed: the server has ended
                return
            if not data:
                return


def _resolve(future: asyncio.Future[bytes], data: bytes) -> None:
    if not future.done():
        future.set_result(data)


def serve_stdio(protocol: ShapelensProtocol, stdin: BinaryIO | None = None,
                stdout: BinaryIO | None = None) -> int:
    """Serve on stdin/stdout; the exit code: that of `exit`, else 0 when the client closed
    the stream after `shutdown`, 1 when before."""
    protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
    stream = stdin or sys.stdin.buffer

    async def serve() -> int | None:
        reader = _StdinReader(stream, asyncio.get_running_loop())
        try:
            await pump(reader.read, protocol)
        except SystemExit as error:  # `exit`
            return exit_code(error)
        return None

    try:
        code = asyncio.run(serve())
    except BrokenPipeError:
        logger.error("the client closed its end of the connection")
        code = None
    return (0 if protocol._shutdown else 1) if code is None else code


# -- TCP ---------------------------------------------------------------------------------------


class BoundedWriter:
    """A TCP client's stream, dropped once it leaves more than `limit` bytes unread."""

    def __init__(self, writer: asyncio.StreamWriter, limit: int = MAX_UNREAD_BYTES) -> None:
        self._writer = writer
        self._limit = limit
        self.dropped = False

    def write(self, data: bytes) -> None:
        transport = self._writer.transport
        if self.dropped or transport.is_closing():
            return
        unread = transport.get_write_buffer_size()
        if unread > self._limit:
            logger.error("the client left %d bytes of answers unread: dropped", unread)
            self.dropped = True
            transport.abort()  # frees the buffer now; the read loop sees the end
            return
        self._writer.write(data)

    def close(self) -> None:
        self._writer.close()


def serve_tcp(protocol: ShapelensProtocol, host: str, port: int,
              forget_session: Callable[[], None]) -> int:
    """Serve one client at a time on host:port until `exit`, or until a client that sent
    `shutdown` goes away; the exit code as for stdio."""
    try:
        return asyncio.run(_serve_tcp(protocol, host, port, forget_session))
    except SystemExit as error:
        return exit_code(error)


async def _serve_tcp(protocol: ShapelensProtocol, host: str, port: int,
                     forget_session: Callable[[], None]) -> int:
    ended: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    busy = False

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal busy
        if busy or ended.done():
            logger.warning("a second client connected while one is served: refused")
            writer.transport.abort()
            return
        busy = True
        protocol.set_writer(BoundedWriter(writer))
        try:
            await pump(lambda: reader.read(READ_CHUNK), protocol)
        except SystemExit as error:  # `exit`
            _end(ended, exit_code(error))
            return
        except OSError as error:
            logger.warning("the client's connection failed: %s", error)
        finally:
            busy = False
            writer.transport.abort()
        if protocol._shutdown:
            _end(ended, 0)  # shut down and gone: the session is over
        else:
            logger.info("the client went away without shutdown: waiting for the next one")
            protocol.forget_session()
            forget_session()

    server = await asyncio.start_server(connection, host, port)
    logger.info("serving on %s", ", ".join(str(s.getsockname()) for s in server.sockets))
    async with server:
        return await ended


def _end(ended: asyncio.Future[int], code: int) -> None:
    if not ended.done():
        ended.set_result(code)
