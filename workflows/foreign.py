"""Services of the import of other tools' files: preview with the user's models, then save
the graph and the agents it names (the pure importers live in ``workflows/importers``)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from rest_framework.exceptions import ValidationError

from agents.refs import model_ref_problem
from agents.selectors import model_refs
from agents.services import agent_ensure
from workflows.graphs import graph_problems
from workflows.importers import ImportFormatError, import_foreign
from workflows.importers.common import BUILTIN_MODEL
from workflows.models import Workflow
from workflows.services import workflow_create

AGENT_PARAMETERS = {"max_tokens": 256}


def foreign_preview(*, owner: Any, document: Any) -> dict[str, Any]:
    """``{name, description, format, graph, agents, report, problems}``; a file of no known
    format is a ValidationError on ``document``."""
    try:
        imported = import_foreign(document, model_refs())
    except ImportFormatError as exc:
        raise ValidationError({"document": [str(exc)]}) from None
    return {
        "name": imported.name,
        "description": imported.description,
        "format": imported.source_format,
        "graph": imported.graph,
        "agents": imported.agents,
        "report": imported.report.as_dict(),
        "problems": graph_problems(imported.graph),
    }


def foreign_save(
    *, owner: Any, name: str, description: str, graph: dict[str, Any], agents: list[dict[str, Any]]
) -> Workflow:
    """The workflow (version 1) and the agents it names that the owner does not have yet."""
    with transaction.atomic():
        for spec in agents:
            model = spec["model"] if not model_ref_problem(spec["model"]) else BUILTIN_MODEL
            agent_ensure(
                owner=owner,
                name=spec["name"],
                role="Imported",
                system_prompt=spec.get("system_prompt", ""),
                model=model,
                parameters=dict(AGENT_PARAMETERS),
                builtin_tools=spec.get("builtin_tools", []),
            )
        return workflow_create(
            owner=owner, name=name, description=description, graph=graph, message="Imported"
        )
