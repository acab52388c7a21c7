"""End to end in a real worker: the adaptive router learns from the runs it routed."""

from __future__ import annotations

import pytest

from agents.models import Agent
from tests.workflows.conftest import edge, node, wait_for
from workflows.models import NodeRun, Run, RunEvent
from workflows.runs.services import run_start
from workflows.services import workflow_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(240)]


def graph() -> dict:
    routes = [{"name": "careful", "agent": "Careful"}, {"name": "quick", "agent": "Quick"}]
    return {
        "schema_version": 1,
        "nodes": [
            node("in", "input", name="q", type="text"),
            node("r", "router", mode="adaptive", routes=routes, min_runs=1),
            node("ag_careful", "agent", agent="Careful"),
            node("ag_quick", "agent", agent="Quick"),
            node("out_careful", "output", name="careful"),
            node("out_quick", "output", name="quick"),
        ],
        "edges": [
            edge("in", "r"),
            edge("r", "ag_careful", "careful"),
            edge("r", "ag_quick", "quick"),
            edge("ag_careful", "out_careful"),
            edge("ag_quick", "out_quick"),
        ],
    }


def run_once(owner, workflow) -> Run:
    run = run_start(owner=owner, workflow=workflow, inputs={"q": "hello"})
    done = wait_for(
        lambda: Run.objects.filter(pk=run.pk, status__in=["succeeded", "failed"]).first(),
        timeout=90,
    )
    assert done.status == "succeeded", done.error
    return done


def test_the_router_explores_each_agent_then_picks_the_faster_one_and_explains_it(
    celery_worker, owner
):
    Agent.objects.create(owner=owner, name="Careful", model="scripted:careful?delay=0.8")
    Agent.objects.create(owner=owner, name="Quick", model="scripted:quick")
    workflow = workflow_create(owner=owner, name="Adaptive", graph=graph())

    first, second, third = (run_once(owner, workflow) for _ in range(3))

    assert first.outputs == {
        "careful": "careful: hello"
    }  # no history: explore, first candidate first
    assert second.outputs == {"quick": "quick: hello"}  # Quick had fewer runs: explore it too
    assert third.outputs == {"quick": "quick: hello"}  # both succeeded once; Quick was faster
    choice = NodeRun.objects.get(run=third, node_id="r").outputs["choice"]
    rows = {row["agent"]: row for row in choice["candidates"]}
    assert (choice["agent"], choice["explored"]) == ("Quick", False)
    assert rows["Careful"]["runs"] == rows["Quick"]["runs"] == 1
    assert rows["Careful"]["mean_latency_s"] >= 0.8 > rows["Quick"]["mean_latency_s"]
    assert rows["Quick"]["score"] > rows["Careful"]["score"]
    text = "".join(
        e.data["text"] for e in RunEvent.objects.filter(run=third, node="r", type="node.token")
    )
    assert text.startswith("chose Quick: success 1/1") and "Careful: success 1/1" in text
    skipped = RunEvent.objects.filter(run=third, type="node.skipped").values_list("node", flat=True)
    assert set(skipped) == {"ag_careful", "out_careful"}


def test_an_unknown_candidate_fails_the_router_with_the_owners_agents_listed(celery_worker, owner):
    Agent.objects.create(owner=owner, name="Careful", model="scripted:careful")
    run = run_start(
        owner=owner,
        workflow=workflow_create(owner=owner, name="Missing", graph=graph()),
        inputs={"q": "hello"},
    )
    done = wait_for(
        lambda: Run.objects.filter(pk=run.pk, status__in=["succeeded", "failed"]).first(),
        timeout=90,
    )
    assert done.status == "failed"
    failed = RunEvent.objects.get(run=run, type="node.failed", node="r")
    assert "There is no agent named 'Quick'. Your agents: Careful." in failed.data["error"]
