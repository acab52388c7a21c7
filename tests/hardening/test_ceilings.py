"""Ceilings on everything a user controls: each is answered with a clear error, never a dead
worker."""

from __future__ import annotations

import asyncio
import json
import tracemalloc
from collections.abc import Iterator

import pytest
from rest_framework.exceptions import ValidationError
from rest_framework.test import APIClient

from axweb.body_limit import BodyLimit
from tests.workflows.conftest import celery_worker, edge, node, wait_for  # noqa: F401 (fixture)
from workflows import limits as django_limits
from workflows.engine import limits, validation
from workflows.engine.executor import execute
from workflows.engine.testing import ScriptedContext
from workflows.models import Run, RunEvent
from workflows.runs import services as run_services
from workflows.services import workflow_create, workflow_save_draft

HUGE_PRODUCTS = [
    '"a" * 10000000000',
    "[0] * 1000000000",
    '"a" * 1000000 * 1000000',
    "input * 10000000000",
    "[input] * 1000000000",
]


def api_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def engine_limits() -> Iterator[None]:
    saved = limits.current()
    yield
    limits.configure(**saved.__dict__)


def condition_graph(expression: str) -> dict:
    return {
        "schema_version": 1,
        "nodes": [
            node("in", "input"),
            node("cond", "condition", expression=expression),
            node("yes", "output", name="yes"),
            node("no", "output", name="no"),
        ],
        "edges": [
            edge("in", "cond"),
            edge("cond", "yes", source_port="true"),
            edge("cond", "no", source_port="false"),
        ],
    }


def finished(run_id):
    run = Run.objects.get(pk=run_id)
    return run if run.status in ("succeeded", "failed", "cancelled", "paused") else None


# -- expressions and templates (engine) ------------------------------------------------------


