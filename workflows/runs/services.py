"""Runs: start, execute under a lease, pause for approvals, cancel, re-run, resume orphans."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any
from uuid import UUID

from asgiref.sync import sync_to_async
from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from axweb.db_retry import retrying
from axweb.ownership import owned
from workflows import limits
from workflows.engine import RunResult, execute
from workflows.models import (
    FINISHED_STATUSES,
    Approval,
    NodeRun,
    Run,
    RunStatus,
    Workflow,
    WorkflowVersion,
)
from workflows.runs import approvals, otel, subflows
from workflows.runs import events as ev
from workflows.runs import store as run_store
from workflows.runs.context import DjangoRunContext
from workflows.runs.lease import LeaseKeeper, lease_acquire
from workflows.runs.selectors import version_to_run
from workflows.runs.start_checks import budgets_check, inputs_check
from workflows.services import workflow_draft_snapshot

log = logging.getLogger(__name__)


def enqueue(run_id: UUID) -> None:
    """Send the run to the `runs` queue now."""
    from workflows.tasks import execute_run

    execute_run.apply_async(args=[str(run_id)], queue="runs")


def enqueue_on_commit(run_id: UUID) -> None:
    transaction.on_commit(lambda: enqueue(run_id))


# -- starting ----------------------------------------------------------------------------


def workflow_runnable(*, user: Any, workflow_id: int) -> Workflow:
    """The workflow `user` may run, or a field error saying it is not there for them."""
    workflow: Workflow | None = owned(Workflow.objects.all(), user).filter(pk=workflow_id).first()
    if workflow is None:
        raise ValidationError(
            {"workflow": [f"Workflow {workflow_id} does not exist or is not yours."]}
        )
    return workflow


def run_start(
    *,
    owner: Any,
    workflow: Workflow,
    version: int | None = None,
    inputs: dict[str, Any],
    budgets: dict[str, Any] | None = None,
    draft: bool = False,
    session: UUID | None = None,
    picked: WorkflowVersion | None = None,
    along: Callable[[Run], object] | None = None,
) -> Run:
    """Start a durable run. `draft`: run the saved draft (an unnumbered draft version, the
    playground's); `session`: the chat session it answers (its session-scoped memory);
    `picked`: the version to run when the caller has read it already (a chat turn checks its
    graph first), instead of reading it again; `along`: writes that commit with the run (called
    with it inside its transaction, which holds SQLite's write lock: the version is read and
    the inputs checked before it)."""
    if picked is None:
        if draft:
            picked = workflow_draft_snapshot(workflow=workflow, user=owner)
        else:
            picked = version_to_run(workflow, version)
    limits.run_inputs_check(inputs)
    inputs_check(picked.graph, inputs)
    checked = budgets_check(budgets or {})
    with transaction.atomic(savepoint=False):  # inside a caller's transaction: no savepoint
        run = Run.objects.create(
            owner=owner,
            workflow=workflow,
            version=picked,
            inputs=inputs,
            budgets=checked,
            session=session,
        )
        if along is not None:
            along(run)
        ev.run_broadcast_status(run)
        enqueue_on_commit(run.id)
    return run


# -- executing -------------------------------------------------------------------------------


def _load(run_id: UUID | str) -> tuple[Run, dict[str, Any]]:
    run = Run.objects.select_related("version", "workflow").get(pk=run_id)
    return run, run_store.node_records(run.id)


def _db(fn: Any) -> Any:
    return sync_to_async(retrying(fn))


_executing: set[str] = set()  # the runs this process executes now (its pool's threads)
_executing_lock = threading.Lock()


@contextmanager
def _first_here(run_id: UUID | str) -> Iterator[bool]:
    """True unless this process executes the run already. A second delivery of a run to the
    process holding its lease would pass `lease_acquire` (same worker name), bump the epoch and
    fence out the first execution, re-running its nodes in flight: it is dropped instead."""
    key = str(run_id)
    with _executing_lock:
        first = key not in _executing
        _executing.add(key)
    try:
        yield first
    finally:
        if first:
            with _executing_lock:
                _executing.discard(key)


async def run_execute(run_id: UUID | str, worker: str) -> str | None:
    """Execute (or resume) a run if this worker gets its lease; return the final status, or
    None when it did not get the lease, lost it to another worker on the way, or this process
    is executing the run already."""
    with _first_here(run_id) as first:
        if not first:
            log.info("run %s: executing here already; this delivery is dropped", run_id)
            return None
        executed = await _run_engine(run_id, worker)
    if executed is None:
        return None
    result, epoch, settled = executed
    if not settled:
        # Finalized outside the guard: a paused run whose approval was decided meanwhile is
        # sent again from here, and that delivery may come back to this very process.
        await _db(run_finalize)(UUID(str(run_id)), worker, result, epoch)
    return result.status


async def _run_engine(run_id: UUID | str, worker: str) -> tuple[RunResult, int, bool] | None:
    """Execute the run under its lease; its result, the epoch and whether its final status is
    stored already, or None (no lease, or lost). A run that finished (not paused) stores its
    status in the commit of its last events: one write transaction, not two, and no moment
    where the run has its last event but not its status."""
    epoch = await _db(lease_acquire)(run_id, worker)
    if epoch is None:
        return None
    run, completed = await _db(_load)(run_id)
    ctx = DjangoRunContext(run, lease_epoch=epoch, start_subflow=subflows.subflow_run)
    main = asyncio.current_task()
    assert main is not None
    ctx.guard(main)
    loop = asyncio.get_running_loop()
    keeper = LeaseKeeper(run.id, worker, epoch, lambda: _call_soon(loop, ctx.abandon))
    keeper.start()
    result: RunResult | None = None
    settle = None
    try:
        result = await _execute_guarded(run, ctx, completed, main)
        if result is not None and result.status in FINISHED_STATUSES and not ctx.lost:
            settle = partial(_finalize, run.id, worker, result, epoch)
    finally:
        keeper.stop()
        await _close(ctx, main, settle)
    if result is None or ctx.lost:
        return None
    return result, epoch, settle is not None


async def _close(
    ctx: DjangoRunContext, main: asyncio.Task[Any], settle: Callable[[], object] | None = None
) -> None:
    """Store the last events (and `settle`'s writes with them); a lease lost at this very
    moment abandons quietly."""
    try:
        await ctx.close(settle)
    except (ev.LeaseLost, asyncio.CancelledError):
        if not ctx.lost:
            raise
        if main.cancelling():
            main.uncancel()


def _call_soon(loop: asyncio.AbstractEventLoop, fn: Any) -> None:
    loop.call_soon_threadsafe(fn)


async def _execute_guarded(
    run: Run, ctx: DjangoRunContext, completed: dict[str, Any], main: asyncio.Task[Any]
) -> RunResult | None:
    """The engine's result; None when the run was abandoned (the lease moved on)."""
    try:
        result = await execute(
            run.version.graph, ctx, run.inputs, completed=completed, budgets=limits.run_budgets(run)
        )
    except asyncio.CancelledError:
        if not ctx.lost:
            raise
        main.uncancel()
        return None
    except Exception as exc:  # a bug must fail the run once, not crash-loop through the reaper
        if ctx.lost:
            return None
        log.exception("run %s crashed", run.id)
        result = RunResult("failed", error=f"Internal error: {type(exc).__name__}: {exc}")
        await ctx.emit("run.failed", None, {"error": result.error})
    return None if ctx.lost else result


def run_finalize(run_id: UUID, worker: str, result: RunResult, epoch: int | None = None) -> None:
    with transaction.atomic():
        _finalize(run_id, worker, result, epoch)


def _finalize(run_id: UUID, worker: str, result: RunResult, epoch: int | None = None) -> None:
    """Store the run's result and release its lease (inside the caller's transaction)."""
    run = Run.objects.select_for_update().select_related("workflow", "version").get(pk=run_id)
    if run.lease_owner != worker or (epoch is not None and run.lease_epoch != epoch):
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
            ev.events_append(
                run.id, [("run.cancelled", None, {"reason": "Cancelled before it ran again."})]
            )
        run.save()
        ev.run_broadcast_status(run)
    return run


def approval_decide(*, approval: Approval, decision: str, comment: str, user: Any) -> Approval:
    too_late = approvals.approval_expire_on_decision(approval, enqueue)
    if too_late:
        raise ValidationError({"decision": [too_late]})
    with transaction.atomic():
        approval = Approval.objects.select_for_update().select_related("run").get(pk=approval.pk)
        if approval.status != Approval.Status.PENDING:
            raise ValidationError({"decision": [f"This approval was already {approval.status}."]})
        approval.status = (
            Approval.Status.APPROVED if decision == "approve" else Approval.Status.REJECTED
        )
        approval.comment, approval.decided_by, approval.decided_at = comment, user, timezone.now()
        approval.save()
        ev.events_append(
            approval.run_id,
            [
                (
                    "approval.resolved",
                    approval.node_id,
                    {
                        "approval_id": str(approval.id),
                        "decision": decision,
                        "comment": comment,
                        "by": user.username,
                    },
                )
            ],
        )
        run = (
            Run.objects.select_for_update()
            .select_related("workflow", "version")
            .get(pk=approval.run_id)
        )
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
    reused = NodeRun.objects.filter(
        run=run, node_id__in=upstream, status__in=["succeeded", "skipped"]
    )
    with transaction.atomic():
        new = Run.objects.create(
            owner=owner,
            workflow=run.workflow,
            version=run.version,
            inputs=run.inputs,
            budgets=run.budgets,
            rerun_of=run,
            rerun_from_node=from_node,
        )
        NodeRun.objects.bulk_create(
            [
                NodeRun(
                    run=new,
                    node_id=n.node_id,
                    attempt=n.attempt,
                    status=n.status,
                    inputs=n.inputs,
                    outputs=n.outputs,
                    usage=n.usage,
                    started_at=n.started_at,
                    finished_at=n.finished_at,
                    record=n.record,
                )
                for n in reused
            ]
        )
        ev.run_broadcast_status(new)
        enqueue_on_commit(new.id)
    return new


def run_reap_orphans() -> list[UUID]:
    """Re-enqueue runs whose worker died (expired lease) or whose message was lost (each at
    most once per throttle period; see workflows.runs.reaper)."""
    from workflows.runs.reaper import runs_reap

    return runs_reap(enqueue)
