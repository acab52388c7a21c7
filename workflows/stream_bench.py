"""Live-trace streaming figures, the harness of `python manage.py bench_stream --json`.

Starts the real web server (axweb.webserve) and a real Celery worker (subprocesses on this
database and this Redis; scripted models, so no inference), then runs a streaming workflow twice
per round: watched by one websocket client, and by `--clients` (200) clients. Latency is the
event's `ts` (stamped in the worker when the engine emitted it, before the ≤20 ms queue and the
commit) to the moment its frame's bytes reach a client (same machine clock; the lean client of
workflows/bench_websocket.py stamps each socket read before it parses). `gaps` counts
events a client never received, `duplicates` events it received twice. Figures are medians over
`--repeat` rounds. Every process started here is stopped, and the throwaway user, its workflow
and runs are deleted."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import statistics
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings

from workflows.bench_servers import Servers, StreamBenchError, servers
from workflows.bench_websocket import TEXT, lean_connect
from workflows.models import Run

TERMINAL = {"run.finished", "run.failed", "run.cancelled"}
OPENING = 10  # concurrent websocket handshakes


# -- the run ----------------------------------------------------------------------------------


def stream_graph(nodes: int, chunks: int, seconds: float) -> dict[str, Any]:
    """input → `nodes` scripted llm nodes in a chain, each streaming `chunks` deltas."""
    ids = ["in", *(f"llm{i}" for i in range(nodes)), "out"]
    spec = [{"id": "in", "kind": "input", "config": {"name": "text", "type": "text"}}]
    spec += [
        {
            "id": f"llm{i}",
            "kind": "llm",
            "config": {
                "model": f"scripted:s{i}?delay={seconds}&chunks={chunks}",
                "prompt": "{{in}}",
            },
        }
        for i in range(nodes)
    ]
    spec.append({"id": "out", "kind": "output", "config": {"name": "answer"}})
    edges = [
        {"id": f"e{i}", "source": a, "source_port": "out", "target": b, "target_port": "in"}
        for i, (a, b) in enumerate(zip(ids, ids[1:], strict=False))
    ]
    return {"schema_version": 1, "nodes": spec, "edges": edges}


def queued_run(owner: Any, workflow: Any) -> Run:
    """A run row that is not yet enqueued, so clients can subscribe before its first event."""
    return Run.objects.create(
        owner=owner, workflow=workflow, version=workflow.versions.get(), inputs={"text": "x" * 400}
    )


def enqueue(run: Run) -> None:
    from workflows.tasks import execute_run

    execute_run.apply_async(args=[str(run.id)], queue="runs")


def wait_finished(run: Run, timeout_s: float) -> Run:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        fresh = Run.objects.get(pk=run.pk)
        if fresh.status in ("succeeded", "failed", "cancelled"):
            return fresh
        time.sleep(0.1)
    raise StreamBenchError(f"run {run.id} did not finish within {timeout_s} s")


# -- clients ----------------------------------------------------------------------------------


def _epoch(ts: str) -> float:
    return datetime.fromisoformat(ts).timestamp()


class Watcher:
    """One websocket client: what it received and when."""

    def __init__(self) -> None:
        self.seqs: list[int] = []
        self.latencies_ms: list[float] = []
        self.frames = 0

    async def watch(
        self,
        url: str,
        origin: str,
        tickets: Any,  # an httpx.AsyncClient signed in with the bench user's API token
        subscribed: asyncio.Event,
        opening: asyncio.Semaphore,
    ) -> None:
        async with opening:  # a few handshakes at a time, not 200 in the same millisecond
            ticket = await ws_ticket(tickets)
            ws = await lean_connect(f"{url}?ticket={ticket}", origin, self.received)
            ws.send(TEXT, json.dumps({"type": "subscribe", "since": 0}).encode())
        subscribed.set()
        await ws.finished

    def received(self, at: float, raw: bytes) -> bool:
        """One frame, stamped when its bytes arrived; True after the run's last event."""
        frame = json.loads(raw)
        if frame["type"] != "events":
            return False
        self.frames += 1
        for event in frame["events"]:
            self.seqs.append(event["seq"])
            self.latencies_ms.append((at - _epoch(event["ts"])) * 1000)
        return bool(frame["events"][-1]["type"] in TERMINAL)


async def ws_ticket(tickets: Any) -> str:
    """A single-use websocket ticket, asked for as an API client would (its token in a header)."""
    response = await tickets.post("/api/auth/ws-ticket/", timeout=60)
    response.raise_for_status()
    return str(response.json()["ticket"])


async def watch_run(
    procs: Servers, run: Run, key: str, clients: int, settle_s: float, timeout_s: float
) -> tuple[list[Watcher], dict[str, float]]:
    """The clients, and the CPU seconds each side used while the run streamed (not while the
    clients connected). The tickets come through one HTTP client: a client per ticket cost ~30
    ms of CPU each (its TLS context), and 200 of them on a loaded machine took longer than
    AXWEB_QUEUED_GRACE_S, so the reaper started the waiting run before every client watched."""
    import httpx
    from asgiref.sync import sync_to_async

    port = procs.port
    url, origin = f"ws://127.0.0.1:{port}/ws/runs/{run.id}/", f"http://127.0.0.1:{port}"
    watchers = [Watcher() for _ in range(clients)]
    subscribed = [asyncio.Event() for _ in watchers]
    opening = asyncio.Semaphore(OPENING)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per client on stderr
    async with httpx.AsyncClient(
        base_url=origin, headers={"Authorization": f"Bearer {key}"}
    ) as tickets:
        tasks = [
            asyncio.create_task(w.watch(url, origin, tickets, s, opening))
            for w, s in zip(watchers, subscribed, strict=True)
        ]
        await asyncio.wait_for(asyncio.gather(*(s.wait() for s in subscribed)), 120)
    await asyncio.sleep(settle_s)  # let the server handle the subscribe frames
    before = procs.cpu()
    await sync_to_async(enqueue)(run)
    await asyncio.wait_for(asyncio.gather(*tasks), timeout_s)
    return watchers, {k: v - before[k] for k, v in procs.cpu().items()}


