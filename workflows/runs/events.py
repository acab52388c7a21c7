"""The one module that shapes, persists and publishes run events.

Every event gets a gap-free per-run `seq` (assigned in the same transaction that stores it)
and is published on the channel layer only after that transaction commits.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from axweb.broadcast import broadcast_on_commit
from workflows.models import FINISHED_STATUSES as FINISHED
from workflows.models import NodeRun, Run, RunEvent
from workflows.runs.signals import run_settled_send

EVENT_TYPES = (
    "run.started",
    "run.finished",
    "run.failed",
    "run.cancelled",
    "run.paused",
    "run.resumed",
    "node.started",
    "node.token",
    "node.tool_call",
    "node.tool_result",
    "node.finished",
    "node.failed",
    "node.retrying",
    "node.skipped",
    "approval.requested",
    "approval.resolved",
    "memory.written",
    "message.posted",
    "budget.exceeded",
)
RUN_STATUS_EVENTS = {
    "run.started",
    "run.finished",
    "run.failed",
    "run.cancelled",
    "run.paused",
    "run.resumed",
}

Pending = tuple[str, str | None, dict[str, Any]]  # (type, node, data)
Stamped = tuple[str, str | None, dict[str, Any], datetime]  # ... and when it happened


def run_group(run_id: UUID | str) -> str:
    return f"run.{run_id}"


def user_runs_group(user_id: int) -> str:
    return f"user-runs.{user_id}"


# A node.finished event stored with this key instead of "output": the output is the node
# run's, committed in the same transaction (a root node settles once per run), so it is
# kept once; readers get the event back whole.
OUTPUT_ON_NODE_RUN = "output_on_node_run"


def event_envelope(event: RunEvent, data: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "run": str(event.run_id),
        "seq": event.seq,
        "type": event.type,
        "node": event.node or None,
        "ts": event.ts.isoformat().replace("+00:00", "Z"),
        "data": event.data if data is None else data,
    }


def _stored(
    type: str,
    node: str | None,
    raw: dict[str, Any],
    data: dict[str, Any],
    node_outputs: Mapping[str, Any],
) -> dict[str, Any]:
    """What the row keeps of `data` (`raw` made JSON-safe): a node.finished output that its
    node run holds is left out."""
    if (
        type != "node.finished"
        or node is None
        or node not in node_outputs
        or raw.get("output") != node_outputs[node]
    ):
        return data
    return {OUTPUT_ON_NODE_RUN: True, **{k: v for k, v in data.items() if k != "output"}}


def _output_on_node_run(row: RunEvent) -> bool:
    return row.type == "node.finished" and bool(row.data.get(OUTPUT_ON_NODE_RUN))


def _envelopes(run_id: UUID | str, rows: Sequence[RunEvent]) -> list[dict[str, Any]]:
    """Stored events as clients see them: outputs kept on node runs are put back."""
    refs = {row.node for row in rows if _output_on_node_run(row)}
    outputs = (
        dict(
            NodeRun.objects.filter(run_id=run_id, node_id__in=refs).values_list(
                "node_id", "outputs"
            )
        )
        if refs
        else {}
    )
    return [
        event_envelope(
            row,
            {
                "output": outputs.get(row.node, {}),
                **{k: v for k, v in row.data.items() if k != OUTPUT_ON_NODE_RUN},
            },
        )
        if _output_on_node_run(row)
        else event_envelope(row)
        for row in rows
    ]


def _json_safe(data: dict[str, Any]) -> dict[str, Any]:
    """Round-trip through Django's encoder so values a JSON column cannot hold become strings."""
    import json

    safe: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder, default=str))
    return safe


class LeaseLost(Exception):  # noqa: N818 - reads as a sentence
    """Another worker took the run's lease over: this one must stop and write nothing more."""


