"""Scale-out figures, the harness of `python manage.py bench_scale --json` (docs/performance.md).

For each worker count (1, 2, 4 by default) the harness starts that many Celery worker processes
(each running AXWEB_RUNS_PER_WORKER runs at once) on this database and Redis (run it under
`python -m axweb.embedded_redis wrap --` for a Redis of its own, whose counters are its), waits
until every one answers a ping, warms them up, then queues runs of a 10-node chain (input,
8 scripted LLM nodes that each wait 100 ms, output) and times them from their release to the
queue to the last finish. Beside runs/s it reads what the cluster paid per node: the workers'
CPU, the database's transactions (PostgreSQL's counters) and Redis commands (INFO commandstats),
and the machine's CPU; then it checks the stored runs: no node executed twice, no run lost.

Fair on a shared machine: the runs of a round are created before its clock starts and released
to the queue at once (their creation is the web server's work, not the cluster's), and each
worker count's `runs` are split over rounds in the order 1, 2, 4, 4, 2, 1, so a background load
that rises or falls during the benchmark weighs on every worker count alike.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import close_old_connections, connection, transaction
from django.db.models import Count, Max
from django.utils import timezone

from axweb.workers import worker_argv
from workflows.bench_servers import group_cpu_s
from workflows.models import FINISHED_STATUSES, Run, RunEvent
from workflows.runs.chaos import ROOT

LLM_NODES = 8  # + input + output = 10 nodes
WAIT_S = 0.1


def chain_flow(wait_s: float = WAIT_S) -> dict[str, Any]:
    """input → 8 scripted LLM nodes in a row (each waits `wait_s`, then one token) → output."""

    def node(nid: str, kind: str, **config: Any) -> dict[str, Any]:
        return {"id": nid, "kind": kind, "config": config, "position": {"x": 0, "y": 0}}

    llms = [f"m{i}" for i in range(LLM_NODES)]
    nodes = [node("in", "input", name="q", type="any")]
    nodes += [
        node(m, "llm", model=f"scripted:{m}?delay={wait_s}&chunks=1", prompt="{{in}}") for m in llms
    ]
    nodes.append(node("out", "output", name="answer"))
    ids = ["in", *llms, "out"]
    edges = [
        {"id": f"{a}-{b}", "source": a, "source_port": "out", "target": b, "target_port": "in"}
        for a, b in zip(ids, ids[1:], strict=False)
    ]
    return {"schema_version": 1, "nodes": nodes, "edges": edges}


def database_url() -> str:
    """This process's database as a DATABASE_URL, for the workers (the test database in tests)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user, password = db.get("USER") or "postgres", db.get("PASSWORD")
    auth = f"{user}:{password}" if password else user
    return (
        f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    )


