"""LSP's base protocol: `Content-Length` framed messages cut out of a byte stream.

pygls reads a header, then exactly that many bytes, and trusts both: after one frame with a
wrong Content-Length it reads every later message at the wrong offset, and the stream never
answers again. Here a broken frame costs only itself:

- Header lines that are not `Name: value` (the tail of a body that was shorter than its
  Content-Length said, an extra blank line) are skipped up to the next `Content-Length:`.
- A raw `Content-Length: N` + CRLF inside a body cannot be JSON (JSON strings escape CR and LF
  and a bare word is no JSON value), so it is the next message's header: the body was longer
  than the frame said. The frame is dropped and reading goes on from that header, without
  waiting for bytes that were never part of it.
- A body larger than `max_body` is skipped as it arrives, never held; a header block larger
  than `max_header` is skipped too.

Each dropped frame is reported as `BROKEN` (the server answers it with a JSON-RPC parse error).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

MAX_BODY_BYTES: Final = 256 * 1024 * 1024  # a message larger than any document worth reading
MAX_HEADER_BYTES: Final = 8 * 1024
BROKEN: Final = b""  # yielded for a frame dropped (an empty body is no JSON either)

_HEADER_START = re.compile(rb"content-length:", re.IGNORECASE)
_HEADER_IN_BODY = re.compile(rb"content-length:[ \t]*\d+\r\n", re.IGNORECASE)
_HEADER_NAME = re.compile(rb"[A-Za-z0-9-]+")
_END_OF_HEADERS = b"\r\n\r\n"
_OVERLAP = 64  # longer than any header a body may hide


class Framer:
    """Feed it the bytes as they arrive; it yields each message's body, or BROKEN."""

    def __init__(self, max_body: int = MAX_BODY_BYTES,
                 max_header: int = MAX_HEADER_BYTES) -> None:
        self.max_body = max_body
        self.max_header = max_header
        self._buffer = bytearray()
        self._skip = 0  # bytes of an oversized body still to throw away
        self._checked = 0  # bytes of the body being read already searched for a header

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def feed(self, data: bytes) -> Iterator[bytes]:
        """The bodies complete once `data` is added, in order (BROKEN for a dropped frame)."""
        buffer = self._buffer
        if self._skip:
            skipped = min(self._skip, len(data))
            self._skip -= skipped
            data = data[skipped:]
        buffer += data
        while buffer and not self._skip:
            end = buffer.find(_END_OF_HEADERS)
            if end < 0:
                if len(buffer) <= self.max_header:
                    return
                self._resync(from_index=1)
                continue
            length = _content_length(bytes(buffer[:end]))
            if length is None:
                found = self._resync(from_index=1)
                yield BROKEN
                if not found:
                    return
                continue
            start = end + len(_END_OF_HEADERS)
            # Look for a header only in what was not looked at before (a long body arrives
            # in many pieces), from a little earlier: a header may span two pieces.
            since = max(start, start + self._checked - _OVERLAP)
            next_header = _HEADER_IN_BODY.search(buffer, since, start + length)
            if next_header is not None:  # the body ends before its Content-Length said
                del buffer[:next_header.start()]
                self._checked = 0
                yield BROKEN
                continue
            self._checked = min(len(buffer), start + length) - start
            if length > self.max_body:
                skipped = min(length, len(buffer) - start)
                del buffer[:start + skipped]
                self._skip = length - skipped
                self._checked = 0
                yield BROKEN
                continue
            if len(buffer) < start + length:
                return
            body = bytes(buffer[start:start + length])
            del buffer[:start + length]
            self._checked = 0
            yield body if body else BROKEN

    def _resync(self, from_index: int) -> bool:
        """Drop what precedes the next `Content-Length:` after `from_index`; with none, keep
        only what may be the start of one. Whether a header was found."""
        buffer = self._buffer
        found = _HEADER_START.search(buffer, from_index)
        if found is not None:
            del buffer[:found.start()]
            return True
        keep = len(b"Content-Length:") - 1
        del buffer[:max(len(buffer) - keep, 0)]
        return False


def _content_length(header: bytes) -> int | None:
    """The Content-Length of a header block whose every line is `Name: value`, else None."""
    length = None
    for line in header.split(b"\r\n"):
        name, colon, value = line.partition(b":")
        if not colon or not _HEADER_NAME.fullmatch(name):
            return None
        if name.lower() == b"content-length":
            value = value.strip()
            if not value.isdigit():
                return None
            length = int(value)
    return length
