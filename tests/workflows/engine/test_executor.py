"""Dataflow scheduling: readiness, real concurrency, joins and skipping."""

from __future__ import annotations

import pytest

from tests.workflows.engine.builders import edge, graph, io_chain, llm, node, with_policy
from workflows.engine.context import NodeRecord
from workflows.engine.executor import execute
from workflows.engine.testing import ScriptedContext

pytestmark = pytest.mark.asyncio


def fan(branches: list[str], join_config: dict | None = None) -> dict:
    """input -> each branch llm -> join -> output."""
    nodes = [
        node("in", "input"),
        node("j", "join", **(join_config or {})),
        node("out", "output", name="result"),
    ]
    edges = []
    for name in branches:
        nodes.append(llm(name))
        edges.append(edge("in", name))
    edges += [edge(name, "j") for name in branches]
    edges.append(edge("j", "out"))
    return graph(nodes, edges)


def overlaps(a, b) -> bool:
    return a.started < b.finished and b.started < a.finished


async def test_a_chain_runs_in_order_and_returns_the_output():
    ctx = ScriptedContext(replies={"a": "A", "b": "B"})
    result = await execute(io_chain(llm("a"), llm("b")), ctx, {"input": "hi"})
    assert result.status == "succeeded"
    assert result.outputs == {"result": "B"}
    assert [c.node for c in ctx.calls] == ["a", "b"]
    assert "A" in ctx.calls[1].payload  # b received a's output


async def test_independent_branches_overlap_in_time():
    ctx = ScriptedContext(delays={"a": 0.05, "b": 0.05, "c": 0.05})
    result = await execute(fan(["a", "b", "c"]), ctx, {"input": "x"})
    assert result.status == "succeeded"
    a, b, c = (ctx.calls_for(n)[0] for n in "abc")
    assert overlaps(a, b) and overlaps(b, c) and overlaps(a, c)


async def test_concurrency_is_bounded_per_run():
    ctx = ScriptedContext(default_delay=0.02)
    result = await execute(fan(["a", "b", "c", "d"]), ctx, {"input": "x"}, max_concurrency=1)
    assert result.status == "succeeded"
    calls = sorted(ctx.calls, key=lambda c: c.started)
    assert all(x.finished <= y.started for x, y in zip(calls, calls[1:], strict=False))


async def test_join_orders_results_by_declared_branch_not_by_finish_time():
    ctx = ScriptedContext(
        replies={"a": "first", "b": "second", "c": "third"}, delays={"a": 0.06, "b": 0.0, "c": 0.03}
    )
    result = await execute(fan(["a", "b", "c"]), ctx, {"input": "x"})
    assert result.outputs["result"] == ["first", "second", "third"]
    finished = sorted("abc", key=lambda n: ctx.calls_for(n)[0].finished)
    assert finished == ["b", "c", "a"]


async def test_join_order_follows_edge_order_in_the_document():
    doc = fan(["a", "b"])
    doc["edges"] = [e for e in doc["edges"] if e["target"] != "j"] + [
        edge("b", "j"),
        edge("a", "j"),
    ]
    result = await execute(doc, ScriptedContext(replies={"a": "A", "b": "B"}), {"input": 1})
    assert result.outputs["result"] == ["B", "A"]


async def test_join_all_fails_when_a_branch_fails():
    ctx = ScriptedContext(replies={"b": RuntimeError("model down")})
    result = await execute(fan(["a", "b"]), ctx, {"input": 1})
    assert result.status == "failed"
    assert "model down" in result.error
    assert ctx.committed["j"].status == "failed"


async def test_join_any_succeeds_with_one_successful_branch_and_records_the_failure():
    ctx = ScriptedContext(replies={"a": RuntimeError("boom"), "b": "B"})
    doc = fan(["a", "b"], {"policy": "any"})
    doc["nodes"].append(node("res", "output", name="results"))
    doc["edges"].append(edge("j", "res", "results"))
    result = await execute(doc, ctx, {"input": 1})
    assert result.status == "succeeded"
    assert result.outputs["result"] == ["B"]
    statuses = [(r["source"], r["status"]) for r in result.outputs["results"]]
    assert statuses == [("a", "failed"), ("b", "succeeded")]
    assert result.outputs["results"][0]["error"] == "boom"


