"""Imported flows are saved with their agents and run end to end (scripted models)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agents.models import Agent
from tests.workflows.gallery.test_templates import execute
from tests.workflows.importers.conftest import fixture
from workflows.foreign import foreign_preview, foreign_save
from workflows.models import Approval, Run
from workflows.runs import services as run_services

SCRIPTED = "scripted:imported"


def scripted(value: Any) -> Any:
    """The preview with every model pointed at a scripted one (no inference in this test)."""
    return json.loads(json.dumps(value).replace('"builtin:smollm2-135m"', f'"{SCRIPTED}"'))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("name", "inputs"),
    [
        ("flowise_agentflow_simple", {"question": "What is the price?"}),
        ("flowise_chatflow", {"question": "owls"}),
        ("langflow_flow", {"chat_input": "Is it yes?"}),
    ],
)
def test_an_imported_flow_runs_to_success(owner: Any, name: str, inputs: dict[str, Any]) -> None:
    preview = scripted(foreign_preview(owner=owner, document=fixture(name)))
    workflow = foreign_save(
        owner=owner,
        name=preview["name"],
        description=preview["description"],
        graph=preview["graph"],
        agents=preview["agents"],
    )
    assert all(a.model == SCRIPTED for a in Agent.objects.filter(owner=owner))
    run = Run.objects.create(
        owner=owner, workflow=workflow, version=workflow.versions.get(), inputs=inputs
    )
    run = execute(run)
    while run.status == "paused":
        for approval in Approval.objects.filter(run=run, status="pending"):
            run_services.approval_decide(
                approval=approval, decision="approve", comment="", user=owner
            )
        run = execute(run)
    assert run.status == "succeeded", run.error
    assert run.outputs
