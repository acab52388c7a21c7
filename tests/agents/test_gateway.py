"""Agents in runs: the agent loop with tools, through the router, in a real worker."""

from __future__ import annotations

import asyncio
import time

import pytest

from agents import gateway
from agents.llm.context_fit import ContextTooLong
from agents.models import Agent, ModelEntry
from tests.workflows.conftest import edge, node, wait_for
from workflows.models import Run, RunEvent
from workflows.runs.services import run_cancel, run_start
from workflows.services import workflow_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


def agent_graph() -> dict:
    return {
        "schema_version": 1,
        "nodes": [
            node("in", "input", name="q", type="text"),
            node("ag", "agent", agent="Mathematician", prompt="{{in}}"),
            node("out", "output", name="answer"),
        ],
        "edges": [edge("in", "ag"), edge("ag", "out")],
    }


def finished(run):
    return Run.objects.filter(pk=run.pk, status__in=["succeeded", "failed"]).first()


def test_an_agent_calls_its_tool_and_the_call_is_in_the_trace(celery_worker, owner):
    Agent.objects.create(
        owner=owner,
        name="Mathematician",
        role="computes",
        builtin_tools=["calculator"],
        model='scripted:math?tool=calculator&args={"expression": "6*7"}',
    )
    run = run_start(
        owner=owner,
        workflow=workflow_create(owner=owner, name="Math", graph=agent_graph()),
        inputs={"q": "six times seven?"},
    )
    done = wait_for(lambda: finished(run), timeout=90)
    assert done.status == "succeeded", done.error
    call = RunEvent.objects.get(run=run, type="node.tool_call")
    result = RunEvent.objects.get(run=run, type="node.tool_result")
    assert (call.node, call.data["tool"], call.data["arguments"]) == (
        "ag",
        "calculator",
        {"expression": "6*7"},
    )
    assert result.data["error"] is None and "42" in str(result.data["result"])
    assert "42" in done.outputs["answer"]


def test_an_unknown_agent_fails_the_node_with_a_readable_reason(celery_worker, owner):
    run = run_start(
        owner=owner,
        workflow=workflow_create(owner=owner, name="Nobody", graph=agent_graph()),
        inputs={"q": "hi"},
    )
    done = wait_for(lambda: finished(run), timeout=90)
    assert done.status == "failed"
    failed = RunEvent.objects.get(run=run, type="node.failed", node="ag")
    assert "no agent named 'Mathematician'" in failed.data["error"]


def test_an_unreachable_provider_falls_back_to_the_next_model(celery_worker, owner):
    Agent.objects.create(
        owner=owner,
        name="Mathematician",
        model="ollama:llama3.2",
        fallback_models=["scripted:fallback"],
    )
    # No Ollama listens on this machine: the worker's call is refused and the fallback answers.
    run = run_start(
        owner=owner,
        workflow=workflow_create(owner=owner, name="Fallback", graph=agent_graph()),
        inputs={"q": "hello"},
    )
    done = wait_for(lambda: finished(run), timeout=90)
    assert done.status == "succeeded", done.error
    assert done.outputs["answer"] == "fallback: hello"


def settled(run):
    return Run.objects.filter(pk=run.pk, status__in=["succeeded", "failed", "cancelled"]).first()


def test_cancelling_stops_an_agent_before_its_next_tool_call(celery_worker, owner):
    # Turn 1 thinks for 1.5 s, then asks for the calculator; turn 2 would answer after 1.5 s more.
    Agent.objects.create(
        owner=owner,
        name="Mathematician",
        builtin_tools=["calculator"],
        model='scripted:slow?delay=1.5&tool=calculator&args={"expression": "6*7"}',
    )
    run = run_start(
        owner=owner,
        workflow=workflow_create(owner=owner, name="Cancel me", graph=agent_graph()),
        inputs={"q": "six times seven?"},
    )
    wait_for(
        lambda: RunEvent.objects.filter(run=run, type="node.started", node="ag").exists(),
        timeout=90,
    )
    run_cancel(run=run)
    done = wait_for(lambda: settled(run), timeout=60)
    assert done.status == "cancelled"
    types = list(RunEvent.objects.filter(run=run, node="ag").values_list("type", flat=True))
    assert (
        "node.tool_call" not in types and "node.token" not in types
    )  # no tool ran, no second turn
    assert types[-1] == "node.failed"


def test_cancelling_stops_a_streaming_model_within_a_second(celery_worker, owner):
    # 4 s of thinking, then 40 deltas 0.1 s apart: cancel once the stream has begun.
    graph = {
        "schema_version": 1,
        "nodes": [
            node("in", "input", name="q", type="text"),
            node("llm", "llm", model="scripted:talker?delay=4&chunks=40"),
            node("out", "output", name="answer"),
        ],
        "edges": [edge("in", "llm"), edge("llm", "out")],
    }
    run = run_start(
        owner=owner,
        workflow=workflow_create(owner=owner, name="Stream", graph=graph),
        inputs={"q": "a long story " * 10},
    )
    wait_for(
        lambda: RunEvent.objects.filter(run=run, type="node.token").exists(),
        timeout=90,
        interval=0.02,
    )
    cancelled_at = time.monotonic()
    run_cancel(run=run)
    done = wait_for(lambda: settled(run), timeout=60, interval=0.02)
    waited = time.monotonic() - cancelled_at
    assert done.status == "cancelled"
    assert waited < 2.5, (
        f"the stream went on for {waited:.1f} s after the cancel (it had ~4 s left)"
    )


def call_tiny(owner, messages: list[dict]) -> tuple[str, list[str]]:
    tokens: list[str] = []

    async def on_token(text: str) -> None:
        tokens.append(text)

    result = asyncio.run(
        gateway.model_call(
            owner_id=owner.id,
            model_ref="scripted:tiny",
            messages=messages,
            tools=None,
            params={"max_tokens": 20},
            fallback=None,
            on_token=on_token,
        )
    )
    return result.text, tokens


def test_a_conversation_longer_than_the_registered_context_is_trimmed_and_noted(owner):
    ModelEntry.objects.create(provider="scripted", name="tiny", tier="local", context_length=120)
    old = "words " * 150  # ~300 estimated tokens: cannot stay
    text, tokens = call_tiny(
        owner,
        [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": old},
            {"role": "assistant", "content": old},
            {"role": "user", "content": "latest question"},
        ],
    )
    assert text == "tiny: latest question"
    assert tokens[0].startswith("[context trimmed: dropped the 2 oldest message(s)")
    assert "the 120-token context of scripted:tiny" in tokens[0]


def test_a_latest_message_that_alone_overflows_the_context_fails_with_the_reason(owner):
    ModelEntry.objects.create(provider="scripted", name="tiny", tier="local", context_length=120)
    with pytest.raises(ContextTooLong, match="scripted:tiny holds 120"):
        call_tiny(owner, [{"role": "user", "content": "words " * 400}])