@pytest.mark.parametrize("expression", HUGE_PRODUCTS)
def test_a_huge_product_in_a_condition_fails_the_node_before_allocating_it(expression):
    tracemalloc.start()
    try:
        result = asyncio.run(
            execute(condition_graph(expression), ScriptedContext(), {"input": "abc"})
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.status == "failed"
    error = result.records["cond"].error or ""
    assert "at most" in error and "AXWEB_EXPR_MAX_" in error
    assert peak < 20_000_000  # nothing near the product's size was allocated


def test_an_expression_with_too_many_steps_fails_the_node(engine_limits):
    limits.configure(expression_max_steps=50)
    expression = " + ".join(["1"] * 60)
    result = asyncio.run(execute(condition_graph(expression), ScriptedContext(), {"input": 1}))
    assert "AXWEB_EXPR_MAX_STEPS" in (result.records["cond"].error or "")


def test_a_template_rendering_past_its_ceiling_fails_the_node(engine_limits):
    limits.configure(template_max_chars=1000)
    doc = {
        "schema_version": 1,
        "nodes": [
            node("in", "input"),
            node("l", "llm", model="scripted:x", prompt="{{in}} " * 50),
            node("out", "output"),
        ],
        "edges": [edge("in", "l"), edge("l", "out")],
    }
    result = asyncio.run(execute(doc, ScriptedContext(), {"input": "x" * 100}))
    assert "AXWEB_TEMPLATE_MAX_CHARS" in (result.records["l"].error or "")


def test_a_map_over_too_many_items_fails_the_node_naming_the_limit(engine_limits):
    limits.configure(map_max_items=3)
    body = {
        "schema_version": 1,
        "nodes": [node("i", "input", name="item"), node("o", "output", name="result")],
        "edges": [edge("i", "o")],
    }
    doc = {
        "schema_version": 1,
        "nodes": [node("in", "input"), node("m", "map", body=body), node("out", "output")],
        "edges": [edge("in", "m", target_port="items"), edge("m", "out")],
    }
    ok = asyncio.run(execute(doc, ScriptedContext(), {"input": [1, 2, 3]}))
    assert ok.status == "succeeded"
    result = asyncio.run(execute(doc, ScriptedContext(), {"input": [1, 2, 3, 4]}))
    error = result.records["m"].error or ""
    assert result.status == "failed" and "4 items" in error and "AXWEB_MAP_MAX_ITEMS" in error


# -- a real worker ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(180)
def test_a_huge_string_product_in_a_condition_fails_the_node_and_the_worker_lives(
    celery_worker,  # noqa: F811
    owner,
):
    workflow = workflow_create(owner=owner, name="Bomb", graph=condition_graph('"a" * 10000000000'))
    calm = workflow_create(owner=owner, name="Calm", graph=condition_graph('input == "abc"'))
    bomb_id = (
        api_for(owner)
        .post("/api/runs/", {"workflow": workflow.id, "inputs": {"input": "abc"}}, format="json")
        .json()["id"]
    )
    run = wait_for(lambda: finished(bomb_id), timeout=90)
    assert run.status == "failed"
    failed = RunEvent.objects.get(run=run, type="node.failed", node="cond")
    assert "AXWEB_EXPR_MAX_STRING" in failed.data["error"]
    assert celery_worker.process.poll() is None
    calm_id = (
        api_for(owner)
        .post("/api/runs/", {"workflow": calm.id, "inputs": {"input": "abc"}}, format="json")
        .json()["id"]
    )
    assert wait_for(lambda: finished(calm_id), timeout=90).status == "succeeded"


# -- request bodies ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_20_mb_json_body_is_refused_with_413(owner):
    body = json.dumps({"name": "big", "description": "x" * 20_000_000})
    response = api_for(owner).post("/api/workflows/", data=body, content_type="application/json")
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "too_large" and "AXWEB_MAX_JSON_BYTES" in error["message"]


@pytest.mark.django_db
def test_a_100k_deep_json_body_is_refused_with_400_naming_the_depth(owner):
    body = "[" * 100_000 + "]" * 100_000
    response = api_for(owner).post("/api/workflows/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "nested deeper than 100" in response.json()["error"]["message"]


@pytest.mark.django_db
def test_a_json_body_just_past_the_depth_limit_is_refused_too(owner):
    body = json.dumps({"name": "deep", "graph": json.loads("[" * 101 + "]" * 101)})
    response = api_for(owner).post("/api/workflows/", data=body, content_type="application/json")
    assert response.status_code == 400
    assert "nested deeper than 100" in response.json()["error"]["message"]


def asgi_post(chunks: list[bytes], headers: list[tuple[bytes, bytes]]) -> tuple[list[dict], int]:
    """Feed ``chunks`` through the guard to an app that reads the whole body; what was sent, and how
    many body bytes the app saw."""
    sent: list[dict] = []
    seen = 0

    async def app(scope, receive, send):
        nonlocal seen
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            seen += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    messages = iter(
        [
            {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
            for i, c in enumerate(chunks)
        ]
    )

    async def receive():
        return next(messages)

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/workflows/", "headers": headers}
    asyncio.run(BodyLimit(app, lambda: (1000, 5000))(scope, receive, send))
    return sent, seen


def test_a_chunked_json_body_without_a_length_is_cut_off_at_the_limit():
    sent, seen = asgi_post([b"x" * 400] * 10, [(b"content-type", b"application/json")])
    assert sent[0]["status"] == 413 and seen < 1000
    assert json.loads(sent[1]["body"])["error"]["code"] == "too_large"


def test_a_declared_length_over_the_limit_is_refused_before_reading():
    sent, seen = asgi_post(
        [b"{}"], [(b"content-type", b"application/json"), (b"content-length", b"2000")]
    )
    assert (sent[0]["status"], seen) == (413, 0)
    small, _ = asgi_post(
        [b"x" * 2000], [(b"content-type", b"text/plain")]
    )  # uploads: their own limit
    assert small[0]["status"] == 200


# -- graphs ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_graph_with_too_many_nodes_is_refused_naming_the_limit(owner):
    most = limits.current().graph_max_nodes
    nodes = [node("in", "input")] + [node(f"n{i}", "note", text="") for i in range(most)]
    response = api_for(owner).post(
        "/api/workflows/",
        {"name": "Huge", "graph": {"schema_version": 1, "nodes": nodes, "edges": []}},
        format="json",
    )
    assert response.status_code == 400
    problems = response.json()["error"]["problems"]
    assert (
        problems[0]["code"] == "too_many_nodes"
        and "AXWEB_GRAPH_MAX_NODES" in problems[0]["message"]
    )


def test_the_default_ceilings_take_a_graph_of_two_thousand_nodes_and_2500_edges(settings):
    """Issue 18: the canvas handles 2,000 nodes / 2,500 edges, so a graph that size is storable."""
    nodes = [node(f"n{i}", "note", text="") for i in range(2000)]
    edges = [edge(f"n{i % 2000}", f"n{(i * 7 + 1) % 2000}") for i in range(2500)]
    assert (settings.AXWEB_GRAPH_MAX_NODES, settings.AXWEB_GRAPH_MAX_EDGES) == (5000, 10000)
    assert validation.size_problems({"nodes": nodes, "edges": edges}) == []


def subflow_graph(target: str) -> dict:
    return {
        "schema_version": 1,
        "nodes": [
            node("in", "input"),
            node("call", "subflow", workflow=target),
            node("out", "output", name="result"),
        ],
        "edges": [edge("in", "call"), edge("call", "out")],
    }


@pytest.mark.django_db
@pytest.mark.parametrize("by", ["slug", "id"])
def test_a_subflow_calling_its_own_workflow_is_refused_at_save(owner, by):
    workflow = workflow_create(owner=owner, name="Loopy")
    target = workflow.slug if by == "slug" else str(workflow.pk)
    response = api_for(owner).post(
        f"/api/workflows/{workflow.pk}/versions/", {"graph": subflow_graph(target)}, format="json"
    )
    assert response.status_code == 400
    problem = response.json()["error"]["problems"][0]
    assert (problem["code"], problem["node"], problem["field"]) == (
        "subflow_self_call",
        "call",
        "config.workflow",
    )


@pytest.mark.django_db
def test_a_too_deep_draft_is_refused(owner):
    workflow = workflow_create(owner=owner, name="Drafty")
    deep: list = []
    for _ in range(150):
        deep = [deep]
    with pytest.raises(ValidationError, match="AXWEB_JSON_MAX_DEPTH"):
        workflow_save_draft(workflow=workflow, graph={"nodes": deep})


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(180)
def test_mutual_subflow_recursion_stops_at_the_depth_limit_naming_the_chain(owner):
    a = workflow_create(owner=owner, name="a", graph=subflow_graph("b"))
    workflow_create(owner=owner, name="b", graph=subflow_graph("a"))
    run = run_services.run_start(owner=owner, workflow=a, inputs={"input": "x"})
    assert asyncio.run(run_services.run_execute(run.id, "worker-a")) == "failed"
    run.refresh_from_db()
    assert "Subflow depth 8 reached: a → b → a → b → a → b → a → b → a" in run.error
    assert Run.objects.filter(parent__isnull=False).count() == 8


# -- runs ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_run_inputs_over_their_ceiling_are_refused_with_400(owner):
    workflow = workflow_create(owner=owner, name="Inputs", graph=condition_graph("true"))
    response = api_for(owner).post(
        "/api/runs/", {"workflow": workflow.id, "inputs": {"input": "x" * 2_000_000}}, format="json"
    )
    assert response.status_code == 400
    assert "inputs" in response.json()["error"]["fields"]


@pytest.mark.django_db
def test_a_run_limit_above_the_servers_ceiling_is_refused(owner):
    workflow = workflow_create(owner=owner, name="Greedy", graph=condition_graph("true"))
    response = api_for(owner).post(
        "/api/runs/",
        {"workflow": workflow.id, "inputs": {"input": 1}, "budgets": {"max_steps": 10**9}},
        format="json",
    )
    assert response.status_code == 400
    assert "AXWEB_RUN_MAX_STEPS" in response.json()["error"]["fields"]["budgets.max_steps"][0]


def test_a_run_with_no_limits_gets_the_server_defaults(settings):
    settings.AXWEB_RUN_MAX_STEPS, settings.AXWEB_RUN_MAX_TOKENS, settings.AXWEB_RUN_MAX_WALL_S = (
        7,
        9,
        11,
    )
    expected = {"max_steps": 7, "max_tokens": 9, "max_wall_s": 11}
    assert django_limits.budgets_effective({}) == expected
    assert django_limits.budgets_effective({"max_steps": None, "max_tokens": None}) == expected
    assert django_limits.budgets_effective({"max_steps": 3, "max_cost": 0.5}) == {
        **expected,
        "max_steps": 3,
        "max_cost": 0.5,
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_a_run_started_with_no_limits_stops_at_the_default_step_ceiling(owner, settings):
    settings.AXWEB_RUN_MAX_STEPS = 2
    graph = {
        "schema_version": 1,
        "nodes": [
            node("in", "input"),
            node("c1", "condition", expression="true"),
            node("c2", "condition", expression="true"),
            node("out", "output"),
        ],
        "edges": [
            edge("in", "c1"),
            edge("c1", "c2", source_port="true"),
            edge("c2", "out", source_port="true"),
        ],
    }
    workflow = workflow_create(owner=owner, name="Steps", graph=graph)
    run = run_services.run_start(owner=owner, workflow=workflow, inputs={"input": 1})
    assert asyncio.run(run_services.run_execute(run.id, "worker-a")) == "failed"
    exceeded = RunEvent.objects.get(run=run, type="budget.exceeded")
    assert (exceeded.data["budget"], exceeded.data["limit"]) == ("steps", 2)
