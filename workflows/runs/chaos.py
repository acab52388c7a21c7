"""Chaos: many parallel runs on PostgreSQL + Redis while workers are killed (`manage.py chaos`).

The harness starts its own Redis on a free port (never the machine's 6379) and two Celery
worker processes, starts N runs of a 20-node parallel flow (scripted models), and meanwhile
SIGKILLs a random worker every few seconds (then starts it again), restarts its Redis once
and terminates the application's PostgreSQL connections once. It then checks what was
stored: every run succeeded, no node committed twice, `seq` gap-free, no event missing.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import close_old_connections, connection
from django.db.models import Count, Max

from axweb import embedded_redis
from axweb.env import env_str
from axweb.workers import worker_argv
from workflows.models import FINISHED_STATUSES, NodeRun, Run, RunEvent

ROOT = Path(__file__).resolve().parents[2]  # the project: workflows/runs/chaos.py
BRANCHES = 18  # input + 18 parallel llm nodes + join (+ output) = 20 nodes doing work
SETTLED = ("node.finished", "node.failed", "node.skipped")


def parallel_flow(delay: float) -> dict[str, Any]:
    def node(nid: str, kind: str, **config: Any) -> dict[str, Any]:
        return {"id": nid, "kind": kind, "config": config, "position": {"x": 0, "y": 0}}

    def edge(source: str, target: str) -> dict[str, Any]:
        return {
            "id": f"{source}-{target}",
            "source": source,
            "source_port": "out",
            "target": target,
            "target_port": "in",
        }

    branches = [f"b{i}" for i in range(BRANCHES)]
    nodes = [
        node("in", "input", name="q", type="any"),
        *[
            node(b, "llm", model=f"scripted:{b}?delay={delay}&chunks=2", prompt="{{in}}")
            for b in branches
        ],
        node("j", "join", policy="all"),
        node("out", "output", name="answer"),
    ]
    edges = [
        *[edge("in", b) for b in branches],
        *[edge(b, "j") for b in branches],
        edge("j", "out"),
    ]
    return {"schema_version": 1, "nodes": nodes, "edges": edges}


class Redis:
    """A private redis-server on a fixed free port, restartable."""

    def __init__(self) -> None:
        self.port = embedded_redis.free_port()
        self.folder = tempfile.mkdtemp(prefix="axweb-chaos-redis-")
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            embedded_redis.server_args(self.port, self.folder), stdout=subprocess.DEVNULL
        )
        embedded_redis.wait_until_ready(self.port)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class Workers:
    """Celery worker processes (each in its own process group) on the runs and lab queues."""

    def __init__(self, count: int, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.processes: list[subprocess.Popen[bytes] | None] = [None] * count

    def start(self, index: int) -> None:
        self.processes[index] = subprocess.Popen(
            worker_argv(),
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self, index: int, sig: int = signal.SIGKILL) -> None:
        process = self.processes[index]
        if process is not None and process.poll() is None:
            os.killpg(process.pid, sig)
            process.wait(timeout=30)

    def stop_all(self) -> None:
        for index in range(len(self.processes)):
            self.kill(index, signal.SIGTERM)


def use_redis(url: str) -> None:
    """Point this process's Celery producer and channel layer at the harness's Redis."""
    from channels.layers import channel_layers

    from axweb.celery import app

    settings.REDIS_URL = url
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [url], "capacity": 5000, "expiry": 60},
        }
    }
    channel_layers.backends = {}
    app.conf.broker_url = url


def terminate_app_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


def worker_env(redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "REDIS_URL": redis_url,
        "AXWEB_SCRIPTED_MODELS": "1",
        "AXWEB_TORCH_THREADS": "1",
        "AXWEB_RUN_LEASE_S": env_str("AXWEB_RUN_LEASE_S", "3"),
        "AXWEB_REAP_EVERY_S": env_str("AXWEB_REAP_EVERY_S", "0.5"),
        "AXWEB_QUEUED_GRACE_S": env_str("AXWEB_QUEUED_GRACE_S", "10"),
    }


def start_runs(owner: Any, count: int, delay: float) -> list[Any]:
    from workflows.runs.services import run_start
    from workflows.services import workflow_create

    workflow = workflow_create(
        owner=owner, name=f"chaos-{uuid.uuid4().hex[:6]}", graph=parallel_flow(delay)
    )
    return [run_start(owner=owner, workflow=workflow, inputs={"q": i}).id for i in range(count)]


def unfinished(run_ids: list[Any]) -> int:
    close_old_connections()
    return Run.objects.filter(pk__in=run_ids).exclude(status__in=FINISHED_STATUSES).count()


def faults(
    workers: Workers, redis: Redis, run_ids: list[Any], kill_every_s: float, deadline: float
) -> dict[str, int]:
    """Kill a random worker every `kill_every_s` (starting it again), restart Redis once and
    terminate the PostgreSQL connections once, until every run finished or the deadline."""
    done = {"kills": 0, "redis_restarts": 0, "pg_terminations": 0}
    started = time.monotonic()
    while unfinished(run_ids) and time.monotonic() < deadline:
        time.sleep(kill_every_s)
        victim = random.randrange(len(workers.processes))
        workers.kill(victim)
        workers.start(victim)
        done["kills"] += 1
        if not done["redis_restarts"] and time.monotonic() - started > 2 * kill_every_s:
            redis.stop()
            redis.start()
            done["redis_restarts"] = 1
        elif not done["pg_terminations"] and done["redis_restarts"]:
            terminate_app_connections()
            done["pg_terminations"] = 1
    return done


def verdict(run_ids: list[Any]) -> dict[str, int]:
    runs = Run.objects.filter(pk__in=run_ids)
    settled = (
        RunEvent.objects.filter(run__in=runs, type__in=SETTLED)
        .values("run", "node")
        .annotate(n=Count("id"))
    )
    duplicates = sum(row["n"] - 1 for row in settled if row["n"] > 1)
    gaps = 0
    for row in (
        RunEvent.objects.filter(run__in=runs).values("run").annotate(n=Count("id"), top=Max("seq"))
    ):
        gaps += row["top"] - row["n"]
    gaps += sum(run.last_seq - RunEvent.objects.filter(run=run).count() for run in runs)
    seen = {(row["run"], row["node"]) for row in settled}
    lost = sum(
        1
        for run_id, node in NodeRun.objects.filter(run__in=runs).values_list("run", "node_id")
        if (run_id, node) not in seen
    )
    ended = set(
        RunEvent.objects.filter(
            run__in=runs, type__in=("run.finished", "run.failed", "run.cancelled")
        ).values_list("run", flat=True)
    )
    lost += runs.filter(status__in=FINISHED_STATUSES).exclude(pk__in=ended).count()
    return {
        "runs": len(run_ids),
        "succeeded": runs.filter(status="succeeded").count(),
        "duplicate_node_executions": duplicates,
        "seq_gaps": gaps,
        "lost_events": lost,
    }


def duplicate_settles(run_ids: list[Any]) -> list[str]:
    """ "run node: seq type, seq type" for each node that settled more than once."""
    rows = RunEvent.objects.filter(run__in=run_ids, type__in=SETTLED).order_by("run", "node", "seq")
    found: dict[tuple[Any, str], list[str]] = {}
    for event in rows:
        found.setdefault((event.run_id, event.node), []).append(f"{event.seq} {event.type}")
    return [
        f"{run} {node}: {', '.join(seen)}" for (run, node), seen in found.items() if len(seen) > 1
    ]


def chaos(
    *, runs: int = 50, kill_every_s: float = 4.0, delay: float = 0.3, timeout_s: float = 900
) -> dict[str, Any]:
    if connection.vendor != "postgresql":
        raise RuntimeError(
            "chaos runs on PostgreSQL: set DATABASE_URL=postgres://… (and migrate it) first."
        )
    redis = Redis()
    redis.start()
    use_redis(redis.url)
    workers = Workers(2, worker_env(redis.url), settings.DATA_DIR / "chaos-workers.log")
    owner = get_user_model().objects.create_user(f"chaos-{uuid.uuid4().hex[:10]}")
    started = time.monotonic()
    figures: dict[str, Any] = {}
    try:
        for index in range(2):
            workers.start(index)
        run_ids = start_runs(owner, runs, delay)
        done = faults(workers, redis, run_ids, kill_every_s, started + timeout_s)
        close_old_connections()
        figures = {**verdict(run_ids), **done, "wall_s": round(time.monotonic() - started, 1)}
        failed = (
            Run.objects.filter(pk__in=run_ids)
            .exclude(status="succeeded")
            .values_list("status", "error")
        )
        figures["not_succeeded"] = [f"{status}: {error[:160]}" for status, error in failed[:5]]
        figures["duplicates"] = duplicate_settles(run_ids)[:5]
        clean = figures["succeeded"] == runs and not (
            figures["duplicate_node_executions"] or figures["seq_gaps"] or figures["lost_events"]
        )
        if not clean:
            figures["kept_for_inspection"] = owner.username
        return figures
    finally:
        workers.stop_all()
        redis.stop()
        close_old_connections()
        if not figures.get("kept_for_inspection"):
            owner.delete()
