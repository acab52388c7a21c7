"""Workflow services: create, save versions, duplicate, import/export."""

from __future__ import annotations

import copy
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from axweb.errors import GraphInvalid
from workflows.graphs import graph_normalize, graph_problems
from workflows.limits import graph_stored_check
from workflows.models import Workflow, WorkflowVersion, empty_graph

EXPORT_FORMAT = 1


def _unique_slug(owner: Any, name: str, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:200] or "workflow"
    others = Workflow.objects.filter(owner=owner, slug__startswith=base)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    taken = set(others.values_list("slug", flat=True))
    slug, counter = base, 2
    while slug in taken:
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


def workflow_create(
    *,
    owner: Any,
    name: str,
    description: str = "",
    graph: dict[str, Any] | None = None,
    message: str = "",
) -> Workflow:
    with transaction.atomic():
        workflow = Workflow.objects.create(
            owner=owner,
            name=name,
            description=description,
            slug=_unique_slug(owner, name),
            draft=graph if isinstance(graph, dict) else empty_graph(),
        )
        if graph:
            workflow_save_version(
                workflow=workflow, graph=graph, message=message or "Created", user=owner
            )
    return workflow


def workflow_update(*, workflow: Workflow, **fields: Any) -> Workflow:
    for key, value in fields.items():
        setattr(workflow, key, value)
    if "name" in fields:
        workflow.slug = _unique_slug(workflow.owner, workflow.name, exclude_pk=workflow.pk)
    workflow.save()
    return workflow


def workflow_save_version(
    *, workflow: Workflow, graph: dict[str, Any], message: str, user: Any
) -> WorkflowVersion:
    """Validate `graph` and store it as the next immutable version; GraphInvalid lists problems."""
    graph_stored_check(graph)
    graph = graph_normalize(graph)
    problems = graph_problems(graph, workflow)
    if problems:
        raise GraphInvalid(problems)
    schema_version = graph["schema_version"]
    with transaction.atomic():
        locked = Workflow.objects.select_for_update().get(pk=workflow.pk)
        latest = locked.versions.aggregate(n=Max("number"))["n"] or 0
        version = WorkflowVersion.objects.create(
            workflow=locked,
            number=latest + 1,
            graph=graph,
            message=message,
            schema_version=schema_version,
            created_by=user,
        )
        locked.draft, locked.draft_updated_at = graph, timezone.now()
        locked.save(update_fields=["draft", "draft_updated_at", "updated_at"])
    return version


def workflow_draft_snapshot(*, workflow: Workflow, user: Any) -> WorkflowVersion:
    """The saved draft as an unnumbered draft version a playground run can pin (validated like
    a save; the newest snapshot is reused while the draft is unchanged)."""
    graph = graph_normalize(workflow.draft)
    graph_stored_check(graph)
    problems = graph_problems(graph, workflow)
    if problems:
        raise GraphInvalid(problems)
    latest = WorkflowVersion.every.filter(workflow=workflow, draft=True).order_by("-pk").first()
    if latest is not None and latest.graph == graph:
        return latest
    snapshot: WorkflowVersion = WorkflowVersion.every.create(
        workflow=workflow,
        number=0,
        draft=True,
        graph=graph,
        message="Draft",
        schema_version=graph["schema_version"],
        created_by=user,
    )
    return snapshot


def workflow_save_draft(*, workflow: Workflow, graph: dict[str, Any]) -> Workflow:
    graph_stored_check(graph)
    workflow.draft = graph
    workflow.draft_updated_at = timezone.now()
    workflow.save(update_fields=["draft", "draft_updated_at", "updated_at"])
    return workflow


def _latest_graph(workflow: Workflow) -> dict[str, Any] | None:
    latest = workflow.versions.order_by("-number").first()
    return copy.deepcopy(latest.graph) if latest else None


def workflow_duplicate(*, workflow: Workflow, owner: Any) -> Workflow:
    graph = _latest_graph(workflow)
    copy_ = workflow_create(
        owner=owner,
        name=f"{workflow.name} (copy)",
        description=workflow.description,
        graph=graph,
        message=f"Duplicated from {workflow.name}",
    )
    if graph is None:
        workflow_save_draft(workflow=copy_, graph=workflow.draft)
    return copy_


def workflow_export(*, workflow: Workflow) -> dict[str, Any]:
    return {
        "axweb_export": EXPORT_FORMAT,
        "name": workflow.name,
        "description": workflow.description,
        "graph": _latest_graph(workflow) or workflow.draft,
    }


def workflow_import(*, owner: Any, document: dict[str, Any]) -> Workflow:
    return workflow_create(
        owner=owner,
        name=document["name"],
        description=document.get("description", ""),
        graph=document["graph"],
        message="Imported",
    )
