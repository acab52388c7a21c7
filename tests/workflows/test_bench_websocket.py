"""The streaming benchmark's lean websocket client against a real websocket server."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve

from workflows.bench_websocket import TEXT, WebSocketClosed, lean_connect

SIZES = (0, 5, 125, 126, 300, 65535, 65536, 100_000)  # every length encoding of RFC 6455


async def server(handler: Any) -> tuple[Any, str]:
    running = await serve(handler, "127.0.0.1", 0, compression=None, ping_interval=None)
    port = next(iter(running.sockets)).getsockname()[1]
    return running, f"ws://127.0.0.1:{port}/ws/runs/x/?ticket=t"


@pytest.mark.asyncio
async def test_the_lean_client_reads_every_frame_size_answers_pings_and_is_understood() -> None:
    heard: list[str] = []

    async def handler(connection: ServerConnection) -> None:
        heard.append(str(await connection.recv()))  # the client's masked frame, decoded
        await (await connection.ping(b"are you there"))  # returns once the client answered
        for size in SIZES:
            await connection.send("x" * size)
        await connection.send("last")
        await connection.wait_closed()

    got: list[bytes] = []

    def on_message(at: float, payload: bytes) -> bool:
        got.append(payload)
        return payload == b"last"

    running, url = await server(handler)
    async with running:
        ws = await lean_connect(url, "http://127.0.0.1", on_message)
        ws.send(TEXT, b'{"type": "subscribe", "since": 0}')
        await asyncio.wait_for(ws.finished, 30)
    assert heard == ['{"type": "subscribe", "since": 0}']
    assert [len(p) for p in got] == [*SIZES, 4]


@pytest.mark.asyncio
async def test_the_lean_client_says_so_when_the_server_closes_before_it_is_done() -> None:
    async def handler(connection: ServerConnection) -> None:
        await connection.close(4404, "No such run, or it is not yours.")

    running, url = await server(handler)
    async with running:
        ws = await lean_connect(url, "http://127.0.0.1", lambda at, payload: False)
        with pytest.raises(WebSocketClosed, match="4404"):
            await asyncio.wait_for(ws.finished, 30)
