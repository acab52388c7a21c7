"""Runs executed by a real Celery worker process, on the configured database and Redis."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.workflows.conftest import edge, node, parallel_graph, wait_for
from workflows.models import NodeRun, Run, RunEvent
from workflows.runs.selectors import run_snapshot
from workflows.runs.snapshot import snapshot_apply
from workflows.services import workflow_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


def api_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def finished(run_id):
    run = Run.objects.get(pk=run_id)
    return run if run.status in ("succeeded", "failed", "cancelled", "paused") else None


def test_parallel_branches_run_at_the_same_time_in_the_worker(celery_worker, owner):
    workflow = workflow_create(owner=owner, name="Parallel", graph=parallel_graph(delay=0.8))
    response = api_for(owner).post(
        "/api/runs/", {"workflow": workflow.id, "inputs": {"question": "why?"}}, format="json"
    )
    assert response.status_code == 201, response.content
    run = wait_for(lambda: finished(response.json()["id"]), timeout=90)
    assert run.status == "succeeded", run.error
    assert run.outputs["answer"] == ["alpha: A: why?", "beta: B: why?"]
    a, b = (NodeRun.objects.get(run=run, node_id=n) for n in ("a", "b"))
    assert a.started_at < b.finished_at and b.started_at < a.finished_at, "branches did not overlap"


def slow_graph(delay: float) -> dict:
    return {
        "schema_version": 1,
        "nodes": [
            node("in", "input", name="q", type="any"),
            node("slow", "llm", model=f"scripted:slow?delay={delay}&chunks=1", prompt="{{in}}"),
            node("out", "output", name="answer"),
        ],
        "edges": [edge("in", "slow"), edge("slow", "out")],
    }


def test_one_worker_process_executes_several_runs_at_once(celery_worker, owner):
    from workflows.runs.services import run_start

    workflow = workflow_create(owner=owner, name="Pool", graph=slow_graph(delay=1.5))
    runs = [run_start(owner=owner, workflow=workflow, inputs={"q": i}) for i in range(3)]
    for run in runs:
        done = wait_for(lambda run=run: finished(run.id), timeout=90)
        assert done.status == "succeeded", done.error
    slow = [NodeRun.objects.get(run=run, node_id="slow") for run in runs]
    assert max(n.started_at for n in slow) < min(n.finished_at for n in slow), "runs queued"
    assert celery_worker.process is not None and celery_worker.process.poll() is None


def test_events_are_gap_free_and_replay_to_the_snapshot(celery_worker, owner):
    workflow = workflow_create(owner=owner, name="Trace", graph=parallel_graph(delay=0.2))
    run_id = (
        api_for(owner)
        .post("/api/runs/", {"workflow": workflow.id, "inputs": {"question": "q"}}, format="json")
        .json()["id"]
    )
    run = wait_for(lambda: finished(run_id), timeout=90)
    seqs = list(RunEvent.objects.filter(run=run).values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert run.last_seq == len(seqs)
    types = set(RunEvent.objects.filter(run=run).values_list("type", flat=True))
    assert {"run.started", "node.started", "node.token", "node.finished", "run.finished"} <= types
    full = run_snapshot(run.id)
    assert full["run"]["status"] == "succeeded"
    assert full["nodes"]["a"]["text"] == "alpha: A: q"
    from workflows.runs.events import events_after

    for cut in range(0, len(seqs) + 1):
        assert snapshot_apply(run_snapshot(run.id, at=cut), events_after(run.id, cut)) == full


def test_a_missing_required_input_is_refused_naming_it(owner):
    workflow = workflow_create(owner=owner, name="Needs input", graph=parallel_graph())
    response = api_for(owner).post(
        "/api/runs/", {"workflow": workflow.id, "inputs": {}}, format="json"
    )
    assert response.status_code == 400
    assert "inputs.question" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("budgets", "field", "message"),
    [
        (
            {"max_tokens": "lots"},
            "budgets.max_tokens",
            "Must be a positive whole number or null (the server's default).",
        ),
        ({"max_steps": 2.5}, "budgets.max_steps", "Must be a positive whole number"),
        ({"max_cost": True}, "budgets.max_cost", "Must be a positive number or null"),
        ({"max_wall_s": 0}, "budgets.max_wall_s", "Must be a positive number or null"),
        ({"max_tokenz": 5}, "budgets", "Unknown budget(s): max_tokenz"),
    ],
)
def test_run_limits_are_checked_naming_the_limit(owner, budgets, field, message):
    workflow = workflow_create(owner=owner, name="Limited", graph=parallel_graph())
    response = api_for(owner).post(
        "/api/runs/",
        {"workflow": workflow.id, "inputs": {"question": "q"}, "budgets": budgets},
        format="json",
    )
    assert response.status_code == 400
    assert message in response.json()["error"]["fields"][field][0]


def test_a_token_limit_stops_the_run_with_the_reason(celery_worker, owner):
    workflow = workflow_create(owner=owner, name="Tight", graph=parallel_graph(delay=0.1))
    response = api_for(owner).post(
        "/api/runs/",
        {
            "workflow": workflow.id,
            "inputs": {"question": "q"},
            "budgets": {"max_tokens": 1, "max_cost": 0.5},
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["budgets"] == {"max_tokens": 1, "max_cost": 0.5}
    run = wait_for(lambda: finished(response.json()["id"]), timeout=90)
    assert run.status == "failed"
    exceeded = RunEvent.objects.filter(run=run, type="budget.exceeded").first()
    assert (
        exceeded is not None and exceeded.data["budget"] == "tokens" and exceeded.data["limit"] == 1
    )


def test_an_agent_repeating_the_same_tool_call_is_stopped_by_the_run_limit(celery_worker, owner):
    from agents.models import Agent

    Agent.objects.create(
        owner=owner,
        name="Stuck",
        builtin_tools=["calculator"],
        parameters={"max_steps": 6},
        model='scripted:stuck?tool=calculator&args={"expression":"2*3"}&repeat=1',
    )
    graph = {
        "schema_version": 1,
        "nodes": [
            node("in", "input", name="question"),
            node("agent", "agent", agent="Stuck", prompt="{{in}}"),
            node("out", "output", name="answer"),
        ],
        "edges": [edge("in", "agent"), edge("agent", "out")],
    }
    workflow = workflow_create(owner=owner, name="Loops", graph=graph)
    response = api_for(owner).post(
        "/api/runs/",
        {
            "workflow": workflow.id,
            "inputs": {"question": "q"},
            "budgets": {"max_repeated_tool_calls": 2},
        },
        format="json",
    )
    run = wait_for(lambda: finished(response.json()["id"]), timeout=90)
    assert run.status == "failed"
    exceeded = RunEvent.objects.get(run=run, type="budget.exceeded")
    assert (exceeded.node, exceeded.data["budget"], exceeded.data["limit"]) == (
        "agent",
        "repeated_tool_call",
        2,
    )
    results = RunEvent.objects.filter(run=run, type="node.tool_result", node="agent").order_by(
        "seq"
    )
    assert [e.data["error"] for e in results][:2] == [None, None]  # two ran …
    assert (
        "repeated_tool_call" in results[2].data["error"] and len(results) == 3
    )  # … the third was refused


def test_a_workflow_without_versions_cannot_run(owner):
    workflow = workflow_create(owner=owner, name="Empty")
    response = api_for(owner).post("/api/runs/", {"workflow": workflow.id}, format="json")
    assert response.status_code == 400
    assert "Save a version" in response.json()["error"]["fields"]["workflow"][0]


def test_another_users_run_is_invisible(owner, other):
    workflow = workflow_create(owner=owner, name="Mine", graph=parallel_graph())
    run_id = (
        api_for(owner)
        .post("/api/runs/", {"workflow": workflow.id, "inputs": {"question": "q"}}, format="json")
        .json()["id"]
    )
    assert api_for(other).get(f"/api/runs/{run_id}/").status_code == 404
    assert (
        api_for(other)
        .post("/api/runs/", {"workflow": workflow.id, "inputs": {"question": "q"}}, format="json")
        .status_code
        == 400
    )


def test_approval_pauses_the_run_and_a_decision_resumes_it(celery_worker, owner):
    graph = {
        "schema_version": 1,
        "nodes": [
            node("in", "input", name="draft", type="text"),
            node("ok", "approval", prompt="Publish {{in}}?"),
            node("yes", "output", name="published"),
            node("no", "output", name="rejected"),
        ],
        "edges": [edge("in", "ok"), edge("ok", "yes", "approved"), edge("ok", "no", "rejected")],
    }
    workflow = workflow_create(owner=owner, name="Review", graph=graph)
    client = api_for(owner)
    run_id = client.post(
        "/api/runs/", {"workflow": workflow.id, "inputs": {"draft": "post"}}, format="json"
    ).json()["id"]
    run = wait_for(lambda: finished(run_id), timeout=90)
    assert run.status == "paused"
    approvals = client.get("/api/approvals/?status=pending").json()["results"]
    assert [a["prompt"] for a in approvals] == ["Publish post?"]
    decided = client.post(
        f"/api/approvals/{approvals[0]['id']}/decide/",
        {"decision": "approve", "comment": "ship"},
        format="json",
    )
    assert decided.status_code == 200, decided.content
    again = client.post(
        f"/api/approvals/{approvals[0]['id']}/decide/", {"decision": "reject"}, format="json"
    )
    assert again.status_code == 400
    run = wait_for(lambda: (r := finished(run_id)) and r.status != "paused" and r, timeout=90)
    assert run.status == "succeeded", run.error
    assert run.outputs == {"published": "post"}


def test_cancel_stops_a_running_run(celery_worker, owner):
    workflow = workflow_create(owner=owner, name="Slow", graph=parallel_graph(delay=6))
    client = api_for(owner)
    run_id = client.post(
        "/api/runs/", {"workflow": workflow.id, "inputs": {"question": "q"}}, format="json"
    ).json()["id"]
    wait_for(lambda: Run.objects.filter(pk=run_id, status="running").exists(), timeout=60)
    assert client.post(f"/api/runs/{run_id}/cancel/").status_code == 202
    run = wait_for(lambda: finished(run_id), timeout=60)
    assert run.status == "cancelled"
    assert client.post(f"/api/runs/{run_id}/cancel/").status_code == 400
