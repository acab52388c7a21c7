"""The MCP server at /mcp/ (Streamable HTTP, stateless), built on the `mcp` SDK's low-level
server: tools are per user, so they are listed and called through handlers, not registered.

`McpAsgiApp` authenticates `Authorization: Bearer <API token>` (401 otherwise), puts the user
in the ASGI scope, and hands the request to the SDK's session manager. Daphne speaks no ASGI
lifespan, so the manager's task group is started by the first request of each event loop.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from channels.db import database_sync_to_async as sync_to_async
from mcp import types
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

from accounts.tokens import api_token_user
from axweb.errors import error_body
from workflows.mcp.calls import McpResult, mcp_call, mcp_tools_of

NAME = "axweb"
UNAUTHORIZED = "Send `Authorization: Bearer <API token>`; create a token on AXWeb's Settings page."


def _user_of(scope: dict[str, Any]) -> Any:
    return scope["axweb_user"]


def _request_user(server: Server[Any, Any]) -> Any:
    request = server.request_context.request
    return _user_of(request.scope)  # type: ignore[union-attr]


def _as_result(result: McpResult) -> types.CallToolResult:
    meta = {"axweb/run": result.run_id} if result.run_id else None
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=result.text)],
        structuredContent=result.outputs,
        isError=not result.ok,
        _meta=meta,
    )


def server_build() -> Server[Any, Any]:
    server: Server[Any, Any] = Server(NAME)

    @server.list_tools()  # type: ignore[no-untyped-call,untyped-decorator]
    async def list_tools() -> list[types.Tool]:
        user = _request_user(server)
        tools = await sync_to_async(mcp_tools_of)(user=user)
        return [
            types.Tool(name=t.name, description=t.description, inputSchema=t.input_schema)
            for t in tools
        ]

    @server.call_tool(validate_input=False)  # type: ignore[untyped-decorator]
    async def call_tool(name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        ctx = server.request_context
        token = ctx.meta.progressToken if ctx.meta else None

        async def progress(done: float, total: float, message: str) -> None:
            if token is not None:
                await ctx.session.send_progress_notification(
                    token, done, total, message, related_request_id=str(ctx.request_id)
                )

        result = await mcp_call(
            user=_request_user(server), name=name, arguments=arguments or {}, progress=progress
        )
        return _as_result(result)

    return server


def _bearer(scope: dict[str, Any]) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"authorization":
            scheme, _, secret = value.decode("latin-1").partition(" ")
            return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None
    return None


def _token_user(secret: str) -> Any:
    found = api_token_user(secret=secret)
    return found[0] if found else None


async def _refuse(send: Any) -> None:
    body = json.dumps(error_body(401, "not_authenticated", UNAUTHORIZED))
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", b"application/json"),
                (b"www-authenticate", b'Bearer realm="mcp"'),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body.encode()})


class McpAsgiApp:
    """The ASGI app mounted at /mcp/: token check, then the SDK's Streamable HTTP transport."""

    def __init__(self) -> None:
        self._managers: dict[asyncio.AbstractEventLoop, tuple[Any, asyncio.Event]] = {}
        self._keepers: set[asyncio.Task[None]] = set()

    async def _manager(self) -> StreamableHTTPSessionManager:
        loop = asyncio.get_running_loop()
        if loop not in self._managers:
            manager = StreamableHTTPSessionManager(app=server_build(), stateless=True)
            ready = asyncio.Event()
            self._managers[loop] = (manager, ready)
            keeper = loop.create_task(self._keep(manager, ready))
            self._keepers.add(keeper)
            keeper.add_done_callback(self._keepers.discard)
        manager, ready = self._managers[loop]
        await ready.wait()
        return manager  # type: ignore[no-any-return]

    @staticmethod
    async def _keep(manager: StreamableHTTPSessionManager, ready: asyncio.Event) -> None:
        async with manager.run():
            ready.set()
            await asyncio.Event().wait()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        secret = _bearer(scope)
        user = await sync_to_async(_token_user)(secret) if secret else None
        if user is None:
            await _refuse(send)
            return
        manager = await self._manager()
        await manager.handle_request({**scope, "axweb_user": user}, receive, send)


mcp_app = McpAsgiApp()
