"""Trigger figures, the harness of `python manage.py bench_triggers --json`.

Starts the real web server (axweb.webserve), a real Celery worker and a beat process with the
trigger scheduler (subprocesses on this database and this Redis; scripted models, so no
inference), as a throwaway user deleted afterwards. One function per figure in FIGURES: each
takes the shared `Bench` and returns its figures; add a figure by adding a function and a line."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from workflows.bench_servers import ROOT, StreamBenchError, servers
from workflows.models import Run
from workflows.triggers.models import Trigger, TriggerFire
from workflows.triggers.signing import signature_of

logging.getLogger("httpx").setLevel(logging.WARNING)  # one log line per call otherwise
GRAPH = {
    "schema_version": 1,
    "nodes": [
        {"id": "in", "kind": "input", "config": {"name": "question", "type": "text"}},
        {"id": "out", "kind": "output", "config": {"name": "answer"}},
    ],
    "edges": [
        {"id": "e", "source": "in", "source_port": "out", "target": "out", "target_port": "in"}
    ],
}


@dataclass
class Bench:
    owner: Any
    workflow: Any
    url: str  # the web server
    folder: Path
    calls: int
    ticks: int


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def _webhook(bench: Bench) -> tuple[Trigger, str]:
    from workflows.triggers.services import trigger_create

    data = {"kind": "webhook", "rate_limit_per_min": 1_000_000}
    return trigger_create(owner=bench.owner, workflow=bench.workflow, data=data)


def _signed_post(client: httpx.Client, url: str, secret: str, n: int) -> httpx.Response:
    body = json.dumps({"question": f"call {n}"}).encode()
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-AXWeb-Timestamp": stamp,
        "X-AXWeb-Signature": signature_of(secret, stamp, body),
    }
    return client.post(url, content=body, headers=headers)


def webhook_accept(bench: Bench) -> dict[str, Any]:
    """Client-side time of a signed async webhook call, send to 202."""
    trigger, secret = _webhook(bench)
    url, took = f"{bench.url}/hooks/{trigger.id}/", []
    with httpx.Client(timeout=30) as client:
        for n in range(bench.calls + 10):
            start = time.perf_counter()
            response = _signed_post(client, url, secret, n)
            if response.status_code != 202:
                raise StreamBenchError(f"webhook answered {response.status_code}: {response.text}")
            if n >= 10:  # warm-up calls are not counted
                took.append((time.perf_counter() - start) * 1000)
    return {"webhook_accept_p50_ms": p(took, 0.5), "webhook_accept_p95_ms": p(took, 0.95)}


def webhook_to_run_started(bench: Bench) -> dict[str, Any]:
    """Send of a webhook call to the run's `started_at` (the worker took the lease), one call
    at a time so no queue builds up."""
    trigger, secret = _webhook(bench)
    url, took = f"{bench.url}/hooks/{trigger.id}/", []
    with httpx.Client(timeout=30) as client:
        for n in range(max(10, bench.calls // 4)):
            sent = time.time()
            run_id = _signed_post(client, url, secret, n).json()["run_id"]
            run = _wait(partial(_started, run_id))
            took.append((run.started_at.timestamp() - sent) * 1000)
    return {
        "webhook_to_run_started_p50_ms": p(took, 0.5),
        "webhook_to_run_started_p95_ms": p(took, 0.95),
    }


def schedule_fire_jitter(bench: Bench) -> dict[str, Any]:
    """How late a one-second schedule's ticks are fired (fire row written minus tick)."""
    from workflows.triggers.services import trigger_create

    data = {"kind": "schedule", "interval_s": 1, "input_mapping": {"question": "'tick'"}}
    trigger, _ = trigger_create(owner=bench.owner, workflow=bench.workflow, data=data)
    with _beat(bench.folder):
        fires = trigger.fires.filter(status=TriggerFire.Status.STARTED)
        _wait(lambda: fires.count() >= bench.ticks + 2, timeout=bench.ticks * 3 + 60)
    late = [
        (f.created_at - f.tick_at).total_seconds() * 1000
        for f in fires.order_by("tick_at")[2:]  # the first ticks wait for beat to boot
        if f.tick_at
    ]
    return {
        "schedule_fire_jitter_p50_ms": p(late, 0.5),
        "schedule_fire_jitter_p95_ms": p(late, 0.95),
    }


def mcp_overhead(bench: Bench) -> dict[str, Any]:
    """An MCP call to an exposed flow over a direct run of it (workflows/mcp/bench.py)."""
    from workflows.mcp.bench import bench_owner, mcp_call_overhead

    user, workflow, token = bench_owner()
    try:
        figures = mcp_call_overhead(
            base_url=bench.url,
            user=user,
            workflow=workflow,
            token=token,
            calls=max(10, bench.calls // 4),
        )
    finally:
        user.delete()
    return {k: v for k, v in figures.items() if k.startswith(("direct_", "mcp_"))}


FIGURES: list[Callable[[Bench], dict[str, Any]]] = [
    webhook_accept,
    webhook_to_run_started,
    schedule_fire_jitter,
    mcp_overhead,
]


def _started(run_id: str) -> Run | None:
    return Run.objects.filter(pk=run_id, started_at__isnull=False).first()


def _wait(fetch: Callable[[], Any], timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := fetch():
            return found
        time.sleep(0.005)
    raise StreamBenchError(f"nothing happened within {timeout} s (is the worker up?)")


@contextmanager
def _beat(folder: Path) -> Iterator[None]:
    argv = [sys.executable, "-m", "celery", "-A", "axweb", "beat", "-l", "WARNING"]
    argv += ["-S", "workflows.triggers.beat:TriggerScheduler", "-s", str(folder / "beat-schedule")]
    env = {**os.environ, "AXWEB_SCRIPTED_MODELS": "1"}
    with (folder / "beat.log").open("ab") as log:
        beat = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield
    finally:
        beat.terminate()
        beat.wait(timeout=15)


def bench_triggers(*, calls: int = 200, ticks: int = 20) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from workflows.services import workflow_create

    owner = get_user_model().objects.create_user(f"bench-triggers-{uuid.uuid4().hex[:10]}")
    figures: dict[str, Any] = {"calls": calls, "ticks": ticks}
    try:
        workflow = workflow_create(owner=owner, name="bench triggers", graph=GRAPH)
        with (
            tempfile.TemporaryDirectory(prefix="axweb-bench-triggers-") as folder,
            servers(Path(folder)) as procs,
        ):
            bench = Bench(
                owner, workflow, f"http://127.0.0.1:{procs.port}", Path(folder), calls, ticks
            )
            for figure in FIGURES:
                figures |= figure(bench)
    finally:
        owner.delete()
    return figures