async def test_join_quorum_needs_k_successful_branches():
    fail_one = {"a": RuntimeError("x")}
    ok = await execute(
        fan(["a", "b", "c"], {"policy": "quorum", "quorum": 2}),
        ScriptedContext(replies=fail_one),
        {"input": 1},
    )
    assert ok.status == "succeeded" and ok.outputs["result"] == ["b: ok", "c: ok"]
    fail_two = ScriptedContext(replies={"a": RuntimeError("x"), "b": RuntimeError("y")})
    bad = await execute(
        fan(["a", "b", "c"], {"policy": "quorum", "quorum": 2}), fail_two, {"input": 1}
    )
    assert bad.status == "failed"
    assert bad.error == "Node a failed: x"  # the first failed branch, not the join
    assert "needed 2" in (fail_two.committed["j"].error or "")


def if_else(expression: str) -> dict:
    nodes = [
        node("in", "input"),
        node("cond", "condition", expression=expression),
        llm("yes"),
        llm("no"),
        llm("after_yes"),
        node("j", "join"),
        node("out", "output", name="result"),
    ]
    edges = [
        edge("in", "cond"),
        edge("cond", "yes", "true"),
        edge("cond", "no", "false"),
        edge("yes", "after_yes"),
        edge("after_yes", "j"),
        edge("no", "j"),
        edge("j", "out", "first"),
    ]
    return graph(nodes, edges)


async def test_condition_skips_the_untaken_branch_and_the_join_merges_the_taken_one():
    ctx = ScriptedContext()
    result = await execute(if_else("value > 3"), ctx, {"input": 5})
    assert result.status == "succeeded"
    assert result.outputs["result"] == "after_yes: ok"
    assert {e["node"] for e in ctx.events_of("node.skipped")} == {"no"}
    assert [c.node for c in ctx.calls] == ["yes", "after_yes"]


async def test_skipping_propagates_down_a_chain_to_the_join():
    ctx = ScriptedContext()
    result = await execute(if_else("value > 3"), ctx, {"input": 1})
    assert result.outputs["result"] == "no: ok"
    assert [e["node"] for e in ctx.events_of("node.skipped")] == ["yes", "after_yes"]
    assert ctx.committed["after_yes"].status == "skipped"


async def test_a_join_whose_branches_were_all_skipped_is_skipped_too():
    nodes = [
        node("in", "input"),
        node("cond", "condition", expression="False"),
        llm("a"),
        llm("b"),
        node("j", "join"),
        node("out", "output"),
    ]
    edges = [
        edge("in", "cond"),
        edge("cond", "a", "true"),
        edge("cond", "b", "true"),
        edge("a", "j"),
        edge("b", "j"),
        edge("j", "out"),
    ]
    ctx = ScriptedContext()
    result = await execute(graph(nodes, edges), ctx, {"input": 1})
    assert result.status == "succeeded" and result.outputs == {}
    assert [e["node"] for e in ctx.events_of("node.skipped")] == ["a", "b", "j", "out"]


async def test_a_failure_that_reaches_an_output_fails_the_run_with_the_origin():
    ctx = ScriptedContext(replies={"a": RuntimeError("quota")})
    result = await execute(io_chain(llm("a"), llm("b")), ctx, {"input": 1})
    assert result.status == "failed"
    assert result.error == "Node a failed: quota"
    assert ctx.committed["b"].status == "skipped"
    assert ctx.committed["b"].skip_reason == "Upstream node a failed."
    assert ctx.types()[-1] == "run.failed"


async def test_every_settled_node_is_committed_before_its_successor_starts():
    order: list[str] = []

    class Recording(ScriptedContext):
        async def emit(self, type, node, data):
            if type == "node.started":
                order.append(f"start {node}")
            await super().emit(type, node, data)

        async def node_committed(self, node_id: str, record: NodeRecord) -> None:
            order.append(f"commit {node_id}")
            await super().node_committed(node_id, record)

    await execute(io_chain(llm("a")), Recording(), {"input": 1})
    assert order == ["start in", "commit in", "start a", "commit a", "start out", "commit out"]


async def test_an_invalid_graph_is_not_run():
    ctx = ScriptedContext()
    result = await execute(graph([node("x", "nope")], []), ctx, {})
    assert result.status == "failed"
    assert [p.code for p in result.problems] == ["unknown_kind", "no_input"]
    assert ctx.calls == [] and ctx.types() == ["run.failed"]


async def test_a_node_waiting_for_a_slot_is_not_reported_as_started():
    ctx = ScriptedContext(default_delay=0.01)
    await execute(fan(["a", "b", "c"]), ctx, {"input": "x"}, max_concurrency=1)
    lifecycle = [
        (e["type"], e["node"])
        for e in ctx.events
        if e["type"] in ("node.started", "node.finished") and e["node"] in "abc"
    ]
    assert lifecycle == [
        ("node.started", "a"),
        ("node.finished", "a"),
        ("node.started", "b"),
        ("node.finished", "b"),
        ("node.started", "c"),
        ("node.finished", "c"),
    ]


