"""The adaptive router: picks a candidate agent from its history, routes to it, explains why."""

from __future__ import annotations

import pytest

from tests.workflows.engine.builders import edge, graph, node
from workflows.engine.adaptive import AgentStats
from workflows.engine.executor import execute
from workflows.engine.kinds.registry import catalog
from workflows.engine.testing import ScriptedContext
from workflows.engine.validation import validate

ROUTES = [{"name": "careful", "agent": "Careful"}, {"name": "quick", "agent": "Quick"}]
PROVEN = {
    "Careful": AgentStats(runs=20, successes=19, mean_latency_s=2.0, mean_cost=0.012),
    "Quick": AgentStats(runs=20, successes=10, mean_latency_s=1.0, mean_cost=0.01),
}


def adaptive(**config) -> dict:
    """input → adaptive router → one agent node per route → output per route."""
    router = node("r", "router", mode="adaptive", **{"routes": ROUTES, **config})
    names = [r["name"] for r in router["config"]["routes"]]
    agents = [
        node(f"ag_{n}", "agent", agent=r.get("agent") or n)
        for n, r in zip(names, router["config"]["routes"], strict=True)
    ]
    outs = [node(f"out_{n}", "output", name=n) for n in names]
    edges = [edge("in", "r")]
    for n in names:
        edges += [edge("r", f"ag_{n}", n), edge(f"ag_{n}", f"out_{n}")]
    return graph([node("in", "input"), router, *agents, *outs], edges)


async def run(doc: dict, ctx: ScriptedContext):
    return await execute(doc, ctx, {"input": "a hard question"}), ctx


@pytest.mark.asyncio
async def test_the_agent_with_the_better_record_gets_the_input_and_the_other_branch_is_skipped():
    result, ctx = await run(adaptive(), ScriptedContext(history=PROVEN))
    assert result.status == "succeeded", result.error
    assert result.outputs == {"careful": "ag_careful: ok"}
    assert [c.target for c in ctx.calls if c.kind == "agent"] == ["Careful"]
    assert {e["node"] for e in ctx.events_of("node.skipped")} == {"ag_quick", "out_quick"}


@pytest.mark.asyncio
async def test_the_choice_and_every_candidates_figures_are_in_the_trace():
    _, ctx = await run(adaptive(), ScriptedContext(history=PROVEN))
    text = "".join(e["data"]["text"] for e in ctx.events_of("node.token") if e["node"] == "r")
    assert text.startswith("chose Careful: success 19/20")
    assert "Quick: success 10/20" in text
    choice = ctx.committed["r"].outputs["choice"]
    assert (choice["route"], choice["agent"], choice["explored"]) == ("careful", "Careful", False)
    rows = {row["agent"]: row for row in choice["candidates"]}
    assert rows["Quick"]["runs"] == 20 and rows["Quick"]["mean_latency_s"] == 1.0
    assert rows["Careful"]["score"] > rows["Quick"]["score"]
    finished = next(e for e in ctx.events_of("node.finished") if e["node"] == "r")
    assert finished["data"]["output"]["choice"] == choice


@pytest.mark.asyncio
async def test_weights_can_make_speed_and_cost_win_over_reliability():
    result, _ = await run(
        adaptive(weight_success=0.1, weight_latency=0.6, weight_cost=0.3),
        ScriptedContext(history=PROVEN),
    )
    assert list(result.outputs) == ["quick"]


@pytest.mark.asyncio
async def test_a_candidate_with_too_little_history_is_explored_first_and_the_trace_says_so():
    history = {**PROVEN, "Quick": AgentStats(runs=1, successes=1, mean_latency_s=1.0)}
    result, ctx = await run(adaptive(min_runs=3), ScriptedContext(history=history))
    assert list(result.outputs) == ["quick"]
    choice = ctx.committed["r"].outputs["choice"]
    assert choice["explored"] is True and all(row["score"] is None for row in choice["candidates"])
    assert "to explore: only 1 recorded run(s), fewer than 3" in choice["reason"]


@pytest.mark.asyncio
async def test_a_route_without_an_agent_stands_for_the_agent_named_like_the_route():
    doc = adaptive(routes=[{"name": "Careful"}, {"name": "Quick"}])
    result, ctx = await run(doc, ScriptedContext(history=PROVEN))
    assert list(result.outputs) == ["Careful"]


@pytest.mark.asyncio
async def test_an_unknown_candidate_agent_fails_the_node_with_a_readable_reason():
    result, ctx = await run(adaptive(), ScriptedContext(history=PROVEN, agents={"Careful"}))
    assert result.status == "failed"
    failed = next(e for e in ctx.events_of("node.failed") if e["node"] == "r")
    assert "There is no agent named 'Quick'" in failed["data"]["error"]
    assert not [c for c in ctx.calls if c.kind == "agent"]


def problems_of(**config) -> list[tuple[str | None, str]]:
    return [(p.field, p.message) for p in validate(adaptive(**config)) if p.node == "r"]


def test_an_adaptive_router_without_candidates_is_refused():
    doc = adaptive()
    doc["nodes"][1]["config"]["routes"] = []
    found = [p for p in validate(doc) if p.node == "r"]
    assert found and found[0].field == "config.routes"


def test_a_candidate_listed_twice_is_refused_naming_the_agent():
    found = problems_of(
        routes=[{"name": "a", "agent": "Careful"}, {"name": "b", "agent": "Careful"}]
    )
    assert ("config.routes[1].agent", 'Node r: the agent "Careful" is a candidate twice.') in found


def test_choice_is_a_reserved_route_name_in_adaptive_mode_and_weights_cannot_all_be_zero():
    found = problems_of(
        routes=[{"name": "choice", "agent": "Careful"}],
        weight_success=0,
        weight_latency=0,
        weight_cost=0,
    )
    fields = [f for f, _ in found]
    assert "config.routes[0].name" in fields and "config.weight_success" in fields


def test_a_valid_adaptive_router_has_no_problems():
    assert validate(adaptive()) == []


def test_the_node_kind_schema_offers_the_adaptive_mode_and_an_agent_picker_per_route():
    schema = next(e for e in catalog() if e["kind"] == "router")["config_schema"]
    assert "adaptive" in schema["properties"]["mode"]["enum"]
    route = schema["$defs"]["Route"]["properties"]
    assert route["agent"]["format"] == "agent"
    assert {"min_runs", "weight_success", "weight_latency", "weight_cost"} <= set(
        schema["properties"]
    )