def events_append(
    run_id: UUID | str,
    items: Sequence[Pending | Stamped],
    *,
    publish: bool = True,
    node_outputs: Mapping[str, Any] | None = None,
    lease_epoch: int | None = None,
) -> list[dict[str, Any]]:
    """Persist `items` as the next events of the run; publish them after commit, unless
    `publish` is False: then the caller publishes the returned envelopes once committed
    (`events_message`), in order (the run context does, off the node's commit path).
    `node_outputs`: outputs of node runs saved in the same transaction (node id → outputs);
    their node.finished events do not store them a second time.

    `lease_epoch`: commit only while the run's lease is still that one (else LeaseLost).

    Call inside a transaction to commit the events together with other rows."""
    if not items:
        if lease_epoch is not None:
            _reserve_seqs(run_id, 0, lease_epoch)
        return []
    now = timezone.now()
    stamped = [item if len(item) == 4 else (*item, now) for item in items]
    with transaction.atomic(
        savepoint=False
    ):  # nested in a caller's transaction: no savepoint round trips
        first = _reserve_seqs(run_id, len(items), lease_epoch)
        datas = [_json_safe(data) for (_, _, data, _) in stamped]
        rows = [
            RunEvent(
                run_id=run_id,
                seq=first + i,
                type=t,
                node=node or "",
                ts=ts,
                data=_stored(t, node, raw, data, node_outputs or {}),
            )
            for i, ((t, node, raw, ts), data) in enumerate(zip(stamped, datas, strict=True))
        ]
        RunEvent.objects.bulk_create(rows)
        envelopes = [event_envelope(row, data) for row, data in zip(rows, datas, strict=True)]
        if publish:
            broadcast_on_commit(run_group(run_id), events_message(envelopes))
    return envelopes


def events_message(envelopes: list[dict[str, Any]]) -> dict[str, Any]:
    """The channel-layer message that carries committed events to the run's group."""
    return {"type": "run.events", "events": envelopes}


def _reserve_seqs(run_id: UUID | str, count: int, lease_epoch: int | None = None) -> int:
    """Advance the run's last_seq by `count` (row-locked until commit); return the first new seq.
    With `lease_epoch`, the same UPDATE is the fence: no row means the lease moved on."""
    table, pk = Run._meta.db_table, Run._meta.pk
    sql = f"UPDATE {table} SET last_seq = last_seq + %s WHERE {pk.column} = %s"
    params: list[Any] = [count, pk.get_db_prep_value(UUID(str(run_id)), connection)]
    if lease_epoch is not None:
        sql += " AND lease_epoch = %s"
        params.append(lease_epoch)
    with connection.cursor() as cursor:
        cursor.execute(sql + " RETURNING last_seq", params)
        row = cursor.fetchone()
    if row is None:
        raise LeaseLost(
            f"run {run_id}: the lease (epoch {lease_epoch}) was taken over by another worker"
        )
    return int(row[0]) - count + 1


def events_after(run_id: UUID | str, since: int, limit: int | None = None) -> list[dict[str, Any]]:
    queryset = RunEvent.objects.filter(run_id=run_id, seq__gt=since).order_by("seq")
    if limit is not None:
        queryset = queryset[:limit]
    return _envelopes(run_id, list(queryset))


def events_iter(
    run_id: UUID | str, since: int = 0, until: int | None = None, page: int = 1000
) -> Iterator[dict[str, Any]]:
    """The run's events after `since` (up to `until`), read `page` rows at a time by seq:
    memory stays bounded however long the trace, and no cursor is held between pages."""
    while True:
        rows = RunEvent.objects.filter(run_id=run_id, seq__gt=since).order_by("seq")
        if until is not None:
            rows = rows.filter(seq__lte=until)
        batch = list(rows[:page])
        yield from _envelopes(run_id, batch)
        if len(batch) < page:
            return
        since = batch[-1].seq


def events_between(run_id: UUID | str, first: int, last: int) -> list[dict[str, Any]]:
    rows = RunEvent.objects.filter(run_id=run_id, seq__gte=first, seq__lte=last).order_by("seq")
    return _envelopes(run_id, list(rows))


def run_list_item(run: Run) -> dict[str, Any]:
    return {
        "id": str(run.id),
        "workflow": run.workflow_id,
        "workflow_name": run.workflow.name,
        "version": run.version.number,
        "draft": run.version.draft,
        "status": run.status,
        "created_at": run.created_at.isoformat() if run.created_at else None,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "usage": run.usage,
        "error": run.error,
    }


def run_broadcast_status(run: Run) -> None:
    """Tell the owner's run lists that this run changed status (after commit)."""
    broadcast_on_commit(
        user_runs_group(run.owner_id), {"type": "run.changed", "run": run_list_item(run)}
    )
    if run.status in FINISHED:
        run_id = run.id
        transaction.on_commit(lambda: run_settled_send(run_id))
