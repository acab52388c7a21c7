"""Read-side querysets of workflows, shaped for what their API pages show."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from workflows.models import WorkflowVersion

LATEST = "latest_versions"  # the prefetched list (0 or 1 version) on each workflow


def workflows_with_latest_version(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """`queryset` with each workflow's latest version (its summary only: no graph, the author's
    name joined) prefetched in one query for the whole page, instead of two per workflow."""
    newest = WorkflowVersion.objects.filter(workflow=OuterRef("workflow")).order_by("-number")
    latest = (
        WorkflowVersion.objects.filter(number=Subquery(newest.values("number")[:1]))
        .select_related("created_by")
        .only("id", "workflow_id", "number", "message", "created_at", "created_by__username")
    )
    return queryset.prefetch_related(Prefetch("versions", queryset=latest, to_attr=LATEST))
