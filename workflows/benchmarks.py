"""Engine benchmarks on the durable path: `python manage.py bench_engine --json`."""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.auth import get_user_model

from axweb.workers import worker_argv
from workflows.engine import execute
from workflows.engine.bench import REGISTRY, NoopKind, chain_graph, run_benchmark
from workflows.models import (
    AgentMessage,
    MemoryEntry,
    NodeRun,
    Run,
    RunEvent,
    Workflow,
    WorkflowVersion,
)
from workflows.runs.context import DjangoRunContext
from workflows.services import workflow_create

ROOT = Path(__file__).resolve().parent.parent


class TimedContext(DjangoRunContext):
    """Adds up, per node, the time spent storing its events and its committed record."""

    def __init__(self, run: Run) -> None:
        super().__init__(run, lease_epoch=run.lease_epoch)  # fenced, as a worker commits
        self.spent: dict[str, float] = {}

    async def emit(self, type: str, node: str | None, data: dict[str, Any]) -> None:
        started = time.perf_counter()
        await super().emit(type, node, data)
        if node:
            self.spent[node] = self.spent.get(node, 0.0) + time.perf_counter() - started

    async def node_committed(self, node_id: str, record: Any) -> None:
        started = time.perf_counter()
        await super().node_committed(node_id, record)
        self.spent[node_id] = self.spent.get(node_id, 0.0) + time.perf_counter() - started


def _bench_user() -> Any:
    return get_user_model().objects.create_user(f"bench-{uuid.uuid4().hex[:10]}")


def _run_for(owner: Any, graph: dict[str, Any], registry: dict[str, Any] | None = None) -> Run:
    workflow = Workflow.objects.create(
        owner=owner, name="bench", slug=f"bench-{uuid.uuid4().hex[:8]}", draft=graph
    )
    version = WorkflowVersion.objects.create(workflow=workflow, number=1, graph=graph)
    return Run.objects.create(
        owner=owner, workflow=workflow, version=version, status="running", lease_epoch=1
    )


async def _execute(
    graph: dict[str, Any], ctx: DjangoRunContext, inputs: dict[str, Any], **kwargs: Any
) -> Any:
    """Execute like a worker does: the run context is closed (its events published) at the end."""
    try:
        return await execute(graph, ctx, inputs, **kwargs)
    finally:
        await ctx.close()


def commit_ms_per_node(owner: Any, nodes: int = 200) -> float:
    graph = chain_graph(nodes)
    run = _run_for(owner, graph)
    ctx = TimedContext(run)
    result = async_to_sync(_execute)(graph, ctx, {"input": 1}, registry=REGISTRY)
    assert result.status == "succeeded", result.error
    return statistics.median(ctx.spent.values()) * 1000


def memory_chain(steps: int) -> dict[str, Any]:
    nodes = [{"id": "in", "kind": "input", "config": {}}]
    nodes += [
        {"id": f"w{i}", "kind": "memory_write", "config": {"key": "state", "policy": "append"}}
        for i in range(steps)
    ]
    nodes.append({"id": "out", "kind": "output", "config": {}})
    ids = [n["id"] for n in nodes]
    edges = [
        {"id": f"e{i}", "source": a, "source_port": "out", "target": b, "target_port": "in"}
        for i, (a, b) in enumerate(zip(ids, ids[1:], strict=False))
    ]
    return {"schema_version": 1, "nodes": nodes, "edges": edges}


def _json_bytes(values: Any) -> int:
    return sum(len(json.dumps(v, separators=(",", ":"))) for v in values)


def run_stored_bytes(run: Run) -> dict[str, int]:
    """Bytes of the run's JSON payloads in the database (events, node records, memory, messages)."""
    return {
        "events": _json_bytes(RunEvent.objects.filter(run=run).values_list("data", flat=True)),
        "node_runs": _json_bytes(
            row for row in NodeRun.objects.filter(run=run).values_list("outputs", "record")
        ),
        "memory": _json_bytes(MemoryEntry.objects.filter(run=run).values_list("value", flat=True)),
        "messages": _json_bytes(
            AgentMessage.objects.filter(run=run).values_list("text", flat=True)
        ),
    }


class ChunkKind(NoopKind):
    """Adds 1 KB of fresh state: its output is a new 1,024-character string."""

    kind = "chunk"

    async def run(self, ctx: Any, node: Any, inputs: dict[str, Any]) -> dict[str, Any]:
        return {"out": (node.id * 1024)[:1024]}


