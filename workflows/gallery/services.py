"""Use a template: copy its flow, agents, tools and knowledge collection into a user's space.

Idempotent by name: an agent, tool or collection the user already has under the template's
name is reused as it is (the report says so); the workflow gets a fresh name each time.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from agents.knowledge.services import collection_seed
from agents.services import agent_ensure
from tools.services import tool_ensure
from workflows.gallery.catalog import template_get
from workflows.gallery.spec import AGENT_PARAMETERS, BUILTIN_MODEL, Template
from workflows.models import Workflow
from workflows.services import workflow_create


def _free_name(owner: Any, name: str) -> str:
    taken = set(
        Workflow.objects.filter(owner=owner, name__startswith=name).values_list("name", flat=True)
    )
    candidate, counter = name, 2
    while candidate in taken:
        candidate, counter = f"{name} ({counter})", counter + 1
    return candidate


def _tools(owner: Any, template: Template, report: dict[str, list[str]]) -> dict[str, int]:
    ids = {}
    for spec in template.tools:
        ids[spec.name], created = tool_ensure(
            owner=owner,
            name=spec.name,
            kind=spec.kind,
            description=spec.description,
            config=spec.config,
            schema=spec.input_schema,
        )
        report["created" if created else "reused"].append(f"tool {spec.name}")
    return ids


def _agents(
    owner: Any, template: Template, model: str, tool_ids: dict[str, int], report: Any
) -> None:
    for spec in template.agents:
        parameters: dict[str, Any] = dict(AGENT_PARAMETERS)
        if spec.delegates:
            parameters["delegates"] = list(spec.delegates)
        created = agent_ensure(
            owner=owner,
            name=spec.name,
            role=spec.role,
            system_prompt=spec.system_prompt,
            model=model,
            parameters=parameters,
            builtin_tools=spec.builtin_tools,
            tool_ids=[tool_ids[name] for name in spec.tools],
        )
        report["created" if created else "reused"].append(f"agent {spec.name}")


def template_use(
    *, owner: Any, slug: str, model: str = BUILTIN_MODEL
) -> tuple[Workflow, dict[str, list[str]]]:
    """Create the template's workflow (version 1) and whatever it needs for `owner`.
    Returns the workflow and a report ``{"created": [...], "reused": [...]}``.
    Raises TemplateNotFound for an unknown slug."""
    template = template_get(slug)
    report: dict[str, list[str]] = {"created": [], "reused": []}
    with transaction.atomic():
        tool_ids = _tools(owner, template, report)
        _agents(owner, template, model, tool_ids, report)
        if template.knowledge is not None:
            knowledge = template.knowledge
            created = collection_seed(
                owner=owner,
                name=knowledge.collection,
                description=knowledge.description,
                documents=list(knowledge.documents),
            )
            report["created" if created else "reused"].append(f"collection {knowledge.collection}")
        workflow = workflow_create(
            owner=owner,
            name=_free_name(owner, template.name),
            description=template.description,
            graph=template.graph(model),
            message=f"From the template “{template.name}”",
        )
    return workflow, report
