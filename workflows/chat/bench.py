"""Chat figures, the harness of `python manage.py bench_chat --json`: time to first token
through the whole stack. A turn is timed from the moment its `POST .../messages/` is sent (as
an API client, Bearer token) until the first `node.token` event of the answer's stream node
arrives on the run's websocket, as the chat page receives it. The real web server and real Celery
workers on this database and Redis (workflows/bench_servers.py): by default what `make run`
starts (the web server's AXWEB_WEB_PROCESSES processes, one worker process with
AXWEB_RUNS_PER_WORKER run slots). The client keeps one HTTP client for all its requests.

- `scripted`: a scripted model with no delay, `--turns` turns one after another (p50, p95);
- `concurrent`: `--sessions` sessions each sending one turn at once, on a scripted model that
  waits 50 ms before its first token (p95), and the CPU per turn of each side;
- `builtin`: the builtin model (in the worker process) answering a ~50-token prompt, as an agent
  without tools or system prompt (p50).
The throwaway user, its agents, workflows, sessions and runs are deleted afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from asgiref.sync import async_to_sync

from workflows.bench_servers import Servers, servers
from workflows.stream_bench import TERMINAL, p95

PROMPT_50 = (
    "Please explain in one short sentence why the sky looks blue during a clear day, and "
    "mention the name of the physical effect that scatters the shorter wavelengths of sunlight "
    "more strongly than the longer ones in our atmosphere."
)  # about 50 tokens


class Stack:
    """The live server, as one API client sees it: one HTTP client (its connections kept
    alive, as a browser or an SDK keeps them) for every request of a measurement. A new
    httpx client per request built a TLS context each time (~25 ms of CPU in this process),
    and 20 sessions starting at once spent a second of the two cores on that alone."""

    def __init__(self, port: int, key: str) -> None:
        self.origin, self.key = f"http://127.0.0.1:{port}", key
        self.ws = f"ws://127.0.0.1:{port}/ws/runs"
        self._client: Any = None

    @contextlib.asynccontextmanager
    async def opened(self) -> AsyncIterator[Stack]:
        """The shared HTTP client, for one event loop (one async_to_sync call)."""
        import httpx

        logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
        async with httpx.AsyncClient(
            base_url=self.origin, headers=self._auth(), limits=limits, timeout=120
        ) as client:
            self._client = client
            try:
                yield self
            finally:
                self._client = None

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    async def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = await self._client.post(path, json=body)
        response.raise_for_status()
        return response.json()

    async def session(self, workflow_id: int) -> str:
        return str((await self.post("/api/chat/sessions/", {"workflow": workflow_id}))["id"])

    async def turn(self, session: str, text: str) -> float:
        """Milliseconds from sending the message to the first token on the websocket."""
        import websockets

        ticket = (await self.post("/api/auth/ws-ticket/"))["ticket"]  # as an API client would
        started = time.perf_counter()
        body = await self.post(f"/api/chat/sessions/{session}/messages/", {"content": text})
        answer = body["assistant_message"]
        url = f"{self.ws}/{answer['run']}/?ticket={ticket}"
        first: float | None = None
        async with websockets.connect(url, origin=self.origin, max_size=None) as ws:  # type: ignore[arg-type]
            await ws.send(json.dumps({"type": "subscribe", "since": 0}))
            async for raw in ws:
                frame = json.loads(raw)
                for event in frame.get("events", []):
                    token = event["type"] == "node.token"
                    if token and first is None and event["node"] in answer["stream_nodes"]:
                        first = time.perf_counter()
                    if event["type"] in TERMINAL:
                        if first is None:
                            raise RuntimeError(f"run {answer['run']}: {event['type']}, no token")
                        return (first - started) * 1000
        raise RuntimeError(f"run {answer['run']}: the websocket closed before the run ended")


def _figures(values: list[float]) -> dict[str, float]:
    return {
        "p50": round(statistics.median(values), 1),
        "p95": round(p95(values), 1),
        "max": round(max(values), 1),
    }


async def _sequential(stack: Stack, workflow_id: int, turns: int, text: str) -> list[float]:
    async with stack.opened():
        session = await stack.session(workflow_id)
        await stack.turn(session, text)  # warm: the first turn loads what later ones reuse
        return [await stack.turn(await stack.session(workflow_id), text) for _ in range(turns)]


async def _concurrent(
    stack: Stack, workflow_id: int, sessions: int, procs: Servers
) -> tuple[list[float], dict[str, float]]:
    """The sessions' times to first token, and the CPU milliseconds per turn that the web
    server, the worker(s) and this client used for the whole burst (ticket, message, run,
    websocket, until each run ended): the figure that does not depend on the machine's load."""
    async with stack.opened():
        await stack.turn(await stack.session(workflow_id), "warm")
        ids = [await stack.session(workflow_id) for _ in range(sessions)]
        before = procs.cpu()
        times = await asyncio.gather(*(stack.turn(s, f"hello {i}") for i, s in enumerate(ids)))
        after = procs.cpu()
    cpu = {k: round((after[k] - before[k]) * 1000 / sessions, 1) for k in before}
    return list(times), cpu


