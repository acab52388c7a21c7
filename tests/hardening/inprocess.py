"""Run a graph to its end inside the test process, as a worker would (no Celery)."""

from __future__ import annotations

import asyncio
from typing import Any

from workflows.models import Run
from workflows.runs import services as run_services
from workflows.services import workflow_create


def run_graph(owner: Any, name: str, graph: dict[str, Any], inputs: dict[str, Any]) -> Run:
    """Save `graph` as a new workflow of `owner`, execute one run of it, return the run."""
    workflow = workflow_create(owner=owner, name=name, graph=graph)
    run = Run.objects.create(
        owner=owner, workflow=workflow, version=workflow.versions.get(), inputs=inputs
    )
    asyncio.run(run_services.run_execute(run.id, "worker-test"))
    run.refresh_from_db()
    return run
