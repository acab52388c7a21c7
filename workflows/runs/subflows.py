"""Subflows: a `subflow` node runs another workflow of the same owner as a child run.

The run context does not import this module: whoever builds a `DjangoRunContext` hands it
`start_subflow` (the services pass `subflow_run`; a child's context gets it too, so subflows
nest), which keeps the context below the services (.importlinter).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from rest_framework.exceptions import NotFound

from workflows import limits
from workflows.engine import RunResult, execute
from workflows.engine.errors import PermanentFailure
from workflows.models import Run, RunStatus, Workflow
from workflows.runs import store as run_store
from workflows.runs.context import DjangoRunContext
from workflows.runs.selectors import version_to_run


def _subflow_prepare(parent: Run, node_id: str, workflow_ref: str, inputs: dict[str, Any]) -> Run:
    workflows = Workflow.objects.filter(owner_id=parent.owner_id)
    ref = str(workflow_ref)
    by_ref = Q(slug=ref) | Q(pk=int(ref)) if ref.isdigit() else Q(slug=ref)
    workflow = workflows.filter(by_ref).first()
    if workflow is None:
        raise NotFound(f"No workflow '{workflow_ref}' for this subflow node.")
    existing = (
        Run.objects.filter(parent=parent, parent_node=node_id)
        .select_related("version", "workflow")
        .first()
    )
    if existing is not None:
        return existing
    _subflow_depth_check(parent, workflow)
    return Run.objects.create(
        owner_id=parent.owner_id,
        workflow=workflow,
        version=version_to_run(workflow, None),
        inputs=inputs,
        budgets=parent.budgets,
        parent=parent,
        parent_node=node_id,
        status=RunStatus.RUNNING,
        started_at=timezone.now(),
    )


async def subflow_run(
    *, parent: Run, node_id: str, workflow_ref: str, inputs: dict[str, Any]
) -> dict[str, Any]:
    """Run (or resume, or reuse the outputs of) the child run of `parent`'s node `node_id`."""
    child = await sync_to_async(_subflow_prepare)(parent, node_id, workflow_ref, inputs)
    if child.status == RunStatus.SUCCEEDED:
        return dict(child.outputs)
    ctx = DjangoRunContext(child, start_subflow=subflow_run)
    completed = await sync_to_async(run_store.node_records)(child.id)
    result = await execute(
        child.version.graph, ctx, inputs, completed=completed, budgets=limits.run_budgets(child)
    )
    await ctx.close()
    await sync_to_async(_subflow_finish)(child.id, result)
    if result.status != "succeeded":  # its own nodes retried already: another attempt replays it
        raise PermanentFailure(
            f"Subflow '{workflow_ref}' {result.status}: {result.error or 'see its run'}"
        )
    return dict(result.outputs)


def _subflow_depth_check(parent: Run, workflow: Workflow) -> None:
    """Refuse a subflow run nested deeper than AXWEB_SUBFLOW_MAX_DEPTH, naming the chain."""
    chain = [workflow.slug]
    run: Run | None = parent
    while run is not None:
        chain.append(run.workflow.slug)
        run = (
            Run.objects.select_related("workflow").filter(pk=run.parent_id).first()
            if run.parent_id
            else None
        )
    depth, cap = len(chain) - 1, settings.AXWEB_SUBFLOW_MAX_DEPTH
    if depth > cap:
        raise PermanentFailure(
            f"Subflow depth {cap} reached: {' → '.join(reversed(chain))} "
            "(AXWEB_SUBFLOW_MAX_DEPTH). "
            "Does a workflow call itself through others?"
        )


def _subflow_finish(run_id: UUID, result: RunResult) -> None:
    Run.objects.filter(pk=run_id).update(
        status=result.status,
        outputs=result.outputs,
        error=result.error or "",
        usage=result.usage.as_dict(),
        finished_at=timezone.now(),
    )
