"""HTTP load figures: `python manage.py bench_http --json [--seconds 60] [--clients 50]`.

Starts the app's web server (axweb.webserve, as the launcher does) and one Celery worker on this
database and Redis (scripted models: no inference), waits until every web process listens and
the worker answers, then `--clients` concurrent clients (httpx async) each loop: list
workflows, save a draft of their own workflow, and every few rounds start a run and watch it
over its websocket (session cookie) until it ends. Each client pauses `--think-ms` (default
1000, with ±50 % jitter) after each request, as a person (and k6's convention) would;
`--think-ms 0` measures the saturated server instead, where latency is queueing behind the
other 49 clients. Clients start at random moments within one think time and start their runs
in rounds of their own. The first `--warmup` seconds (5) of load are not counted (new
connections, each request thread's first request, the worker's first runs); the next
`--seconds` are. Prints p50/p95 latency per operation, errors, runs started and completed, and
the CPU the server, worker and client used over the counted seconds and the drain. The
throwaway users and their workflows/runs are deleted afterwards.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from axweb.migrated import require_migrated
from workflows.bench_servers import servers
from workflows.stream_bench import check_redis, p95, stream_graph

RUN_EVERY = 4  # a client starts a run every RUN_EVERY rounds (when its previous run has ended)
TERMINAL = {"run.finished", "run.failed", "run.cancelled"}
TARGET_P95_MS = 150.0


class Figures:
    def __init__(self) -> None:
        self.latency_ms: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.samples: list[str] = []
        self.runs_started = self.runs_completed = 0
        self.recording = False  # nothing counts during the warm-up

    def latency(self, op: str, ms: float) -> None:
        if self.recording:
            self.latency_ms[op].append(ms)

    def error(self, op: str, what: str) -> None:
        if not self.recording:
            return
        self.errors[op] += 1
        if len(self.samples) < 10:
            self.samples.append(f"{op}: {what}"[:300])

    def summary(self) -> dict[str, Any]:
        ops = {
            op: {
                "count": len(v),
                "p50_ms": round(statistics.median(v), 1),
                "p95_ms": round(p95(v), 1),
            }
            for op, v in sorted(self.latency_ms.items())
            if v
        }
        worst = max((o["p95_ms"] for o in ops.values()), default=0.0)
        return {
            "operations": ops,
            "errors": sum(self.errors.values()),
            "errors_by_operation": dict(self.errors),
            "error_samples": self.samples,
            "runs_started": self.runs_started,
            "runs_completed": self.runs_completed,
            "worst_p95_ms": worst,
            "meets_target": worst <= TARGET_P95_MS and not self.errors,
        }


class Client:
    """One simulated user session: its own workflow, token for HTTP, session cookie for
    websockets."""

    def __init__(
        self,
        base: str,
        token: str,
        cookie: str,
        workflow_id: int,
        graph: dict[str, Any],
        figures: Figures,
        think_s: float = 0.0,
    ) -> None:
        import httpx

        self.think_s = think_s
        self.base, self.cookie, self.workflow_id, self.graph, self.figures = (
            base,
            cookie,
            workflow_id,
            graph,
            figures,
        )
        self.http = httpx.AsyncClient(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        self.watching: asyncio.Task[None] | None = None

    async def timed(self, op: str, method: str, path: str, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            response = await self.http.request(method, path, **kwargs)
        except Exception as exc:
            self.figures.error(op, repr(exc))
            return None
        self.figures.latency(op, (time.perf_counter() - started) * 1000)
        if self.think_s:
            await asyncio.sleep(self.think_s * random.uniform(0.5, 1.5))
        if response.status_code >= 300:
            self.figures.error(op, f"{response.status_code} {response.text[:200]}")
            return None
        return response.json()

    async def loop(self, until: float) -> None:
        # Users arrive independently: each starts within one think time and starts its runs in
        # its own rounds (all 50 at once in the first round measured a burst nobody makes).
        await asyncio.sleep(self.think_s * random.random())
        round_ = random.randrange(RUN_EVERY)
        while time.monotonic() < until:
            await self.timed("list_workflows", "GET", "/api/workflows/")
            await self.timed(
                "save_draft",
                "PUT",
                f"/api/workflows/{self.workflow_id}/draft/",
                json={"graph": self.graph},
            )
            if round_ % RUN_EVERY == 0 and (self.watching is None or self.watching.done()):
                run = await self.timed(
                    "start_run",
                    "POST",
                    "/api/runs/",
                    json={"workflow": self.workflow_id, "version": None, "inputs": {"text": "hi"}},
                )
                if run:
                    counted = self.figures.recording
                    self.figures.runs_started += counted
                    self.watching = asyncio.create_task(self.watch(run["id"], counted))
            round_ += 1

    async def watch(self, run_id: str, counted: bool) -> None:
        import websockets

        url = self.base.replace("http://", "ws://") + f"/ws/runs/{run_id}/"
        try:
            async with websockets.connect(
                url,
                origin=self.base,  # type: ignore[arg-type]
                additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={self.cookie}"},
                open_timeout=30,
            ) as ws:
                await ws.send(json.dumps({"type": "subscribe", "since": 0}))
                async for raw in ws:
                    frame = json.loads(raw)
                    if frame.get("type") == "events" and any(
                        e["type"] in TERMINAL for e in frame["events"]
                    ):
                        self.figures.runs_completed += counted
                        return
        except Exception as exc:
            self.figures.error("watch_run", repr(exc))


async def drive(
    base: str,
    sessions: list[tuple[str, str, int]],
    graph: dict[str, Any],
    seconds: float,
    drain_s: float,
    think_s: float = 0.0,
    warmup_s: float = 0.0,
    on_record: Callable[[], None] = lambda: None,
) -> Figures:
    """The clients' loops: `warmup_s` not counted (connections, each thread's first request,
    the worker's first runs), then `seconds` counted; `on_record` marks the start of those."""
    figures = Figures()
    clients = [
        Client(base, token, cookie, wf, graph, figures, think_s) for token, cookie, wf in sessions
    ]
    until = time.monotonic() + warmup_s + seconds
    loops = asyncio.gather(*(c.loop(until) for c in clients))
    await asyncio.sleep(warmup_s)
    on_record()
    figures.recording = True
    await loops
    watching = [c.watching for c in clients if c.watching and not c.watching.done()]
    if watching:  # runs started near the end: give them a while to finish, then stop watching
        _, pending = await asyncio.wait(watching, timeout=drain_s)
        for task in pending:
            task.cancel()
    await asyncio.gather(*(c.http.aclose() for c in clients))
    return figures


