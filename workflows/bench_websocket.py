"""A lean websocket client for the streaming benchmark (workflows/stream_bench.py).

`bench_stream` plays 200 browsers from one Python process on the same cores as the server. With
the `websockets` library each received frame cost the client ~0.3 ms of CPU (its frame parser,
the message assembler, a task wake-up per frame), more than the server spent sending it: 200
frames per event took the client ~60 ms, so the figure measured the client's own queue. This
client parses the server's frames in `data_received` (an `asyncio.Protocol`: no task per frame)
and stamps the receive time once per socket read, before it parses anything, as a browser's
network thread would. What is measured is unchanged: from the event's `ts` in the worker to the
moment its frame's bytes reach the client.

RFC 6455, client side only: the opening handshake, unmasked server frames (text, continuation,
ping, close), masked client frames. No extensions (the server sends no per-message deflate).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import struct
import time
from collections.abc import Callable
from urllib.parse import urlsplit

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, BINARY, CLOSE, PING, PONG = 0x1, 0x2, 0x8, 0x9, 0xA

OnMessage = Callable[[float, bytes], bool]  # (received at, payload) -> True when done


class WebSocketClosed(Exception):
    """The server closed the connection (or refused the handshake) before the client was done."""


def client_frame(opcode: int, payload: bytes) -> bytes:
    """One masked frame from the client (RFC 6455 §5.3: clients always mask)."""
    mask = os.urandom(4)
    length = len(payload)
    if length < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
    elif length < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, length)
    masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))  # a few bytes
    return head + mask + masked


class LeanWebSocket(asyncio.Protocol):
    """Hands every complete text message to `on_message` with the time its last read arrived."""

    def __init__(self, on_message: OnMessage) -> None:
        self.on_message = on_message
        self.buffer = bytearray()
        self.fragments: list[bytes] = []
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.key = base64.b64encode(os.urandom(16))

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        received = time.time()
        self.buffer += data
        if not self.opened.done():
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            self._handshake(bytes(self.buffer[:end]))
            del self.buffer[: end + 4]
        self._frames(received)

    def _handshake(self, head: bytes) -> None:
        lines = head.split(b"\r\n")
        headers = dict(line.split(b":", 1) for line in lines[1:] if b":" in line)
        headers = {k.strip().lower(): v.strip() for k, v in headers.items()}
        accept = base64.b64encode(hashlib.sha1(self.key + GUID).digest())
        if b" 101 " not in lines[0] + b" " or headers.get(b"sec-websocket-accept") != accept:
            self._fail(WebSocketClosed(f"handshake refused: {lines[0].decode(errors='replace')}"))
            return
        self.opened.set_result(None)

    def _frames(self, received: float) -> None:
        buffer = self.buffer
        while len(buffer) >= 2 and not self.finished.done():
            first, second = buffer[0], buffer[1]
            length, start = second & 0x7F, 2
            if length == 126:
                if len(buffer) < 4:
                    return
                length, start = int.from_bytes(buffer[2:4], "big"), 4
            elif length == 127:
                if len(buffer) < 10:
                    return
                length, start = int.from_bytes(buffer[2:10], "big"), 10
            if len(buffer) < start + length:
                return
            payload = bytes(buffer[start : start + length])
            del buffer[: start + length]
            self._frame(first & 0x80, first & 0x0F, payload, received)

    def _frame(self, fin: int, opcode: int, payload: bytes, received: float) -> None:
        if opcode == PING:
            self.send(PONG, payload)
        elif opcode == CLOSE:
            code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            self._fail(WebSocketClosed(f"closed by the server ({code} {payload[2:]!r})"))
        elif opcode in (TEXT, BINARY, 0x0):
            self.fragments.append(payload)
            if fin:
                message, self.fragments = b"".join(self.fragments), []
                if self.on_message(received, message):
                    self.close()

    def send(self, opcode: int, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(client_frame(opcode, payload))

    def close(self) -> None:
        self.send(CLOSE, (1000).to_bytes(2, "big"))
        if not self.finished.done():
            self.finished.set_result(None)
        if self.transport is not None:
            self.transport.close()

    def _fail(self, exc: Exception) -> None:
        for future in (self.opened, self.finished):
            if not future.done():
                future.set_exception(exc)
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(WebSocketClosed(f"connection lost ({exc})"))


async def lean_connect(
    url: str, origin: str, on_message: OnMessage, timeout_s: float = 60
) -> LeanWebSocket:
    """Open `url` (ws://host:port/path?query); returns once the server accepted the upgrade."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    loop = asyncio.get_running_loop()
    _, protocol = await loop.create_connection(lambda: LeanWebSocket(on_message), host, port)
    assert protocol.transport is not None
    protocol.transport.write(
        f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {protocol.key.decode()}\r\n"
        f"Sec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n\r\n".encode()
    )
    await asyncio.wait_for(asyncio.shield(protocol.opened), timeout_s)
    return protocol