class Cluster:
    """`count` worker processes, each its own process group and Celery node name."""

    def __init__(self, count: int, env: dict[str, str], log: Path, runs: int | None) -> None:
        tag = uuid.uuid4().hex[:6]
        self.names = [f"scale{i}-{tag}@{socket.gethostname()}" for i in range(count)]
        self.processes = [
            subprocess.Popen(
                [*worker_argv("runs", runs), "-n", name],
                cwd=ROOT,
                env=env,
                stdout=log.open("ab"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            for name in self.names
        ]

    def wait_ready(self, timeout_s: float = 120) -> None:
        from axweb.celery import app

        deadline = time.monotonic() + timeout_s
        while len(app.control.ping(self.names, timeout=1.0)) < len(self.names):
            if any(p.poll() is not None for p in self.processes):
                raise RuntimeError("a worker exited while starting; see bench-scale-workers.log")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the workers did not answer within {timeout_s} s")

    def cpu_s(self) -> float:
        return sum(group_cpu_s(p.pid) for p in self.processes)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)


def machine_cpu_s() -> float:
    """CPU seconds the whole machine spent busy (all cores), from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def pg_transactions() -> int | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database "
            "WHERE datname = current_database()"
        )
        return int(cursor.fetchone()[0])


def redis_commands(url: str) -> int:
    stats = redis.Redis.from_url(url).info("commandstats")
    return sum(int(value["calls"]) for value in stats.values())


def start_runs(owner: Any, workflow: Any, count: int) -> list[Any]:
    from workflows.runs.services import run_start

    return [run_start(owner=owner, workflow=workflow, inputs={"q": i}).id for i in range(count)]


def release_runs(owner: Any, workflow: Any, count: int) -> tuple[list[Any], Any]:
    """Start `count` runs in one transaction: they reach the queue together when it commits.
    Returns their ids and the time just before that commit (the clock's start)."""
    with transaction.atomic():
        run_ids = start_runs(owner, workflow, count)
        released = timezone.now()
    return run_ids, released


def round_order(worker_counts: tuple[int, ...], rounds: int) -> list[int]:
    """Worker counts in the order their rounds run: forward, then backward, and so on
    (1, 2, 4, 4, 2, 1 for two rounds): a load that drifts during the benchmark is shared out."""
    order: list[int] = []
    for i in range(rounds):
        order += list(worker_counts if i % 2 == 0 else reversed(worker_counts))
    return order


def split(total: int, parts: int) -> list[int]:
    """`total` runs over `parts` rounds, as even as whole runs allow (the first ones larger)."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def wait_finished(run_ids: list[Any], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        close_old_connections()
        if not Run.objects.filter(pk__in=run_ids).exclude(status__in=FINISHED_STATUSES).exists():
            return
        time.sleep(0.25)


def verdict(run_ids: list[Any]) -> dict[str, int]:
    """Node executions beyond one per node (a `node.started` again), and runs not succeeded."""
    started = (
        RunEvent.objects.filter(run__in=run_ids, type="node.started")
        .values("run", "node")
        .annotate(n=Count("id"))
    )
    return {
        "duplicate_node_executions": sum(row["n"] - 1 for row in started if row["n"] > 1),
        "lost_runs": Run.objects.filter(pk__in=run_ids).exclude(status="succeeded").count(),
    }


class Meters:
    """Counters read before and after a phase: wall, workers' CPU, machine CPU, PG, Redis."""

    def __init__(self, cluster: Cluster, redis_url: str) -> None:
        self.cluster, self.redis_url = cluster, redis_url
        self.start = self.read()

    def read(self) -> dict[str, Any]:
        return {
            "wall": time.monotonic(),
            "workers": self.cluster.cpu_s(),
            "machine": machine_cpu_s(),
            "pg": pg_transactions(),
            "redis": redis_commands(self.redis_url),
        }

    def spent(self) -> dict[str, Any]:
        """What each counter advanced by since the start."""
        end, start = self.read(), self.start
        return {k: None if start[k] is None else end[k] - start[k] for k in start if k != "wall"}


def per_node(spent: dict[str, Any], nodes: int) -> dict[str, Any]:
    pg = None if spent["pg"] is None else round(spent["pg"] / nodes, 2)
    return {
        "worker_cpu_ms_per_node": round(spent["workers"] * 1000 / nodes, 2),
        "machine_cpu_ms_per_node": round(spent["machine"] * 1000 / nodes, 2),
        "pg_transactions_per_node": pg,
        "redis_commands_per_node": round(spent["redis"] / nodes, 2),
    }


def phase(
    owner: Any, workflow: Any, env: dict[str, str], workers: int, runs: int, slots: int | None
) -> dict[str, Any]:
    """One round of one worker count: start, ping, warm up, time `runs` runs, measure, stop."""
    cluster = Cluster(workers, env, settings.DATA_DIR / "bench-scale-workers.log", slots)
    try:
        cluster.wait_ready()
        wait_finished(start_runs(owner, workflow, 2 * workers), 120)  # imports, connections
        load_before = os.getloadavg()[0]
        meters = Meters(cluster, env["REDIS_URL"])
        run_ids, released = release_runs(owner, workflow, runs)
        wait_finished(run_ids, 60 + runs * 2)
        load_after = os.getloadavg()[0]
        close_old_connections()
        last = Run.objects.filter(pk__in=run_ids).aggregate(last=Max("finished_at"))["last"]
        time.sleep(1.0)  # PostgreSQL publishes its transaction counters about once a second
        return {
            "workers": workers,
            "runs": runs,
            "wall_s": (last - released).total_seconds() if last else float("inf"),
            "spent": meters.spent(),
            "load": [round(load_before, 2), round(load_after, 2)],
            **verdict(run_ids),
        }
    finally:
        cluster.stop()


def summary(workers: int, rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """A worker count's rounds as one figure: runs over the summed time, counters summed."""
    runs, wall = sum(r["runs"] for r in rounds), sum(r["wall_s"] for r in rounds)
    spent = {
        key: None if rounds[0]["spent"][key] is None else sum(r["spent"][key] for r in rounds)
        for key in rounds[0]["spent"]
    }
    return {
        "workers": workers,
        "runs": runs,
        "wall_s": round(wall, 2),
        "runs_per_s": round(runs / wall, 2),
        **per_node(spent, runs * (LLM_NODES + 2)),
        "load_1m": [r["load"] for r in rounds],  # before and after each round
        "duplicate_node_executions": sum(r["duplicate_node_executions"] for r in rounds),
        "lost_runs": sum(r["lost_runs"] for r in rounds),
    }


def worker_env(redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url,
        "AXWEB_SCRIPTED_MODELS": "1",
        "AXWEB_TORCH_THREADS": "1",
        # a backlog of queued runs must not look like lost messages to the reaper
        "AXWEB_QUEUED_GRACE_S": "600",
        "PYTHONUNBUFFERED": "1",
    }


def bench_scale(
    *,
    runs: int = 500,
    worker_counts: tuple[int, ...] = (1, 2, 4),
    slots: int | None = None,
    rounds: int = 2,
) -> dict[str, Any]:
    """The figures (module docstring); `slots`: runs per worker process (None: the setting);
    `rounds`: how many rounds share each worker count's `runs` (round_order)."""
    owner = get_user_model().objects.create_user(f"bench-scale-{uuid.uuid4().hex[:10]}")
    try:
        from workflows.services import workflow_create

        workflow = workflow_create(owner=owner, name="scale", graph=chain_flow())
        env = worker_env(settings.REDIS_URL)
        rounds = max(1, min(rounds, runs))
        sizes = {n: split(runs, rounds) for n in worker_counts}
        done: dict[int, list[dict[str, Any]]] = {n: [] for n in worker_counts}
        for n in round_order(worker_counts, rounds):
            done[n].append(phase(owner, workflow, env, n, sizes[n][len(done[n])], slots))
        phases = [summary(n, done[n]) for n in worker_counts]
    finally:
        close_old_connections()
        owner.delete()
    base = phases[0]["runs_per_s"]
    return {
        "database": connection.vendor,
        "runs_per_worker": slots or int(settings.AXWEB_RUNS_PER_WORKER),
        "nodes_per_run": LLM_NODES + 2,
        "rounds": rounds,
        "model_wait_ms": int(WAIT_S * 1000),
        "phases": phases,
        "speedup": {str(p["workers"]): round(p["runs_per_s"] / base, 2) for p in phases},
        "duplicate_node_executions": sum(p["duplicate_node_executions"] for p in phases),
        "lost_runs": sum(p["lost_runs"] for p in phases),
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
