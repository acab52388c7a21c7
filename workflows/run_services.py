"""Runs: start, execute under a lease, pause for approvals, cancel, re-run, resume orphans."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any
from uuid import UUID

from asgiref.sync import sync_to_async
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.exceptions import NotFound, ValidationError

from axweb.numbers import is_number
from axweb.ownership import owned
from workflows import approvals, otel, run_store
from workflows import events as ev
from workflows.engine import Budgets, RunResult, execute
from workflows.models import FINISHED_STATUSES, Approval, NodeRun, Run, RunStatus, Workflow, WorkflowVersion
from workflows.run_context import DjangoRunContext

log = logging.getLogger(__name__)
LEASE_S = 15.0
HEARTBEAT_S = 4.0
BUDGET_FIELDS = {"max_steps", "max_tokens", "max_cost", "max_wall_s", "max_repeated_tool_calls"}


def _enqueue(run_id: UUID) -> None:
    from workflows.tasks import execute_run

    execute_run.apply_async(args=[str(run_id)], queue="runs")


def enqueue_on_commit(run_id: UUID) -> None:
    transaction.on_commit(lambda: _enqueue(run_id))


# -- starting ----------------------------------------------------------------------------

def _pick_version(workflow: Workflow, number: int | None) -> WorkflowVersion:
    versions = workflow.versions.order_by("-number")
    version = versions.filter(number=number).first() if number else versions.first()
    if version is None:
        field = "version" if number else "workflow"
        message = (f"Version {number} does not exist." if number
                   else "Save a version of this workflow before running it.")
        raise ValidationError({field: [message]})
    return version


def _check_inputs(graph: dict[str, Any], inputs: dict[str, Any]) -> None:
    missing = {}
    for node in graph.get("nodes", []):
        config = node.get("config") or {}
        name = config.get("name", "input")
        if node.get("kind") == "input" and config.get("required") and inputs.get(name) in (None, ""):
            missing[f"inputs.{name}"] = [f"The input '{name}' is required."]
    if missing:
        raise ValidationError(missing)


def _check_budgets(budgets: dict[str, Any]) -> dict[str, Any]:
    unknown = set(budgets) - BUDGET_FIELDS
    if unknown:
        raise ValidationError({"budgets": [f"Unknown budget(s): {', '.join(sorted(unknown))}; "
                                           f"use {', '.join(sorted(BUDGET_FIELDS))}."]})
    for key, value in budgets.items():
        whole = key not in ("max_cost", "max_wall_s")
        if value is not None and (not is_number(value, whole=whole) or value <= 0):
            what = "a positive whole number" if whole else "a positive number"
            raise ValidationError({f"budgets.{key}": [f"Must be {what} or null (no limit)."]})
    return budgets


def workflow_runnable(*, user: Any, workflow_id: int) -> Workflow:
    """The workflow `user` may run, or a field error saying it is not there for them."""
    workflow: Workflow | None = owned(Workflow.objects.all(), user).filter(pk=workflow_id).first()
    if workflow is None:
        raise ValidationError({"workflow": [f"Workflow {workflow_id} does not exist or is not yours."]})
    return workflow


def run_start(*, owner: Any, workflow: Workflow, version: int | None = None, inputs: dict[str, Any],
              budgets: dict[str, Any] | None = None) -> Run:
    picked = _pick_version(workflow, version)
    _check_inputs(picked.graph, inputs)
    with transaction.atomic():
        run = Run.objects.create(owner=owner, workflow=workflow, version=picked, inputs=inputs,
                                 budgets=_check_budgets(budgets or {}))
        ev.run_broadcast_status(run)
        enqueue_on_commit(run.id)
    return run


# -- leases --------------------------------------------------------------------------------

def lease_acquire(run_id: UUID | str, worker: str) -> bool:
    now = timezone.now()
    free = Q(lease_owner="") | Q(lease_expires_at__lt=now) | Q(lease_owner=worker)
    with transaction.atomic():
        run = Run.objects.select_for_update().filter(free, pk=run_id,
                                                     status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).first()
        if run is None:
            return False
        run.lease_owner, run.lease_expires_at = worker, now + timedelta(seconds=LEASE_S)
        run.status = RunStatus.RUNNING
        run.started_at = run.started_at or now
        run.save(update_fields=["lease_owner", "lease_expires_at", "status", "started_at"])
        ev.run_broadcast_status(run)
    return True


def lease_renew(run_id: UUID | str, worker: str) -> bool:
    expires = timezone.now() + timedelta(seconds=LEASE_S)
    return Run.objects.filter(pk=run_id, lease_owner=worker).update(lease_expires_at=expires) == 1


async def _heartbeat(run_id: UUID, worker: str, main: asyncio.Task[Any]) -> None:
    while True:
        await asyncio.sleep(HEARTBEAT_S)
        if not await sync_to_async(lease_renew)(run_id, worker):
            log.warning("run %s: lease lost to another worker; stopping here", run_id)
            main.cancel()
            return


# -- executing -------------------------------------------------------------------------------

def _load(run_id: UUID | str) -> tuple[Run, dict[str, Any]]:
    run = Run.objects.select_related("version", "workflow").get(pk=run_id)
    return run, run_store.node_records(run.id)


async def run_execute(run_id: UUID | str, worker: str) -> str | None:
    """Execute (or resume) a run if this worker gets its lease; return the final status."""
    if not await sync_to_async(lease_acquire)(run_id, worker):
        return None
    run, completed = await sync_to_async(_load)(run_id)
    ctx = DjangoRunContext(run)
    main = asyncio.current_task()
    assert main is not None
    heartbeat = asyncio.create_task(_heartbeat(run.id, worker, main))
    try:
        result = await execute(run.version.graph, ctx, run.inputs, completed=completed,
                               budgets=Budgets(**run.budgets))
    except Exception as exc:  # a bug must fail the run once, not crash-loop through the reaper
        log.exception("run %s crashed", run.id)
        result = RunResult("failed", error=f"Internal error: {type(exc).__name__}: {exc}")
        await ctx.emit("run.failed", None, {"error": result.error})
    finally:
        heartbeat.cancel()
        await ctx.close()
    await sync_to_async(run_finalize)(run.id, worker, result)
    return result.status


def run_finalize(run_id: UUID, worker: str, result: RunResult) -> None:
    with transaction.atomic():
        run = Run.objects.select_for_update().select_related("workflow", "version").get(pk=run_id)
        if run.lease_owner != worker:
            return
        run.status = result.status
        run.outputs, run.error = result.outputs, result.error or ""
        run.usage = result.usage.as_dict()
        run.lease_owner, run.lease_expires_at = "", None
        if run.status in FINISHED_STATUSES:
            run.finished_at = timezone.now()
        run.save()
        ev.run_broadcast_status(run)
        if run.status in FINISHED_STATUSES:
            transaction.on_commit(lambda: otel.otlp_push_finished(run.id))
        if result.status == "paused" and _decided_while_running(run):
            _requeue(run)


def _decided_while_running(run: Run) -> bool:
    approvals = Approval.objects.filter(run=run)
    return approvals.exists() and not approvals.filter(status=Approval.Status.PENDING).exists()


def _requeue(run: Run) -> None:
    run.status = RunStatus.QUEUED
    run.save(update_fields=["status"])
    ev.run_broadcast_status(run)
    enqueue_on_commit(run.id)


# -- people and operators ----------------------------------------------------------------------

def run_cancel(*, run: Run) -> Run:
    with transaction.atomic():
        run = Run.objects.select_for_update().select_related("workflow", "version").get(pk=run.pk)
        if run.status in FINISHED_STATUSES:
            raise ValidationError({"status": [f"The run already {run.status}; nothing to cancel."]})
        run.cancel_requested = True
        if run.status in (RunStatus.QUEUED, RunStatus.PAUSED) and not run.lease_owner:
            run.status, run.finished_at = RunStatus.CANCELLED, timezone.now()
            ev.events_append(run.id, [("run.cancelled", None, {"reason": "Cancelled before it ran again."})])
        run.save()
        ev.run_broadcast_status(run)
    return run


def approval_decide(*, approval: Approval, decision: str, comment: str, user: Any) -> Approval:
    too_late = approvals.approval_expire_on_decision(approval)
    if too_late:
        raise ValidationError({"decision": [too_late]})
    with transaction.atomic():
        approval = Approval.objects.select_for_update().select_related("run").get(pk=approval.pk)
        if approval.status != Approval.Status.PENDING:
            raise ValidationError({"decision": [f"This approval was already {approval.status}."]})
        approval.status = Approval.Status.APPROVED if decision == "approve" else Approval.Status.REJECTED
        approval.comment, approval.decided_by, approval.decided_at = comment, user, timezone.now()
        approval.save()
        ev.events_append(approval.run_id, [("approval.resolved", approval.node_id, {
            "approval_id": str(approval.id), "decision": decision, "comment": comment, "by": user.username})])
        run = Run.objects.select_for_update().select_related("workflow", "version").get(pk=approval.run_id)
        if run.status == RunStatus.PAUSED and not run.lease_owner:
            _requeue(run)
    return approval


def _ancestors(graph: dict[str, Any], node_id: str) -> set[str]:
    parents: dict[str, set[str]] = {}
    for edge in graph.get("edges", []):
        parents.setdefault(edge["target"], set()).add(edge["source"])
    seen: set[str] = set()
    stack = list(parents.get(node_id, ()))
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(parents.get(current, ()))
    return seen


def run_rerun(*, run: Run, from_node: str, owner: Any) -> Run:
    """A new run of the same version that reuses the committed outputs upstream of `from_node`."""
    node_ids = {node["id"] for node in run.version.graph.get("nodes", [])}
    if from_node not in node_ids:
        raise ValidationError({"from_node": [f"The workflow has no node '{from_node}'."]})
    upstream = _ancestors(run.version.graph, from_node)
    reused = NodeRun.objects.filter(run=run, node_id__in=upstream, status__in=["succeeded", "skipped"])
    with transaction.atomic():
        new = Run.objects.create(owner=owner, workflow=run.workflow, version=run.version, inputs=run.inputs,
                                 budgets=run.budgets, rerun_of=run, rerun_from_node=from_node)
        NodeRun.objects.bulk_create([NodeRun(run=new, node_id=n.node_id, attempt=n.attempt, status=n.status,
                                             inputs=n.inputs, outputs=n.outputs, usage=n.usage,
                                             started_at=n.started_at, finished_at=n.finished_at, record=n.record)
                                     for n in reused])
        ev.run_broadcast_status(new)
        enqueue_on_commit(new.id)
    return new


def run_reap_orphans(*, queued_grace_s: float = 30.0) -> list[UUID]:
    """Re-enqueue runs whose worker died (expired lease) or whose message was lost."""
    now = timezone.now()
    expired = Q(status=RunStatus.RUNNING, lease_expires_at__lt=now)
    stale = Q(status=RunStatus.QUEUED, lease_owner="", created_at__lt=now - timedelta(seconds=queued_grace_s))
    ids = list(Run.objects.filter(expired | stale, parent__isnull=True).values_list("id", flat=True))
    for run_id in ids:
        _enqueue(run_id)
    return ids


# -- subflows ---------------------------------------------------------------------------------------

def _subflow_prepare(parent: Run, node_id: str, workflow_ref: str, inputs: dict[str, Any]) -> Run:
    workflows = Workflow.objects.filter(owner_id=parent.owner_id)
    ref = str(workflow_ref)
    workflow = workflows.filter(Q(slug=ref) | Q(pk=int(ref)) if ref.isdigit() else Q(slug=ref)).first()
    if workflow is None:
        raise NotFound(f"No workflow '{workflow_ref}' for this subflow node.")
    existing = Run.objects.filter(parent=parent, parent_node=node_id).select_related("version", "workflow").first()
    if existing is not None:
        return existing
    return Run.objects.create(owner_id=parent.owner_id, workflow=workflow, version=_pick_version(workflow, None),
                              inputs=inputs, budgets=parent.budgets, parent=parent, parent_node=node_id,
                              status=RunStatus.RUNNING, started_at=timezone.now())


async def subflow_run(*, parent: Run, node_id: str, workflow_ref: str, inputs: dict[str, Any]) -> dict[str, Any]:
    child = await sync_to_async(_subflow_prepare)(parent, node_id, workflow_ref, inputs)
    if child.status == RunStatus.SUCCEEDED:
        return dict(child.outputs)
    ctx = DjangoRunContext(child)
    completed = await sync_to_async(run_store.node_records)(child.id)
    result = await execute(child.version.graph, ctx, inputs, completed=completed, budgets=Budgets(**child.budgets))
    await ctx.close()
    await sync_to_async(_subflow_finish)(child.id, result)
    if result.status != "succeeded":
        raise RuntimeError(f"Subflow '{workflow_ref}' {result.status}: {result.error or 'see its run'}")
    return dict(result.outputs)


def _subflow_finish(run_id: UUID, result: RunResult) -> None:
    Run.objects.filter(pk=run_id).update(status=result.status, outputs=result.outputs, error=result.error or "",
                                         usage=result.usage.as_dict(), finished_at=timezone.now())
