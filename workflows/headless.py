"""The headless ways in: `run_workflow`, `export_workflow` and `import_workflow`.

A run from the terminal is a normal run: `run_start` enqueues it for a worker, and the command
follows its events (stored, then live) until it ends. Exports are the API's export format, so a
flow kept in Git can be imported by either door; importing a slug the owner already has saves a
new version of that workflow instead of a copy.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.text import slugify
from rest_framework.exceptions import ValidationError

from workflows.models import Run, Workflow
from workflows.runs.follow import run_events_follow
from workflows.runs.services import run_start
from workflows.serializers import ImportSerializer
from workflows.services import workflow_create, workflow_export, workflow_save_version

DATA_CHARS = 200


class BadInput(ValueError):
    """The command line names no workflow, bad JSON or inputs the run refuses (exit code 2)."""


def _first_error(detail: Any) -> str:
    if isinstance(detail, dict):
        field, value = next(iter(detail.items()))
        return f"{field}: {_first_error(value)}"
    if isinstance(detail, list) and detail:
        return _first_error(detail[0])
    return str(detail)


def workflow_find(*, ref: str, owner: str | None = None) -> Workflow:
    """The workflow with id or slug `ref` (of user `owner` when given); BadInput otherwise."""
    found: QuerySet[Workflow] = Workflow.objects.select_related("owner")
    if owner:
        found = found.filter(owner__username=owner)
    found = found.filter(pk=int(ref)) if ref.isdigit() else found.filter(slug=ref)
    matches = list(found[:2])
    if not matches:
        whose = f" of user '{owner}'" if owner else ""
        raise BadInput(f"There is no workflow '{ref}'{whose}.")
    if len(matches) > 1:
        raise BadInput(f"Several users have a workflow '{ref}'; name one with --owner.")
    return matches[0]


def inputs_parse(text: str) -> dict[str, Any]:
    try:
        inputs = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"--input is not JSON: {exc}") from None
    if not isinstance(inputs, dict):
        raise BadInput('--input must be a JSON object, e.g. \'{"question": "why?"}\'.')
    return inputs


def run_start_headless(
    *, ref: str, inputs: str, version: int | None = None, owner: str | None = None
) -> Run:
    workflow = workflow_find(ref=ref, owner=owner)
    try:
        return run_start(
            owner=workflow.owner,
            workflow=workflow,
            version=version,
            inputs=inputs_parse(inputs),
        )
    except ValidationError as exc:
        raise BadInput(_first_error(exc.detail)) from None


def event_line(event: dict[str, Any], as_json: bool) -> str:
    if as_json:
        return json.dumps(event, default=str)
    data = json.dumps(event.get("data") or {}, default=str)
    if len(data) > DATA_CHARS:
        data = data[: DATA_CHARS - 1] + "…"
    node = f" {event['node']}" if event.get("node") else ""
    return f"[{event['seq']}] {event['type']}{node} {data}"


async def run_follow_print(run_id: str, write: Callable[[str], None], as_json: bool) -> None:
    """Write one line per event of the run as it happens, until the run ends or pauses."""
    async for event in run_events_follow(run_id):
        write(event_line(event, as_json))


def run_outcome(run_id: str) -> dict[str, Any]:
    run = Run.objects.get(pk=run_id)
    return {"run": str(run.id), "status": run.status, "outputs": run.outputs, "error": run.error}


def workflow_export_find(*, ref: str, owner: str | None = None) -> dict[str, Any]:
    return workflow_export(workflow=workflow_find(ref=ref, owner=owner))


def workflow_import_or_version(*, owner: str, document: Any) -> tuple[Workflow, bool]:
    """(workflow, created): a new workflow, or a new version of the owner's one with its slug."""
    user = get_user_model().objects.filter(username=owner).first()
    if user is None:
        raise BadInput(f"There is no user '{owner}'.")
    serializer = ImportSerializer(data=document)
    if not serializer.is_valid():
        raise BadInput(_first_error(serializer.errors))
    data = serializer.validated_data
    slug = data.get("slug") or slugify(data["name"])
    existing = Workflow.objects.filter(owner=user, slug=slug).first()
    if existing is None:
        workflow = workflow_create(
            owner=user, name=data["name"], description=data["description"], graph=data["graph"]
        )
        return workflow, True
    workflow_save_version(workflow=existing, graph=data["graph"], message="Imported", user=user)
    if data["description"] != existing.description:
        existing.description = data["description"]
        existing.save(update_fields=["description", "updated_at"])
    return existing, False