# -- figures --------------------------------------------------------------------------------


def p95(values: list[float]) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[94]
        if len(values) > 1
        else values[0]
    )


def missing_and_duplicates(watchers: list[Watcher], last_seq: int) -> tuple[int, int]:
    gaps = duplicates = 0
    for watcher in watchers:
        got = set(watcher.seqs)
        gaps += len(set(range(1, last_seq + 1)) - got)
        duplicates += len(watcher.seqs) - len(got)
    return gaps, duplicates


def one_round(
    procs: Servers, owner: Any, workflow: Any, key: str, clients: int, settle_s: float
) -> dict[str, Any]:
    from asgiref.sync import async_to_sync

    figures: dict[str, Any] = {}
    for label, count in (("single", 1), ("many", clients)):
        run = queued_run(owner, workflow)
        before = procs.cpu()
        watchers, streaming = async_to_sync(watch_run)(procs, run, key, count, settle_s, 300)
        run = wait_finished(run, 60)
        cpu = {f"cpu_s_{k}": round(v - before[k], 2) for k, v in procs.cpu().items()}
        cpu |= {f"streaming_cpu_s_{k}": round(v, 2) for k, v in streaming.items()}
        gaps, duplicates = missing_and_duplicates(watchers, run.last_seq)
        latencies = [v for w in watchers for v in w.latencies_ms]
        figures[label] = {
            "events": run.last_seq,
            "frames_received": sum(w.frames for w in watchers),
            "gaps": gaps,
            "duplicates": duplicates,
            "latency_ms_p50": statistics.median(latencies),
            "latency_ms_p95": p95(latencies),
            "latency_ms_max": max(latencies),
            **cpu,
        }
    return figures


def summarize(rounds: list[dict[str, Any]], clients: int) -> dict[str, Any]:
    def med(group: str, name: str) -> float:
        return round(float(statistics.median(r[group][name] for r in rounds)), 2)

    return {
        "event_latency_ms_p50": med("single", "latency_ms_p50"),
        "event_latency_ms_p95": med("single", "latency_ms_p95"),
        "events_per_run": med("single", "events"),
        "clients": clients,
        "frames_received": med("many", "frames_received"),
        "gaps": max(r[g]["gaps"] for r in rounds for g in ("single", "many")),
        "duplicates": max(r[g]["duplicates"] for r in rounds for g in ("single", "many")),
        "latency_ms_p50": med("many", "latency_ms_p50"),
        "latency_ms_p95": med("many", "latency_ms_p95"),
        "rounds": len(rounds),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "per_round": rounds,
        "database": str(settings.DATABASES["default"]["ENGINE"]).rsplit(".", 1)[-1],
        "channel_layer": str(settings.CHANNEL_LAYERS["default"]["BACKEND"]).rsplit(".", 1)[-1],
    }


def check_redis() -> None:
    from urllib.parse import urlparse

    parsed = urlparse(settings.REDIS_URL)
    try:
        socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=2
        ).close()
    except OSError as exc:
        raise StreamBenchError(
            f"No Redis at {settings.REDIS_URL} ({exc}). Run under "
            "`python -m axweb.embedded_redis wrap -- python manage.py bench_stream`."
        ) from exc
    if "InMemory" in settings.CHANNEL_LAYERS["default"]["BACKEND"]:
        raise StreamBenchError(
            "bench_stream needs the Redis channel layer (unset AXWEB_CHANNEL_LAYER)."
        )


def bench_stream(
    *, clients: int, repeat: int, nodes: int, chunks: int, seconds: float
) -> dict[str, Any]:
    """The figures, measured as a throwaway user (deleted after, with its workflow and runs)."""
    from django.contrib.auth import get_user_model

    from accounts.tokens import api_token_create
    from workflows.services import workflow_create

    owner = get_user_model().objects.create_user(f"bench-stream-{uuid.uuid4().hex[:10]}")
    try:
        key = api_token_create(user=owner, name="bench stream")[1]
        graph = stream_graph(nodes, chunks, seconds)
        workflow = workflow_create(owner=owner, name="bench stream", graph=graph)
        with (
            tempfile.TemporaryDirectory(prefix="axweb-bench-stream-") as folder,
            servers(Path(folder)) as procs,
        ):
            warm = queued_run(owner, workflow)  # waits for the worker to be up and warm
            enqueue(warm)
            wait_finished(warm, 180)
            rounds = [
                one_round(procs, owner, workflow, key, clients, settle_s=1.0)
                for _ in range(max(1, repeat))
            ]
    finally:
        owner.delete()
    return summarize(rounds, clients)
