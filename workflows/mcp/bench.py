"""MCP call overhead over a direct run: `mcp_call_overhead` (for `bench_triggers`) and the
`bench_mcp` command.

Both sides run the same tiny flow (input → output, no model) to the end on a real worker:
*direct* is `run_start` plus following the run's events until it ends, in this process (what
the MCP server does inside a call); *mcp* is the `mcp` SDK's client calling the exposed flow
over Streamable HTTP on a live server (token check, JSON-RPC, SSE framing included). The
overhead is p50(mcp) − p50(direct). Calls alternate so a busy machine slows both alike.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
import uuid
from typing import Any

import httpx
from channels.db import database_sync_to_async as sync_to_async
from django.contrib.auth import get_user_model
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from accounts.tokens import api_token_create
from workflows.models import Workflow
from workflows.runs.follow import run_events_follow
from workflows.runs.services import run_start
from workflows.services import workflow_create

TARGET_OVERHEAD_P50_MS = 20.0


def echo_graph() -> dict[str, Any]:
    def node(node_id: str, kind: str, **config: Any) -> dict[str, Any]:
        return {"id": node_id, "kind": kind, "config": config, "position": {"x": 0, "y": 0}}

    edge = {"id": "e", "source": "in", "source_port": "out", "target": "out", "target_port": "in"}
    return {
        "schema_version": 1,
        "nodes": [node("in", "input", name="text", type="text"), node("out", "output")],
        "edges": [edge],
    }


def bench_owner() -> tuple[Any, Workflow, str]:
    """A throwaway user with an exposed echo flow and an API token (delete the user after)."""
    user = get_user_model().objects.create_user(f"bench-mcp-{uuid.uuid4().hex[:8]}")
    workflow = workflow_create(owner=user, name="MCP bench echo", graph=echo_graph())
    Workflow.objects.filter(pk=workflow.pk).update(expose_as_tool=True)
    return user, workflow, api_token_create(user=user, name="bench_mcp")[1]


async def _direct(user: Any, workflow: Workflow, text: str) -> float:
    started = time.perf_counter()
    run = await sync_to_async(run_start)(owner=user, workflow=workflow, inputs={"text": text})
    async for _event in run_events_follow(run.id):
        pass
    return (time.perf_counter() - started) * 1000


async def _over_mcp(session: ClientSession, slug: str, text: str) -> float:
    started = time.perf_counter()
    result = await session.call_tool(slug, {"text": text})
    if result.isError:
        raise RuntimeError(f"the MCP call failed: {result.content}")
    return (time.perf_counter() - started) * 1000


async def _measure(
    base_url: str, user: Any, workflow: Workflow, token: str, calls: int
) -> tuple[list[float], list[float]]:
    direct: list[float] = []
    over_mcp: list[float] = []
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(headers=headers, timeout=120) as http:  # noqa: SIM117
        async with streamable_http_client(f"{base_url}/mcp/", http_client=http) as (r, w, _):
            async with ClientSession(r, w) as session:
                await session.initialize()
                await _over_mcp(session, workflow.slug, "warm-up")  # the worker's first run
                for i in range(calls):
                    direct.append(await _direct(user, workflow, f"d{i}"))
                    over_mcp.append(await _over_mcp(session, workflow.slug, f"m{i}"))
    return direct, over_mcp


def mcp_call_overhead(
    *, base_url: str, user: Any, workflow: Workflow, token: str, calls: int = 30
) -> dict[str, Any]:
    """Figures for one exposed flow on a live server at `base_url` with a worker running."""
    direct, over_mcp = asyncio.run(_measure(base_url, user, workflow, token, calls))
    p50_direct, p50_mcp = statistics.median(direct), statistics.median(over_mcp)
    overhead = p50_mcp - p50_direct
    return {
        "calls": calls,
        "direct_run_p50_ms": round(p50_direct, 1),
        "mcp_call_p50_ms": round(p50_mcp, 1),
        "mcp_overhead_p50_ms": round(overhead, 1),
        "target_overhead_p50_ms": TARGET_OVERHEAD_P50_MS,
        "meets_target": overhead <= TARGET_OVERHEAD_P50_MS,
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
