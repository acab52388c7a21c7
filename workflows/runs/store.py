"""Synchronous database operations of a running workflow (called from the run context)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from agents.memory.blackboard import merge
from workflows.engine import NodeRecord, Usage
from workflows.models import AgentMessage, Approval, MemoryEntry, NodeRun, Run
from workflows.runs import events as ev

RECORD_EXTRAS = ("duration_ms", "skip_reason", "fail_origin")  # what the columns do not hold
UPSERT_FIELDS = (
    "attempt",
    "status",
    "outputs",
    "error",
    "usage",
    "started_at",
    "finished_at",
    "record",
)


def utc(ts: float | None) -> datetime | None:
    return datetime.fromtimestamp(ts, tz=UTC) if ts else None


def node_record_save(run_id: UUID, record: NodeRecord) -> None:
    """Store a settled node once: outputs in their column, the rest of the record beside them.
    Inputs are not stored: they are the outputs of the upstream nodes."""
    rest = {k: v for k, v in record.as_dict().items() if k in RECORD_EXTRAS and v is not None}
    row = NodeRun(
        run_id=run_id,
        node_id=record.node_id,
        attempt=record.attempt,
        status=record.status,
        outputs=record.outputs,
        error=record.error or "",
        usage=record.usage.as_dict(),
        started_at=utc(record.started_at),
        finished_at=utc(record.finished_at),
        record=rest,
    )
    NodeRun.objects.bulk_create(
        [row],
        update_conflicts=True,
        unique_fields=["run", "node_id"],
        update_fields=[*UPSERT_FIELDS],
    )


def events_and_record_commit(
    run_id: UUID,
    events: list[Any],
    record: NodeRecord | None,
    lease_epoch: int | None = None,
    then: Callable[[], object] | None = None,
) -> list[dict[str, Any]]:
    """Commit `events` and `record` in one transaction; return the events' envelopes, which
    the caller publishes (they are not published here). With `lease_epoch` the transaction
    commits only while the run's lease is still that one (ev.LeaseLost otherwise). `then`:
    more writes of the same transaction, after the fence (the run's final status)."""
    with transaction.atomic():
        outputs = {record.node_id: record.outputs} if record is not None else None
        envelopes = ev.events_append(
            run_id, events, publish=False, node_outputs=outputs, lease_epoch=lease_epoch
        )
        if record is not None:
            node_record_save(run_id, record)
        if then is not None:
            then()
    return envelopes


def _record(row: NodeRun) -> NodeRecord:
    return NodeRecord(
        node_id=row.node_id,
        status=row.status,  # type: ignore[arg-type]
        outputs=row.outputs,
        error=row.error or None,
        attempt=row.attempt,
        usage=Usage(**row.usage),
        started_at=row.started_at.timestamp() if row.started_at else None,
        finished_at=row.finished_at.timestamp() if row.finished_at else None,
        **row.record,
    )


def node_records(run_id: UUID) -> dict[str, NodeRecord]:
    """The committed records of a run, as the engine resumes from them."""
    return {row.node_id: _record(row) for row in NodeRun.objects.filter(run_id=run_id)}


def scope_key(run: Run, scope: str) -> str:
    """Where a scope's keys live: the chat session (the run itself outside a chat), or the
    owner and workflow."""
    if scope == MemoryEntry.Scope.SESSION:
        return str(run.session or run.id)
    if scope == MemoryEntry.Scope.USER:
        return f"{run.owner_id}:{run.workflow_id}"
    raise ValueError(f"unknown memory scope {scope!r}")


def _entries(run_id: UUID, scope: str, where: str) -> Any:
    if scope == MemoryEntry.Scope.RUN:
        return MemoryEntry.objects.filter(run_id=run_id)
    return MemoryEntry.objects.filter(run__isnull=True, scope=scope, scope_key=where)


def memory_read(run_id: UUID, key: str, scope: str = "run", where: str = "") -> Any:
    entry = _entries(run_id, scope, where).filter(key=key).first()
    return entry.value if entry else None


def memory_write(
    run_id: UUID, key: str, value: Any, policy: str, scope: str = "run", where: str = ""
) -> Any:
    with transaction.atomic():
        if scope == MemoryEntry.Scope.RUN:
            entry, _ = MemoryEntry.objects.select_for_update().get_or_create(run_id=run_id, key=key)
        else:
            entry, _ = MemoryEntry.objects.select_for_update().get_or_create(
                run=None, scope=scope, scope_key=where, key=key
            )
        entry.value = merge(policy, entry.value, value)
        entry.save(update_fields=["value", "updated_at"])
    return entry.value


def message_post(run_id: UUID, channel: str, sender: str, text: str) -> None:
    AgentMessage.objects.create(run_id=run_id, channel=channel, sender=sender, text=text)


def messages_read(run_id: UUID, channel: str) -> list[dict[str, Any]]:
    rows = AgentMessage.objects.filter(run_id=run_id, channel=channel).order_by("id")
    return [{"channel": m.channel, "sender": m.sender, "text": m.text} for m in rows]


def approval_get_or_create(
    run_id: UUID, node_id: str, prompt: str, payload: Any, deadline_s: float | None = None
) -> tuple[Approval, bool]:
    """The node's approval (created on first request, with its deadline) with `decided_by`
    loaded."""
    deadline = timezone.now() + timedelta(seconds=deadline_s) if deadline_s else None
    approval, created = Approval.objects.select_related("decided_by").get_or_create(
        run_id=run_id,
        node_id=node_id,
        defaults={"prompt": prompt, "payload": payload, "deadline": deadline},
    )
    return approval, created


def cancel_requested(run_id: UUID) -> bool:
    return bool(Run.objects.filter(pk=run_id).values_list("cancel_requested", flat=True).first())
