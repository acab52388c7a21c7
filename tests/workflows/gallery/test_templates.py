"""The gallery: at least twelve templates, each valid, each usable and runnable end to end."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from agents.models import Agent
from tools.models import Tool
from workflows.engine import validate
from workflows.gallery.catalog import TEMPLATES
from workflows.gallery.services import template_use
from workflows.models import Approval, Run
from workflows.runs import services as run_services

SCRIPTED = "scripted:bot"


def execute(run: Run) -> Run:
    asyncio.run(run_services.run_execute(run.id, "worker-test"))
    run.refresh_from_db()
    return run


def run_template(owner: Any, slug: str, model: str = SCRIPTED) -> Run:
    """Use the template, start a run with its sample inputs, approve every approval it asks."""
    template = next(t for t in TEMPLATES if t.slug == slug)
    workflow, _ = template_use(owner=owner, slug=slug, model=model)
    run = Run.objects.create(
        owner=owner, workflow=workflow, version=workflow.versions.get(), inputs=template.inputs
    )
    run = execute(run)
    while run.status == "paused":
        for approval in Approval.objects.filter(run=run, status="pending"):
            run_services.approval_decide(
                approval=approval, decision="approve", comment="fine", user=owner
            )
        run = execute(run)
    return run


def test_the_gallery_holds_at_least_twelve_templates_with_unique_slugs() -> None:
    assert len(TEMPLATES) >= 12
    assert len({t.slug for t in TEMPLATES}) == len(TEMPLATES)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.slug)
def test_every_template_graph_validates_for_the_builtin_model(template: Any) -> None:
    assert [p.as_dict() for p in validate(template.graph())] == []


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.slug)
def test_every_template_names_only_agents_it_brings_along(template: Any) -> None:
    graph = template.graph()
    named = {n["config"]["agent"] for n in graph["nodes"] if n["kind"] == "agent"}
    for n in graph["nodes"]:
        named |= set(n["config"].get("critics", [])) | {n["config"].get("reviser")} - {None}
        for body_node in n["config"].get("body", {}).get("nodes", []):
            named |= {body_node["config"].get("agent")} - {None}
            named |= set(body_node["config"].get("critics", []))
    assert named <= {a.name for a in template.agents}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.slug)
def test_every_template_runs_to_success_on_scripted_models(owner: Any, template: Any) -> None:
    run = run_template(owner, template.slug)
    assert run.status == "succeeded", run.error
    assert run.outputs


@pytest.mark.django_db(transaction=True)
def test_using_a_template_twice_reuses_its_agents_tools_and_collection(owner: Any) -> None:
    first, report = template_use(owner=owner, slug="code-runner", model=SCRIPTED)
    second, again = template_use(owner=owner, slug="code-runner", model=SCRIPTED)
    assert report["created"] == ["tool number_stats", "agent Data analyst"]
    assert again == {"created": [], "reused": ["tool number_stats", "agent Data analyst"]}
    assert (first.name, second.name) == (
        "Code-running agent with the sandbox",
        "Code-running agent with the sandbox (2)",
    )
    assert Agent.objects.filter(owner=owner, name="Data analyst").count() == 1
    assert list(Agent.objects.get(owner=owner).tools.values_list("name", flat=True)) == [
        "number_stats"
    ]
    assert Tool.objects.filter(owner=owner).count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_agent_the_user_already_has_is_kept_as_it_is(owner: Any) -> None:
    Agent.objects.create(owner=owner, name="Librarian", system_prompt="Mine.")
    _, report = template_use(owner=owner, slug="rag-qa", model=SCRIPTED)
    assert "agent Librarian" in report["reused"]
    assert "collection AXWeb handbook" in report["created"]
    assert Agent.objects.get(owner=owner, name="Librarian").system_prompt == "Mine."


@pytest.mark.django_db(transaction=True)
def test_the_rag_template_answers_from_the_seeded_collection(owner: Any) -> None:
    run = run_template(owner, "rag-qa")
    search = run.node_runs.get(node_id="search")
    titles = [hit["title"] for hit in search.outputs["out"]["results"]]
    assert "Models" in titles
