"""Agents in runs: the agent loop with tools, through the router, in a real worker."""

from __future__ import annotations

import pytest

from agents.models import Agent
from tests.workflows.conftest import edge, node, wait_for
from workflows.models import Run, RunEvent
from workflows.run_services import run_start
from workflows.services import workflow_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


def agent_graph() -> dict:
    return {"schema_version": 1, "nodes": [
        node("in", "input", name="q", type="text"),
        node("ag", "agent", agent="Mathematician", prompt="{{in}}"),
        node("out", "output", name="answer"),
    ], "edges": [edge("in", "ag"), edge("ag", "out")]}


def finished(run):
    return Run.objects.filter(pk=run.pk, status__in=["succeeded", "failed"]).first()


def test_an_agent_calls_its_tool_and_the_call_is_in_the_trace(celery_worker, owner):
    Agent.objects.create(owner=owner, name="Mathematician", role="computes", builtin_tools=["calculator"],
                         model='scripted:math?tool=calculator&args={"expression": "6*7"}')
    run = run_start(owner=owner, workflow=workflow_create(owner=owner, name="Math", graph=agent_graph()),
                    inputs={"q": "six times seven?"})
    done = wait_for(lambda: finished(run), timeout=90)
    assert done.status == "succeeded", done.error
    call = RunEvent.objects.get(run=run, type="node.tool_call")
    result = RunEvent.objects.get(run=run, type="node.tool_result")
    assert (call.node, call.data["tool"], call.data["arguments"]) == ("ag", "calculator", {"expression": "6*7"})
    assert result.data["error"] is None and "42" in str(result.data["result"])
    assert "42" in done.outputs["answer"]


def test_an_unknown_agent_fails_the_node_with_a_readable_reason(celery_worker, owner):
    run = run_start(owner=owner, workflow=workflow_create(owner=owner, name="Nobody", graph=agent_graph()),
                    inputs={"q": "hi"})
    done = wait_for(lambda: finished(run), timeout=90)
    assert done.status == "failed"
    failed = RunEvent.objects.get(run=run, type="node.failed", node="ag")
    assert "no agent named 'Mathematician'" in failed.data["error"]


def test_an_unreachable_provider_falls_back_to_the_next_model(celery_worker, owner):
    Agent.objects.create(owner=owner, name="Mathematician", model="ollama:llama3.2",
                         fallback_models=["scripted:fallback"])
    # No Ollama listens on this machine: the worker's call is refused and the fallback answers.
    run = run_start(owner=owner, workflow=workflow_create(owner=owner, name="Fallback", graph=agent_graph()),
                    inputs={"q": "hello"})
    done = wait_for(lambda: finished(run), timeout=90)
    assert done.status == "succeeded", done.error
    assert done.outputs["answer"] == "fallback: hello"
