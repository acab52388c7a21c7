"""Reading runs: snapshots, traces and exports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from uuid import UUID

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError

from axweb.ownership import owned
from workflows.models import NodeRun, Run, Workflow, WorkflowVersion
from workflows.runs import events as ev
from workflows.runs.snapshot import snapshot_apply, snapshot_empty

PAGE = 1000  # events or node runs read per query by snapshots and exports


def runs_visible(user: Any) -> QuerySet[Run]:
    return owned(Run.objects.select_related("workflow", "version", "owner"), user)


def run_snapshot(run_id: UUID | str, at: int | None = None) -> dict[str, Any]:
    """The run's state after its events up to `at` (all when None), applied a page at a time."""
    state, page = snapshot_empty(), []
    for event in ev.events_iter(run_id, 0, at, page=PAGE):
        page.append(event)
        if len(page) == PAGE:
            state, page = snapshot_apply(state, page), []
    return snapshot_apply(state, page)


def _node_item(n: NodeRun) -> dict[str, Any]:
    return {
        "node_id": n.node_id,
        "status": n.status,
        "attempt": n.attempt,
        "inputs": n.inputs,
        "outputs": n.outputs,
        "error": n.error,
        "usage": n.usage,
        "started_at": n.started_at.isoformat() if n.started_at else None,
        "finished_at": n.finished_at.isoformat() if n.finished_at else None,
    }


def _json(value: Any) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder)


def run_export_chunks(run: Run) -> Iterator[str]:
    """The full trace as JSON text in pieces (for a streaming response): node runs and events
    are read in batches, never all at once. Joined, it is one `axweb_trace` object."""
    head = {
        "axweb_trace": 1,
        "run": ev.run_list_item(run) | {"inputs": run.inputs, "outputs": run.outputs},
        "workflow": {
            "id": run.workflow_id,
            "name": run.workflow.name,
            "version": run.version.number,
            "graph": run.version.graph,
        },
    }
    yield _json(head)[:-1] + ', "nodes": ['
    nodes = NodeRun.objects.filter(run=run).order_by("started_at", "id").iterator(chunk_size=PAGE)
    for i, node in enumerate(nodes):
        yield ("," if i else "") + _json(_node_item(node))
    yield '], "events": ['
    for i, event in enumerate(ev.events_iter(run.id, 0, page=PAGE)):
        yield ("," if i else "") + _json(event)
    yield "]}"


def run_export(run: Run) -> dict[str, Any]:
    """The full trace as one object (tests, small runs); the API streams run_export_chunks."""
    loaded: dict[str, Any] = json.loads("".join(run_export_chunks(run)))
    return loaded


def version_to_run(workflow: Workflow, number: int | None) -> WorkflowVersion:
    """Version `number` of `workflow` (its newest when None), or a field error saying why not."""
    versions = workflow.versions.order_by("-number")
    version = versions.filter(number=number).first() if number else versions.first()
    if version is None:
        field = "version" if number else "workflow"
        message = (
            f"Version {number} does not exist."
            if number
            else "Save a version of this workflow before running it."
        )
        raise ValidationError({field: [message]})
    return version
