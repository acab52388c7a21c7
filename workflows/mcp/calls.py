"""MCP calls as services: list a user's exposed workflows as tools; call one as a normal run.

A call goes through `run_start` (the same checks, budgets, lease and events as any run) and
follows the run's events: every settled node is a progress report, the outputs are the result.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from channels.db import database_sync_to_async as sync_to_async
from jsonschema import Draft202012Validator
from rest_framework.exceptions import ValidationError

from workflows.mcp.schema import graph_input_schema, graph_step_count
from workflows.models import Run, RunStatus, Workflow, WorkflowVersion
from workflows.runs.follow import run_events_follow
from workflows.runs.services import run_start

Progress = Callable[[float, float, str], Awaitable[None]]
SETTLED = ("node.finished", "node.failed", "node.skipped")


@dataclass(frozen=True)
class McpTool:
    name: str
    description: str
    input_schema: dict[str, Any]


@dataclass(frozen=True)
class McpResult:
    ok: bool
    text: str
    outputs: dict[str, Any] | None
    run_id: str | None


def _exposed(user: Any, slug: str | None = None) -> list[tuple[Workflow, WorkflowVersion]]:
    pairs = []
    workflows = Workflow.objects.filter(owner=user, expose_as_tool=True).order_by("slug")
    for workflow in workflows.filter(slug=slug) if slug is not None else workflows:
        latest = workflow.versions.order_by("-number").first()
        if latest is not None:
            pairs.append((workflow, latest))
    return pairs


def _describe(workflow: Workflow) -> str:
    return workflow.description or f"Runs the workflow '{workflow.name}' and returns its outputs."


def mcp_tools_of(*, user: Any) -> list[McpTool]:
    """The user's workflows marked "expose as a tool" that have a saved version, by slug."""
    return [
        McpTool(workflow.slug, _describe(workflow), graph_input_schema(version.graph))
        for workflow, version in _exposed(user)
    ]


def _start(user: Any, name: str, arguments: dict[str, Any]) -> tuple[Run | None, str, int]:
    """(run, "", steps) or (None, why not, 0)."""
    found = next(iter(_exposed(user, slug=name)), None)
    if found is None:
        return None, f"There is no tool named '{name}'.", 0
    workflow, version = found
    errors = sorted(
        Draft202012Validator(graph_input_schema(version.graph)).iter_errors(arguments),
        key=lambda e: list(e.path),
    )
    if errors:
        where = ".".join(str(p) for p in errors[0].path) or "arguments"
        return None, f"'{where}': {errors[0].message}", 0
    try:
        run = run_start(owner=user, workflow=workflow, version=version.number, inputs=arguments)
    except ValidationError as exc:
        return None, json.dumps(exc.detail), 0
    return run, "", graph_step_count(version.graph)


def _result(run_id: str) -> McpResult:
    run = Run.objects.get(pk=run_id)
    if run.status == RunStatus.SUCCEEDED:
        return McpResult(True, json.dumps(run.outputs, default=str), run.outputs, run_id)
    why = run.error or f"The run ended {run.status}."
    if run.status == RunStatus.PAUSED:
        why = "The run is waiting for an approval in AXWeb; approve it there to continue."
    return McpResult(False, f"Run {run_id} {run.status}: {why}", None, run_id)


async def mcp_call(
    *, user: Any, name: str, arguments: dict[str, Any], progress: Progress | None = None
) -> McpResult:
    """Start the workflow `name` with `arguments` and wait for its outcome."""
    run, problem, steps = await sync_to_async(_start)(user, name, arguments)
    if run is None:
        return McpResult(False, problem, None, None)
    settled = 0
    async for event in run_events_follow(run.id):
        if event["type"] in SETTLED and progress is not None:
            settled += 1
            message = f"{event['node']}: {event['type'].removeprefix('node.')}"
            await progress(float(settled), float(steps), message)
    result: McpResult = await sync_to_async(_result)(str(run.id))
    return result
