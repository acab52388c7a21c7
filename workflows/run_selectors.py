"""Reading runs: snapshots, traces and exports."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from axweb.ownership import owned
from workflows import events as ev
from workflows.models import NodeRun, Run
from workflows.snapshot import snapshot_apply, snapshot_empty


def runs_visible(user: Any) -> QuerySet[Run]:
    return owned(Run.objects.select_related("workflow", "version", "owner"), user)


def run_snapshot(run_id: UUID | str, at: int | None = None) -> dict[str, Any]:
    """The run's state after its events up to `at` (all when None)."""
    events = ev.events_after(run_id, 0)
    if at is not None:
        events = [e for e in events if e["seq"] <= at]
    return snapshot_apply(snapshot_empty(), events)


def run_export(run: Run) -> dict[str, Any]:
    nodes = NodeRun.objects.filter(run=run).order_by("started_at")
    return {
        "axweb_trace": 1,
        "run": ev.run_list_item(run) | {"inputs": run.inputs, "outputs": run.outputs},
        "workflow": {"id": run.workflow_id, "name": run.workflow.name, "version": run.version.number,
                     "graph": run.version.graph},
        "nodes": [{"node_id": n.node_id, "status": n.status, "attempt": n.attempt, "inputs": n.inputs,
                   "outputs": n.outputs, "error": n.error, "usage": n.usage,
                   "started_at": n.started_at.isoformat() if n.started_at else None,
                   "finished_at": n.finished_at.isoformat() if n.finished_at else None} for n in nodes],
        "events": ev.events_after(run.id, 0),
    }
