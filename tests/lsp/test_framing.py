"""The base protocol's framing (server/framing.py): a broken frame costs only itself."""

from __future__ import annotations

import json

from server.framing import BROKEN, Framer


def frame(body: bytes, length: int | None = None) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % (len(body) if length is None else length) + body


def body(n: int) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": n, "method": "m", "params": {"n": n}}).encode()


def feed_all(framer: Framer, *chunks: bytes) -> list[bytes]:
    return [each for chunk in chunks for each in framer.feed(chunk)]


def test_messages_in_one_piece_and_byte_by_byte() -> None:
    stream = frame(body(1)) + b"Content-Length: 3\r\nContent-Type: x\r\n\r\n[1]" + frame(body(2))
    assert feed_all(Framer(), stream) == [body(1), b"[1]", body(2)]
    assert feed_all(Framer(), *(stream[i:i + 1] for i in range(len(stream)))) == [
        body(1), b"[1]", body(2)]


def test_a_frame_shorter_than_its_body() -> None:
    framer = Framer()
    got = feed_all(framer, frame(body(1), length=10) + frame(body(2)) + frame(body(3)))
    assert got == [body(1)[:10], BROKEN, body(2), body(3)]  # the cut body fails as JSON


def test_a_frame_longer_than_its_body_does_not_wait_for_more() -> None:
    framer = Framer()
    assert feed_all(framer, frame(body(1), length=500)) == []  # may still be coming
    assert feed_all(framer, frame(body(2))) == [BROKEN, body(2)]


def test_garbage_and_blank_lines_between_frames() -> None:
    stream = b"\r\n" + frame(body(1)) + b"garbage\r\n\r\n" + frame(body(2))
    assert feed_all(Framer(), stream) == [BROKEN, body(1), BROKEN, body(2)]
    stream = frame(body(1)) + b"Content-Length: x\r\n\r\n" + frame(body(2))
    assert feed_all(Framer(), stream) == [body(1), BROKEN, body(2)]


def test_a_header_inside_a_json_string_is_text() -> None:
    text = {"jsonrpc": "2.0", "method": "m", "params": {"text": "Content-Length: 5\r\n\r\nab"}}
    kept = json.dumps(text).encode()
    assert feed_all(Framer(), frame(kept) + frame(body(2))) == [kept, body(2)]


def test_oversized_bodies_and_headers_are_not_held() -> None:
    framer = Framer(max_body=1000, max_header=100)
    got = feed_all(framer, b"Content-Length: 100000\r\n\r\n")
    for _ in range(99):
        got += feed_all(framer, b"x" * 1000)
        assert framer.buffered <= 1000
    got += feed_all(framer, b"x" * 1000 + frame(body(2)))
    assert got == [BROKEN, body(2)]
    for _ in range(100):
        got += feed_all(framer, b"y" * 1000)  # no header at all
        assert framer.buffered <= 100
    got += feed_all(framer, frame(body(3)))
    assert got[-1] == body(3)
