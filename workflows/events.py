"""The one module that shapes, persists and publishes run events.

Every event gets a gap-free per-run `seq` (assigned in the same transaction that stores it)
and is published on the channel layer only after that transaction commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from axweb.broadcast import broadcast_on_commit
from workflows.models import Run, RunEvent

EVENT_TYPES = (
    "run.started", "run.finished", "run.failed", "run.cancelled", "run.paused", "run.resumed",
    "node.started", "node.token", "node.tool_call", "node.tool_result", "node.finished",
    "node.failed", "node.retrying", "node.skipped", "approval.requested", "approval.resolved",
    "memory.written", "message.posted", "budget.exceeded",
)
RUN_STATUS_EVENTS = {"run.started", "run.finished", "run.failed", "run.cancelled", "run.paused", "run.resumed"}

Pending = tuple[str, str | None, dict[str, Any]]


def run_group(run_id: UUID | str) -> str:
    return f"run.{run_id}"


def user_runs_group(user_id: int) -> str:
    return f"user-runs.{user_id}"


def event_envelope(event: RunEvent) -> dict[str, Any]:
    return {"run": str(event.run_id), "seq": event.seq, "type": event.type, "node": event.node or None,
            "ts": event.ts.isoformat().replace("+00:00", "Z"), "data": event.data}


def _json_safe(data: dict[str, Any]) -> dict[str, Any]:
    """Round-trip through Django's encoder so values a JSON column cannot hold become strings."""
    import json

    return json.loads(json.dumps(data, cls=DjangoJSONEncoder, default=str))


def events_append(run_id: UUID | str, items: Sequence[Pending]) -> list[dict[str, Any]]:
    """Persist `items` as the next events of the run; publish them after commit."""
    if not items:
        return []
    now = timezone.now()
    with transaction.atomic():
        Run.objects.filter(pk=run_id).update(last_seq=F("last_seq") + len(items))
        last = Run.objects.filter(pk=run_id).values_list("last_seq", flat=True).get()
        first = last - len(items) + 1
        rows = [RunEvent(run_id=run_id, seq=first + i, type=t, node=node or "", ts=now, data=_json_safe(data))
                for i, (t, node, data) in enumerate(items)]
        RunEvent.objects.bulk_create(rows)
        envelopes = [event_envelope(row) for row in rows]
        broadcast_on_commit(run_group(run_id), {"type": "run.events", "events": envelopes})
    return envelopes


def events_after(run_id: UUID | str, since: int, limit: int | None = None) -> list[dict[str, Any]]:
    queryset = RunEvent.objects.filter(run_id=run_id, seq__gt=since).order_by("seq")
    if limit is not None:
        queryset = queryset[:limit]
    return [event_envelope(event) for event in queryset]


def events_between(run_id: UUID | str, first: int, last: int) -> list[dict[str, Any]]:
    rows = RunEvent.objects.filter(run_id=run_id, seq__gte=first, seq__lte=last).order_by("seq")
    return [event_envelope(event) for event in rows]


def run_list_item(run: Run) -> dict[str, Any]:
    return {"id": str(run.id), "workflow": run.workflow_id, "workflow_name": run.workflow.name,
            "version": run.version.number, "status": run.status,
            "created_at": run.created_at.isoformat() if run.created_at else None,
            "started_at": run.started_at.isoformat() if run.started_at else None,
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
            "usage": run.usage, "error": run.error}


def run_broadcast_status(run: Run) -> None:
    """Tell the owner's run lists that this run changed status (after commit)."""
    broadcast_on_commit(user_runs_group(run.owner_id), {"type": "run.changed", "run": run_list_item(run)})

