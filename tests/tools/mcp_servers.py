"""A real MCP server for the `mcp` tool kind's tests: the SDK's FastMCP under uvicorn on a free
loopback port, in a thread (Streamable HTTP at /mcp, or SSE at /sse)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from mcp.server.fastmcp import Context, FastMCP


def local_mcp() -> FastMCP:
    server = FastMCP("local", host="127.0.0.1")

    @server.tool(description="Adds two whole numbers.")
    def add(a: int, b: int) -> int:
        return a + b

    @server.tool(description="Always fails.")
    def explode(reason: str) -> str:
        raise ValueError(f"exploded: {reason}")

    @server.tool(description="Sleeps, then answers.")
    async def slow(seconds: float) -> str:
        await asyncio.sleep(seconds)
        return "late"

    @server.tool(description="The Authorization header the call came with.")
    def authorization(ctx: Context) -> str:  # type: ignore[type-arg]
        request = ctx.request_context.request
        return str(request.headers.get("authorization", "")) if request else ""

    return server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def requiring(app: Any, header: str, value: str) -> Any:
    """The ASGI app behind a door: a request without `header: value` is answered 401."""

    async def door(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            sent = dict(scope["headers"]).get(header.lower().encode(), b"")
            if sent != value.encode():
                await send({"type": "http.response.start", "status": 401, "headers": []})
                await send({"type": "http.response.body", "body": b"a token is required"})
                return
        await app(scope, receive, send)

    return door


@contextmanager
def serving(
    transport: str = "streamable_http", require: tuple[str, str] | None = None
) -> Iterator[str]:
    """The URL of a running local MCP server; stopped on exit. `require=(header, value)`: the
    server answers 401 to any request without that header."""
    mcp = local_mcp()
    app = mcp.sse_app() if transport == "sse" else mcp.streamable_http_app()
    if require is not None:
        app = requiring(app, *require)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the local MCP server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/{'sse' if transport == 'sse' else 'mcp'}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