def make_sessions(
    count: int, graph: dict[str, Any]
) -> tuple[list[Any], list[tuple[str, str, int]]]:
    """`count` throwaway users, each with a token, a session and a workflow of scripted nodes."""
    from django.contrib.auth import get_user_model
    from django.test import Client as DjangoClient

    from accounts.tokens import api_token_create
    from workflows.services import workflow_create

    users, sessions = [], []
    tag = uuid.uuid4().hex[:8]
    for i in range(count):
        user = get_user_model().objects.create_user(f"bench-http-{tag}-{i}")
        users.append(user)
        browser = DjangoClient()
        browser.force_login(user)
        workflow = workflow_create(owner=user, name=f"bench http {i}", graph=graph)
        sessions.append(
            (
                api_token_create(user=user, name="bench")[1],
                browser.cookies[settings.SESSION_COOKIE_NAME].value,
                workflow.id,
            )
        )
    return users, sessions


class Command(BaseCommand):
    help = (
        "HTTP + websocket load on the real web server and Celery worker: "
        "p50/p95 per operation, errors, runs."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--clients", type=int, default=50)
        parser.add_argument("--seconds", type=float, default=60.0)
        parser.add_argument("--logs", default="", help="keep web.log and worker.log in this folder")
        parser.add_argument(
            "--think-ms",
            type=float,
            default=1000.0,
            help="pause after each request (±50 %%); 0 saturates the server",
        )
        parser.add_argument(
            "--drain", type=float, default=30.0, help="seconds to let the last runs finish"
        )
        parser.add_argument(
            "--warmup", type=float, default=5.0, help="seconds of load before the counted ones"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from asgiref.sync import async_to_sync

        require_migrated()
        check_redis()
        logging.getLogger("httpx").setLevel(logging.WARNING)  # not one line per request
        graph = stream_graph(nodes=1, chunks=5, seconds=0.2)
        users, sessions = make_sessions(options["clients"], graph)
        try:
            folder = options["logs"] or tempfile.mkdtemp(prefix="axweb-bench-http-")
            with servers(Path(folder)) as procs:
                base = f"http://127.0.0.1:{procs.port}"
                cpu_before: dict[str, float] = {}
                figures = async_to_sync(drive)(
                    base,
                    sessions,
                    graph,
                    options["seconds"],
                    options["drain"],
                    options["think_ms"] / 1000,
                    options["warmup"],
                    lambda: cpu_before.update(procs.cpu()),
                )
                cpu = {k: round(v - cpu_before[k], 2) for k, v in procs.cpu().items()}
        finally:
            for user in users:
                user.delete()
        result = {
            **figures.summary(),
            "clients": options["clients"],
            "seconds": options["seconds"],
            "think_ms": options["think_ms"],
            "warmup_s": options["warmup"],
            "target_p95_ms": TARGET_P95_MS,
            "cpu_s": cpu,  # server, worker and this client, over the load and the drain
            "load_average_1m": round(os.getloadavg()[0], 2),
            "database": str(settings.DATABASES["default"]["ENGINE"]).rsplit(".", 1)[-1],
            "logs": folder,
        }
        self.stdout.write(json.dumps(result, indent=None if options["json"] else 2))