def checkpoint_bytes(owner: Any, steps: int = 200) -> dict[str, Any]:
    """Two readings of "a run whose state grows by 1 KB a step": each step's committed output
    is 1 KB of new state; and each step appends 1 KB to a blackboard key."""
    graph = chain_graph(steps + 2)
    for item in graph["nodes"][1:-1]:
        item["kind"] = "chunk"
    run = _run_for(owner, graph)
    result = async_to_sync(_execute)(
        graph, DjangoRunContext(run), {"input": 1}, registry={"chunk": ChunkKind}
    )
    assert result.status == "succeeded", result.error
    stored = run_stored_bytes(run)
    logical = sum(
        len(json.dumps(o))
        for o in NodeRun.objects.filter(run=run, node_id__startswith="n").values_list(
            "outputs", flat=True
        )
    )
    memory = memory_checkpoint_bytes(owner, steps)
    return {
        "checkpoint_bytes_200x1kb": sum(stored.values()),
        "logical_state_bytes": logical,
        "checkpoint_ratio": round(sum(stored.values()) / logical, 2),
        "checkpoint_breakdown": stored,
        **memory,
    }


def memory_checkpoint_bytes(owner: Any, steps: int, step_bytes: int = 1024) -> dict[str, Any]:
    graph = memory_chain(steps)
    run = _run_for(owner, graph)
    result = async_to_sync(_execute)(graph, DjangoRunContext(run), {"input": "x" * step_bytes})
    assert result.status == "succeeded", result.error
    stored = run_stored_bytes(run)
    logical = len(json.dumps(MemoryEntry.objects.get(run=run, key="state").value))
    return {
        "blackboard_bytes_200x1kb": sum(stored.values()),
        "blackboard_logical_bytes": logical,
        "blackboard_ratio": round(sum(stored.values()) / logical, 2),
        "blackboard_breakdown": stored,
    }


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        worker_argv("runs", 1, heartbeat=True),
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def resume_seconds(owner: Any) -> float:
    """kill -9 of the worker in the middle of a node → the run continuing on a new worker."""
    from workflows.runs.services import run_start

    slow = {
        "schema_version": 1,
        "nodes": [
            {"id": "in", "kind": "input", "config": {}},
            {
                "id": "slow",
                "kind": "llm",
                "config": {"model": "scripted:slow?delay=30", "prompt": "{{in}}"},
            },
            {"id": "out", "kind": "output", "config": {}},
        ],
        "edges": [
            {
                "id": "a",
                "source": "in",
                "source_port": "out",
                "target": "slow",
                "target_port": "in",
            },
            {
                "id": "b",
                "source": "slow",
                "source_port": "out",
                "target": "out",
                "target_port": "in",
            },
        ],
    }
    env = {**os.environ, "AXWEB_SCRIPTED_MODELS": "1", "AXWEB_REAP_EVERY_S": "1"}
    log = settings.DATA_DIR / "bench-worker.log"
    first = _worker(env, log)
    try:
        workflow = workflow_create(owner=owner, name=f"resume-{uuid.uuid4().hex[:6]}", graph=slow)
        run = run_start(owner=owner, workflow=workflow, inputs={"input": "x"})
        _wait(
            lambda: RunEvent.objects.filter(run=run, type="node.started", node="slow").exists(), 120
        )
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        killed_at = time.time()
        second = _worker(env, log)
        try:
            _wait(lambda: RunEvent.objects.filter(run=run, type="run.resumed").exists(), 120)
            resumed = RunEvent.objects.get(run=run, type="run.resumed").ts.timestamp()
            Run.objects.filter(pk=run.pk).update(cancel_requested=True)
            return resumed - killed_at
        finally:
            os.killpg(second.pid, signal.SIGTERM)
            try:
                second.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a warm shutdown waits for the 30 s model call
                os.killpg(second.pid, signal.SIGKILL)
                second.wait()
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)


def _wait(predicate: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark step did not happen in time")
        time.sleep(0.05)


def bench_engine(*, with_resume: bool = True) -> dict[str, Any]:
    figures: dict[str, Any] = dict(run_benchmark())
    owner = _bench_user()
    try:
        figures["commit_ms_per_node_p50"] = round(commit_ms_per_node(owner), 3)
        figures.update(checkpoint_bytes(owner))
        if with_resume:
            figures["resume_s"] = round(resume_seconds(owner), 2)
    finally:
        owner.delete()
    figures["database"] = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return figures
