"""Agents' history in past runs, read from committed node records (what the adaptive router
sees)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from django.utils import timezone

from agents.models import Agent
from tests.workflows.conftest import edge, node
from workflows.engine.adaptive import AgentStats
from workflows.models import NodeRun, Run
from workflows.runs.context import DjangoRunContext
from workflows.runs.history import agent_history
from workflows.runs.services import run_rerun
from workflows.services import workflow_create

pytestmark = pytest.mark.django_db

BODY = {
    "schema_version": 1,
    "nodes": [
        node("s", "input", name="state"),
        node("w", "agent", agent="Writer"),
        node("o", "output", name="state"),
    ],
    "edges": [edge("s", "w"), edge("w", "o")],
}


def graph() -> dict:
    return {
        "schema_version": 1,
        "nodes": [
            node("in", "input", name="q"),
            node("plan", "agent", agent="Planner"),
            node("refine", "loop", max_iterations=3, exit_condition="iteration >= 2", body=BODY),
            node("out", "output", name="answer"),
        ],
        "edges": [edge("in", "plan"), edge("plan", "refine"), edge("refine", "out")],
    }


def past_run(owner, workflow, rows: list[tuple[str, str, float, float, str]]) -> Run:
    """A finished run with node records (node id, status, seconds, cost, error)."""
    run = Run.objects.create(
        owner=owner, workflow=workflow, version=workflow.versions.get(), status="succeeded"
    )
    start = timezone.now()
    for i, (node_id, status, seconds, cost, error) in enumerate(rows):
        began = start + timedelta(seconds=i)
        NodeRun.objects.create(
            run=run,
            node_id=node_id,
            status=status,
            error=error,
            usage={"input_tokens": 1, "output_tokens": 1, "cost": cost},
            started_at=began,
            finished_at=began + timedelta(seconds=seconds),
            record={"duration_ms": seconds * 1000},
        )
    return run


@pytest.fixture
def workflow(owner):
    return workflow_create(owner=owner, name="History", graph=graph())


def test_agent_nodes_count_by_the_agent_they_ran_with_status_latency_and_cost(owner, workflow):
    past_run(
        owner,
        workflow,
        [
            ("plan", "succeeded", 2.0, 0.01, ""),
            ("refine[0].w", "succeeded", 1.0, 0.0, ""),
            ("refine[1].w", "failed", 3.0, 0.0, "model unreachable"),
        ],
    )
    past_run(
        owner,
        workflow,
        [
            ("plan", "succeeded", 4.0, 0.03, "continued after: timeout"),
            ("in", "succeeded", 0.0, 0.0, ""),
            ("out", "skipped", 0.0, 0.0, ""),
        ],
    )
    stats = agent_history(owner_id=owner.id, names=["Planner", "Writer", "Nobody"])
    assert stats["Planner"] == AgentStats(runs=2, successes=1, mean_latency_s=3.0, mean_cost=0.02)
    assert stats["Writer"] == AgentStats(runs=2, successes=1, mean_latency_s=2.0, mean_cost=0.0)
    assert stats["Nobody"] == AgentStats()


def test_other_owners_runs_and_the_excluded_run_do_not_count(owner, other, workflow):
    theirs = workflow_create(owner=other, name="Theirs", graph=graph())
    past_run(other, theirs, [("plan", "failed", 1.0, 0.0, "boom")])
    current = past_run(owner, workflow, [("plan", "succeeded", 1.0, 0.0, "")])
    assert agent_history(owner_id=owner.id, names=["Planner"])["Planner"].runs == 1
    assert (
        agent_history(owner_id=owner.id, names=["Planner"], exclude_run=current.pk)["Planner"].runs
        == 0
    )


def test_rows_a_rerun_copied_from_the_original_run_count_once(owner, workflow):
    original = past_run(
        owner,
        workflow,
        [
            ("in", "succeeded", 0.0, 0.0, ""),
            ("plan", "succeeded", 2.0, 0.0, ""),
            ("refine", "succeeded", 1.0, 0.0, ""),
        ],
    )
    run_rerun(run=original, from_node="refine", owner=owner)
    assert NodeRun.objects.filter(node_id="plan").count() == 2
    assert agent_history(owner_id=owner.id, names=["Planner"])["Planner"].runs == 1


def test_separate_runs_of_one_version_count_separately_even_with_equal_timestamps(owner, workflow):
    first = past_run(owner, workflow, [("plan", "succeeded", 1.0, 0.0, "")])
    second = past_run(owner, workflow, [("plan", "succeeded", 1.0, 0.0, "")])
    NodeRun.objects.filter(run=second).update(started_at=NodeRun.objects.get(run=first).started_at)
    assert agent_history(owner_id=owner.id, names=["Planner"])["Planner"].runs == 2


@pytest.mark.django_db(transaction=True)
def test_the_run_context_refuses_unknown_agents_by_name_and_reads_the_rest(owner, workflow):
    Agent.objects.create(owner=owner, name="Planner")
    Agent.objects.create(owner=owner, name="Writer")
    current = past_run(owner, workflow, [("plan", "succeeded", 1.0, 0.0, "")])
    past_run(owner, workflow, [("plan", "succeeded", 2.0, 0.0, "")])
    ctx = DjangoRunContext(current)
    stats = asyncio.run(ctx.agent_history(["Planner", "Writer"]))
    assert stats["Planner"].runs == 1 and stats["Planner"].mean_latency_s == 2.0  # not its own run
    with pytest.raises(LookupError, match=r"no agent named 'Ghost'. Your agents: Planner, Writer"):
        asyncio.run(ctx.agent_history(["Planner", "Ghost"]))
