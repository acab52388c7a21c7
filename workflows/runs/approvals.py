"""Approval deadlines: an approval nobody decided in time is resolved as expired.

Two places enforce it: the run itself when it reaches the approval again (the worker's run
context), and `approvals_expire_due`, which the workers' reaper calls for paused runs (no
worker holds them) and which re-queues them so they go on along the node's `on_expire`
policy. A decision that arrives after the deadline expires the approval instead and says so.
Re-queueing goes through the `send_run` its caller passes (the services' `enqueue`): the run
context uses this module, and must not import the services.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from workflows.models import Approval, Run, RunStatus
from workflows.runs import events as ev

DECISIONS: dict[str, Literal["approve", "reject", "expire"]] = {
    Approval.Status.APPROVED: "approve",
    Approval.Status.REJECTED: "reject",
    Approval.Status.EXPIRED: "expire",
}


def requested_payload(approval: Approval) -> dict[str, Any]:
    deadline = approval.deadline.isoformat() if approval.deadline else None
    return {
        "approval_id": str(approval.id),
        "prompt": approval.prompt,
        "payload": approval.payload,
        "deadline": deadline,
    }


def expired_payload(approval: Approval) -> dict[str, Any]:
    return {
        "approval_id": str(approval.id),
        "decision": "expired",
        "comment": "",
        "by": None,
        "reason": (
            f"Nobody decided before the deadline ({approval.deadline:%Y-%m-%d %H:%M:%S} UTC)."
        ),
    }


def approval_expire_if_due(approval: Approval) -> bool:
    """Mark `approval` expired when it is pending past its deadline (updates the instance)."""
    now = timezone.now()
    if (
        approval.status != Approval.Status.PENDING
        or approval.deadline is None
        or approval.deadline > now
    ):
        return False
    changed = Approval.objects.filter(pk=approval.pk, status=Approval.Status.PENDING).update(
        status=Approval.Status.EXPIRED, decided_at=now
    )
    approval.refresh_from_db()
    return bool(changed)


SendRun = Callable[[UUID], None]  # sends a run to the `runs` queue now


def _expire_paused(approval: Approval, send_run: SendRun) -> bool:
    """Expire one approval of a paused, unleased run: record why and queue the run again."""
    with transaction.atomic():
        run = Run.objects.select_for_update().get(pk=approval.run_id)
        if (
            run.status != RunStatus.PAUSED
            or run.lease_owner
            or not approval_expire_if_due(approval)
        ):
            return False
        ev.events_append(
            run.id, [("approval.resolved", approval.node_id, expired_payload(approval))]
        )
        run.status = RunStatus.QUEUED
        run.save(update_fields=["status"])
        ev.run_broadcast_status(run)
        run_id = run.id
        transaction.on_commit(lambda: send_run(run_id))
    return True


def approvals_expire_due(send_run: SendRun) -> list[str]:
    """Expire every overdue approval of a paused run; the ids of those expired."""
    due = Approval.objects.filter(
        status=Approval.Status.PENDING, deadline__lte=timezone.now(), run__status=RunStatus.PAUSED
    )
    return [str(a.id) for a in due.select_related("run") if _expire_paused(a, send_run)]


def approval_expire_on_decision(approval: Approval, send_run: SendRun) -> str | None:
    """Why a decision comes too late (the approval is expired now), or None when in time."""
    if approval.deadline is None or approval.deadline > timezone.now():
        return None
    _expire_paused(approval, send_run)
    return (
        f"This approval expired at {approval.deadline:%Y-%m-%d %H:%M:%S} UTC, "
        "before your decision; the run goes on as its approval node's on_expire says."
    )
