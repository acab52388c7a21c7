"""The `mcp` tool kind: a remote MCP server (Streamable HTTP or SSE) whose tools join the catalog.

A server row's tools are discovered on demand (`mcp_discover`, stored in its config) and each
becomes an :class:`McpTool` named ``<server>__<tool>``. Every connection goes through the
outbound guard (`tools.outbound.guarded_client`): the operator's allow-list, every resolved
address checked, the connection pinned to it, each redirect hop checked again. A call's
arguments are checked against the discovered schema before it is sent; an error answer, a
refused URL, a dead server or a timeout is a failed tool call (ToolError). Each request carries
the row's literal `headers` and, when the row names a stored credential (`credential`, an id), a
`credential_header` of `"<credential_scheme> <secret>"`, read when the session opens
(`tools.credentials`) and kept nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
from asgiref.sync import sync_to_async
from mcp import ClientSession, types
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client

from tools.base import Tool, ToolContext, ToolError
from tools.credentials import credential_store
from tools.outbound import OutboundRefused, guarded_client
from tools.registry import MCP_SEPARATOR

SEPARATOR = MCP_SEPARATOR
CONNECT_TIMEOUT_S = 15.0


def exposed_name(server: str, remote: str) -> str:
    """`<server>__<tool>`, in the characters and length models accept for a tool name."""
    return f"{server}{SEPARATOR}{re.sub(r'[^a-zA-Z0-9_-]', '_', remote)}"[:64]


def _client_factory(allowed: frozenset[str], configured: dict[str, str]) -> Any:
    """The SDK's `McpHttpClientFactory`, every client of it guarded."""

    def factory(
        headers: dict[str, str] | None = None,
        timeout: httpx.Timeout | None = None,
        auth: httpx.Auth | None = None,
    ) -> httpx.AsyncClient:
        client = guarded_client(allowed, timeout_s=CONNECT_TIMEOUT_S)
        client.headers.update({**configured, **(headers or {})})
        if timeout is not None:
            client.timeout = timeout
        return client

    return factory


def _credential_header(config: dict[str, Any], owner_id: int | None) -> dict[str, str]:
    """`{header: "<scheme> <secret>"}` from the stored credential the row names (none: {}).
    A credential that is gone or cannot be decrypted is a ToolError that says so, never the
    secret."""
    credential = config.get("credential")
    if credential is None:
        return {}
    if owner_id is None:
        reason = "this MCP server's credential has no owner to read it from"
        raise ToolError(reason, code="forbidden")
    try:
        secret = credential_store().secret(owner_id, int(credential))
    except LookupError:
        raise ToolError(
            f"the stored credential #{credential} this MCP server sends no longer exists; "
            "pick another in the tool's settings",
            code="forbidden",
        ) from None
    except ValueError as exc:
        raise ToolError(str(exc), code="forbidden") from None
    scheme = config.get("credential_scheme", "Bearer")
    header = config.get("credential_header") or "Authorization"
    return {header: f"{scheme} {secret}" if scheme else secret}