MODELS = {
    "scripted": "scripted:fast?chunks=3",
    "concurrent": "scripted:slow?delay=0.05&chunks=3",
    "builtin": "builtin:smollm2-135m",
}


async def _setup(stack: Stack, owner: Any) -> dict[str, int]:
    """One agent (made through the API, as a user would) and one chat workflow per model."""
    from asgiref.sync import sync_to_async

    from workflows.services import workflow_create

    ids = {}
    async with stack.opened():
        for label, model in MODELS.items():
            params = {"max_tokens": 24} if label == "builtin" else {}  # the first token is timed
            await stack.post("/api/agents/", {"name": label, "model": model, "parameters": params})
            workflow = await sync_to_async(workflow_create)(
                owner=owner, name=label, graph=_graph(label)
            )
            ids[label] = workflow.pk
    return ids


def _graph(agent: str) -> dict[str, Any]:
    def node(id_: str, kind: str, **config: Any) -> dict[str, Any]:
        return {"id": id_, "kind": kind, "config": config, "position": {"x": 0, "y": 0}}

    def edge(source: str, target: str, port: str = "in", out: str = "out") -> dict[str, Any]:
        ends = {"source": source, "source_port": out, "target": target, "target_port": port}
        return {"id": f"{source}.{out}-{target}.{port}", **ends}

    nodes = [node("chat", "input", chat=True), node("agent", "agent", agent=agent)]
    nodes.append(node("answer", "output", name="answer", chat=True))
    edges = [edge("chat", "agent"), edge("chat", "agent", "history", "history")]
    return {"schema_version": 1, "nodes": nodes, "edges": [*edges, edge("agent", "answer")]}


def bench_chat(
    *, turns: int, sessions: int, builtin_turns: int, workers: int, logs: str = ""
) -> dict[str, Any]:
    """The figures (module docstring); the servers' logs go to `logs` when given."""
    from django.contrib.auth import get_user_model

    from accounts.tokens import api_token_create

    owner = get_user_model().objects.create_user(f"bench-chat-{uuid.uuid4().hex[:10]}")
    try:
        key = api_token_create(user=owner, name="bench chat")[1]
        with (
            tempfile.TemporaryDirectory(prefix="axweb-bench-chat-") as folder,
            servers(Path(logs or folder), workers=workers) as procs,
        ):
            stack = Stack(procs.port, key)
            ids = async_to_sync(_setup)(stack, owner)
            scripted = async_to_sync(_sequential)(stack, ids["scripted"], turns, "hello")
            concurrent, cpu = async_to_sync(_concurrent)(stack, ids["concurrent"], sessions, procs)
            builtin = (
                async_to_sync(_sequential)(stack, ids["builtin"], builtin_turns, PROMPT_50)
                if builtin_turns
                else []
            )
    finally:
        owner.delete()
    result: dict[str, Any] = {
        "ttft_ms_scripted": _figures(scripted),
        "ttft_ms_concurrent": {"sessions": sessions, **_figures(concurrent)},
        "concurrent_cpu_ms_per_turn": cpu,
        "workers": workers,
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    if builtin:
        result["ttft_ms_builtin_50_tokens"] = _figures(builtin)
    return result