async def test_a_node_sleeping_before_a_retry_lets_others_run():
    doc = fan(["a", "b"])
    doc["nodes"] = [
        with_policy(n, retry={"count": 1, "backoff_s": 0.05}) if n["id"] == "a" else n
        for n in doc["nodes"]
    ]
    ctx = ScriptedContext(replies={"a": [RuntimeError("x"), "ok"]})
    result = await execute(doc, ctx, {"input": 1}, max_concurrency=1)
    assert result.status == "succeeded"
    first_a, second_a = ctx.calls_for("a")
    b = ctx.calls_for("b")[0]
    assert first_a.finished <= b.started <= second_a.started


async def test_a_failing_run_stops_and_reports_its_other_in_flight_nodes():
    ctx = ScriptedContext(replies={"a": RuntimeError("x")}, delays={"a": 0.01, "b": 5.0})
    doc = graph(
        [
            node("in", "input"),
            llm("a"),
            llm("b"),
            node("o1", "output", name="a"),
            node("o2", "output", name="b"),
        ],
        [edge("in", "a"), edge("in", "b"), edge("a", "o1"), edge("b", "o2")],
    )
    result = await execute(doc, ctx, {"input": 1})
    assert result.status == "failed"
    assert ctx.events_of("node.failed")[-1]["node"] == "b"
    assert ctx.events_of("node.failed")[-1]["data"] == {
        "error": "Stopped because the run failed elsewhere.",
        "stopped": True,  # did not fail itself: shown as cancelled
    }


async def test_a_failed_branch_is_blamed_by_its_label_not_the_join_after_it():
    doc = fan(["a", "b"])
    for spec in doc["nodes"]:
        spec["label"] = {"a": "Researcher A", "b": "Researcher B", "j": "Merge notes"}.get(
            spec["id"], ""
        )
    doc["nodes"].append({**llm("w"), "label": "Writer"})
    doc["edges"] = [e for e in doc["edges"] if e["source"] != "j"] + [
        edge("j", "w"),
        edge("w", "out"),
    ]
    ctx = ScriptedContext(replies={"b": RuntimeError("model down")})
    result = await execute(doc, ctx, {"input": 1})
    assert result.error == 'Node "Researcher B" failed: model down'
    assert ctx.committed["w"].skip_reason == 'Upstream node "Researcher B" failed.'
    assert '"Researcher B" (model down)' in (ctx.committed["j"].error or "")


async def test_a_join_names_the_node_that_really_failed_up_a_branch_not_the_skipped_one():
    nodes = [
        node("in", "input"),
        {**llm("a"), "label": "Drafter"},
        {**llm("c"), "label": "Polisher"},
        llm("b"),
        node("j", "join"),
        node("out", "output", name="result"),
    ]
    edges = [edge("in", "a"), edge("a", "c"), edge("in", "b"), edge("c", "j"), edge("b", "j")]
    ctx = ScriptedContext(replies={"a": RuntimeError("quota")})
    result = await execute(graph(nodes, [*edges, edge("j", "out")]), ctx, {"input": 1})
    assert ctx.committed["c"].status == "skipped"
    assert '"Drafter" (quota)' in (ctx.committed["j"].error or "")
    assert "Polisher" not in (ctx.committed["j"].error or "")
    assert result.error == 'Node "Drafter" failed: quota'


async def test_a_join_after_a_condition_passes_on_the_chosen_value_not_a_list():
    doc = if_else("value > 1")
    doc["edges"] = [e for e in doc["edges"] if e["source"] != "j"] + [edge("j", "out")]
    result = await execute(doc, ScriptedContext(), {"input": 5})
    assert result.status == "succeeded"
    assert isinstance(result.outputs["result"], str)  # the branch's text, not ["..."]


async def test_a_join_of_parallel_branches_still_gives_a_list_when_one_was_skipped():
    nodes = [
        node("in", "input"),
        node("cond", "condition", expression="value > 1"),
        llm("a"),
        llm("b"),
        node("j", "join"),
        node("out", "output", name="result"),
    ]
    edges = [
        edge("in", "cond"),
        edge("in", "b"),
        edge("cond", "a", "false"),
        edge("a", "j"),
        edge("b", "j"),
        edge("j", "out"),
    ]
    result = await execute(graph(nodes, edges), ScriptedContext(), {"input": 5})
    assert isinstance(result.outputs["result"], list) and len(result.outputs["result"]) == 1