@asynccontextmanager
async def _session(
    config: dict[str, Any], allowed: frozenset[str], owner_id: int | None = None
) -> AsyncIterator[ClientSession]:
    secret_header = await sync_to_async(_credential_header)(config, owner_id)
    factory = _client_factory(allowed, {**(config.get("headers") or {}), **secret_header})
    if config.get("transport") == "sse":
        streams = sse_client(config["url"], httpx_client_factory=factory)
        async with streams as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            yield session
        return
    async with (
        factory() as http,
        streamable_http_client(config["url"], http_client=http) as (
            read,
            write,
            _,
        ),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


def _leaves(error: BaseException) -> list[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in _leaves(inner)]
    return [error]


def _as_tool_error(error: BaseException, url: str) -> ToolError:
    """The SDK reports transport failures inside exception groups: the first real cause."""
    leaves = _leaves(error)
    for leaf in leaves:
        if isinstance(leaf, ToolError):
            return leaf
    leaf = leaves[0]
    if isinstance(leaf, httpx.TimeoutException | TimeoutError):
        return ToolError(f"the MCP server at {url} did not answer in time", code="timeout")
    if isinstance(leaf, httpx.HTTPStatusError):
        status = leaf.response.status_code
        return ToolError(f"the MCP server at {url} answered HTTP {status}", code="unavailable")
    return ToolError(f"cannot reach the MCP server at {url}: {leaf}", code="unavailable")


def _info(tool: types.Tool) -> dict[str, Any]:
    hints = tool.annotations
    return {
        "name": tool.name,
        "description": tool.description or tool.title or tool.name,
        "input_schema": tool.inputSchema or {"type": "object"},
        "idempotent": bool(hints and (hints.readOnlyHint or hints.idempotentHint)),
    }


async def mcp_discover(
    config: dict[str, Any], allowed: frozenset[str], *, owner_id: int | None = None
) -> list[dict[str, Any]]:
    """`[{name, description, input_schema, idempotent}]` of every tool the server lists
    (`owner_id`: whose stored credential the config may name)."""
    try:
        async with _session(config, allowed, owner_id) as session:
            listed, cursor = [], None
            while True:
                page = await session.list_tools(params=types.PaginatedRequestParams(cursor=cursor))
                listed += [_info(t) for t in page.tools]
                cursor = page.nextCursor
                if not cursor:
                    return listed
    except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - reported as one ToolError
        raise _as_tool_error(exc, config["url"]) from None


def _result_value(result: types.CallToolResult) -> Any:
    texts = [block.text for block in result.content if isinstance(block, types.TextContent)]
    if result.isError:
        raise ToolError(" ".join(texts) or "the MCP tool reported an error", code="failed")
    if result.structuredContent is not None:
        return result.structuredContent
    return texts[0] if len(texts) == 1 else texts


class McpTool(Tool):
    """One tool of a remote MCP server, called over a fresh session per call."""

    permissions = frozenset({"network"})

    def __init__(
        self,
        server: str,
        config: dict[str, Any],
        info: dict[str, Any],
        timeout_s: float,
        owner_id: int | None = None,
    ) -> None:
        self.name = exposed_name(server, info["name"])
        self.remote = info["name"]
        self.description = info.get("description") or self.remote
        self.input_schema = info.get("input_schema") or {"type": "object"}
        self.idempotent = bool(info.get("idempotent"))
        self.config, self.timeout_s, self.owner_id = config, timeout_s, owner_id

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> Any:
        wait = timedelta(seconds=self.timeout_s)
        try:
            async with _session(self.config, ctx.allowed_hosts, self.owner_id) as session:
                result = await session.call_tool(self.remote, args, read_timeout_seconds=wait)
        except ToolError:
            raise
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - reported as one ToolError
            raise _as_tool_error(exc, self.config["url"]) from None
        return _result_value(result)


class McpServerTool(Tool):
    """The server row itself: `{tool, arguments}` calls one of its discovered tools by name.
    Agents get the discovered tools one by one (:func:`mcp_tools`); this is their catalog."""

    permissions = frozenset({"network"})

    def __init__(
        self,
        name: str,
        description: str,
        config: dict[str, Any],
        timeout_s: float,
        owner_id: int | None = None,
    ):
        self.name, self.description, self.config = name, description, config
        self.timeout_s = timeout_s
        self.tools = [
            McpTool(name, config, info, timeout_s, owner_id) for info in config.get("tools", [])
        ]
        names: dict[str, Any] = {"type": "string"}
        if self.tools:
            names["enum"] = [t.remote for t in self.tools]
        self.input_schema = {
            "type": "object",
            "properties": {"tool": names, "arguments": {"type": "object"}},
            "required": ["tool"],
        }

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> Any:
        tool = next((t for t in self.tools if t.remote == args["tool"]), None)
        if tool is None:
            raise ToolError(f"'{self.name}' has no tool '{args['tool']}'; refresh its tools.")
        return await tool.invoke(ctx, args.get("arguments") or {})


__all__ = ["McpServerTool", "McpTool", "OutboundRefused", "exposed_name", "mcp_discover"]
