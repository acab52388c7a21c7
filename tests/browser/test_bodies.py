"""Loop and map bodies drawn on the canvas and watched per iteration; a subflow node's child
run; typed forms (a tool's arguments from its schema), in Chromium against a live worker."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.canvas import centre, connect, draft, drop, new_workflow, select_node, wait_saved
from tests.browser.conftest import make_agent, shot
from tests.browser.test_build_and_run import choose_agent, save_version, start_run
from tests.browser.test_runs import edge, start, workflow_with

pytestmark = pytest.mark.browser

STATUS = ".editor-bar [data-testid=status-badge]"


def node(node_id: str, kind: str, x: int, y: int = 100, **config: Any) -> dict[str, Any]:
    return {
        "id": node_id,
        "kind": kind,
        "label": node_id.title(),
        "position": {"x": x, "y": y},
        "config": config,
    }


def body(*inner: tuple[str, str, dict[str, Any]], first: str, last: str) -> dict[str, Any]:
    """A body graph: input `first` → the inner nodes in a chain → output `last`."""
    nodes = [node("bin", "input", 0, name=first)]
    nodes += [node(i, k, 260 * (n + 1), **c) for n, (i, k, c) in enumerate(inner)]
    nodes.append(node("bout", "output", 260 * (len(inner) + 1), name=last))
    chain = [n["id"] for n in nodes]
    return {
        "schema_version": 1,
        "nodes": nodes,
        "edges": [edge(a, b) for a, b in zip(chain, chain[1:], strict=False)],
    }


def open_body(page: Page, node_id: str) -> None:
    page.get_by_test_id(f"node-{node_id}").locator(".head").dblclick()
    expect(page.get_by_test_id("body-nav")).to_be_visible()


def delete_only_edge(page: Page, source: str, target: str) -> None:
    """Click the middle of a straight edge (its <g> has no height to click), press Delete."""
    (x1, y1), (x2, y2) = (
        centre(page, f"handle-{source}-out-out"),
        centre(page, f"handle-{target}-in-in"),
    )
    page.mouse.click((x1 + x2) / 2, (y1 + y2) / 2)
    page.keyboard.press("Delete")
    expect(page.locator(".react-flow__edge")).to_have_count(0)


def test_a_loop_whose_body_has_two_nodes_is_built_on_the_canvas_and_runs(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    make_agent(api, "alpha", delay=0.1, chunks=2)
    make_agent(api, "beta", delay=0.1, chunks=2)
    workflow_id = new_workflow(page, "Refine twice")
    ids = {
        "input": drop(page, "input", 30, 250),
        "loop": drop(page, "loop", 280, 250),
        "output": drop(page, "output", 560, 250),
    }
    connect(page, ids["input"], "out", ids["loop"], "in")
    connect(page, ids["loop"], "out", ids["output"], "in")
    select_node(page, ids["loop"])
    page.get_by_test_id("prop-config-max_iterations").fill("2")
    expect(page.get_by_test_id(f"node-{ids['loop']}")).to_contain_text("body · 2 nodes")

    open_body(page, ids["loop"])
    expect(page.get_by_test_id("body-nav-current")).to_have_text("Loop")
    expect(page.get_by_test_id("body-nav")).to_contain_text("“state”")
    expect(page.locator(".react-flow__node")).to_have_count(2)  # the body's state input and output
    delete_only_edge(page, "n1", "n2")
    a, b = drop(page, "agent", 200, 110), drop(page, "agent", 300, 560)
    choose_agent(page, a, "alpha")
    choose_agent(page, b, "beta")
    connect(page, "n1", "out", a, "in")
    connect(page, a, "out", b, "in")
    connect(page, b, "out", "n2", "in")
    shot(page, "bodies-01-loop-body-drawn")

    page.get_by_test_id("body-nav-root").click()
    expect(page.get_by_test_id("body-nav")).to_have_count(0)
    expect(page.get_by_test_id(f"node-{ids['loop']}")).to_contain_text("body · 4 nodes")
    wait_saved(page)
    loop = next(n for n in draft(api, workflow_id)["nodes"] if n["id"] == ids["loop"])
    assert [n["kind"] for n in loop["config"]["body"]["nodes"]] == [
        "input",
        "output",
        "agent",
        "agent",
    ]
    assert len(loop["config"]["body"]["edges"]) == 3

    save_version(page, "a loop with two agents")
    start_run(page, "input", "a haiku")
    expect(page.locator(STATUS)).to_have_text("succeeded", timeout=30_000)
    expect(page.get_by_test_id("run-outputs")).to_contain_text("beta")
    page.get_by_test_id(f"node-{ids['loop']}").locator(".head").click()
    expect(page.get_by_test_id("iterations").locator("button")).to_have_count(2)
    page.get_by_test_id("iteration-1").click()
    expect(page.get_by_test_id("iteration-pick-0")).to_have_value("1")
    expect(page.get_by_test_id(f"node-status-{b}")).to_contain_text("succeeded")
    expect(page.get_by_test_id(f"gantt-group-{ids['loop']}[1]")).to_be_visible()
    shot(page, "bodies-02-loop-run-iteration-1")


def test_a_map_over_three_items_shows_three_iterations_in_the_run_view(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    make_agent(api, "alpha", delay=0.1, chunks=2)
    each = body(("w", "agent", {"agent": "alpha"}), first="item", last="result")
    workflow_id = workflow_with(
        api,
        "Each topic",
        [
            node("in", "input", 0, name="topics", type="list", required=True),
            node("m", "map", 300, body=each, max_concurrency=2),
            node("out", "output", 600, name="answers"),
        ],
        [edge("in", "m") | {"target_port": "items"}, edge("m", "out")],
    )
    page.goto(f"/workflows/{workflow_id}")
    page.get_by_test_id("run-button").click()
    for i, topic in enumerate(["owls", "tides", "rust"]):  # a list input is rows, not JSON
        page.get_by_test_id("run-input-topics-add").click()
        page.get_by_test_id(f"run-input-topics-{i}").fill(topic)
    shot(page, "bodies-03-run-form-list-rows")
    page.get_by_test_id("run-submit").click()
    page.wait_for_url("**/runs/*")
    expect(page.locator(STATUS)).to_have_text("succeeded", timeout=30_000)
    expect(page.get_by_test_id("node-m")).to_contain_text("3 items")

    page.get_by_test_id("node-m").locator(".head").click()
    rows = page.get_by_test_id("iterations").locator("button")
    expect(rows).to_have_count(3)
    expect(rows.nth(2)).to_contain_text("succeeded")
    for i in range(3):
        expect(page.get_by_test_id(f"gantt-group-m[{i}]")).to_be_visible()
    page.get_by_test_id("iteration-2").click()
    expect(page.get_by_test_id("body-nav-current")).to_have_text("M")
    expect(page.get_by_test_id("node-status-w")).to_contain_text("succeeded")
    page.get_by_test_id("node-w").locator(".head").click()
    detail = page.get_by_test_id("node-detail")
    expect(detail).to_contain_text("M #2 › W")
    expect(detail).to_contain_text("rust")
    shot(page, "bodies-04-map-item-2")
    # A node inside a body re-runs from its map node: the map's items run again from there.
    expect(page.get_by_test_id("rerun")).to_have_text(re.compile("Re-run from M$"))
    page.get_by_test_id("rerun").click()
    page.wait_for_url(re.compile(r"/runs/(?!" + re.escape(page.url.rsplit("/", 1)[-1]) + ")"))
    expect(page.locator(STATUS)).to_have_text("succeeded", timeout=30_000)


def test_an_approval_inside_a_map_body_is_decided_inline(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    each = body(("ok", "approval", {"prompt": "Publish {{in}}?"}), first="item", last="result")
    each["edges"][1]["source_port"] = "approved"
    workflow_id = workflow_with(
        api,
        "Gate each",
        [
            node("in", "input", 0, name="posts", type="list"),
            node("m", "map", 300, body=each),
            node("out", "output", 600, name="published"),
        ],
        [edge("in", "m") | {"target_port": "items"}, edge("m", "out")],
    )
    run_id = start(api, workflow_id, {"posts": ["first post"]})
    page.goto(f"/runs/{run_id}")
    expect(page.locator(STATUS)).to_have_text("paused", timeout=30_000)
    page.get_by_test_id("node-m").locator(".head").click()
    page.get_by_test_id("iteration-0").click()
    page.get_by_test_id("node-ok").locator(".head").click()
    card = page.get_by_test_id("node-detail").locator(".approval")
    expect(card).to_contain_text("Publish first post?")
    shot(page, "bodies-05-approval-in-body")
    card.get_by_test_id("approve").click()
    expect(page.locator(STATUS)).to_have_text("succeeded", timeout=30_000)


def test_a_subflow_node_opens_its_child_run(logged_in: Page, api: httpx.Client) -> None:
    page = logged_in
    make_agent(api, "alpha", delay=0.1, chunks=2)
    child_id = workflow_with(
        api,
        "Child writer",
        [
            node("cin", "input", 0),
            node("a", "agent", 300, agent="alpha"),
            node("cout", "output", 600, name="answer"),
        ],
        [edge("cin", "a"), edge("a", "cout")],
    )
    parent_id = workflow_with(
        api,
        "Parent",
        [
            node("in", "input", 0),
            node("sub", "subflow", 300, workflow=str(child_id)),
            node("out", "output", 600, name="result"),
        ],
        [edge("in", "sub"), edge("sub", "out")],
    )
    run_id = start(api, parent_id, {"input": "a limerick"})
    page.goto(f"/runs/{run_id}")
    expect(page.locator(STATUS)).to_have_text("succeeded", timeout=30_000)
    on_node = page.get_by_test_id("node-sub").get_by_test_id("child-run")
    expect(on_node.get_by_test_id("status-badge")).to_have_text("succeeded")
    page.get_by_test_id("node-sub").locator(".head").click()
    expect(page.get_by_test_id("node-detail")).to_contain_text("Child run · Child writer")
    shot(page, "bodies-06-subflow-child-run")
    on_node.get_by_test_id("open-child-run").click()
    page.wait_for_url("**/runs/*")
    assert run_id not in page.url
    expect(page.locator(".editor-bar .name")).to_have_text("Child writer")
    expect(page.locator(STATUS)).to_have_text("succeeded")
    expect(page.get_by_test_id("run-outputs")).to_contain_text("alpha")


def test_a_tool_nodes_argument_form_follows_the_tools_schema(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    workflow_id = new_workflow(page, "Shout")
    ids = {
        "input": drop(page, "input", 30, 250),
        "tool": drop(page, "tool", 300, 250),
        "output": drop(page, "output", 580, 250),
    }
    connect(page, ids["input"], "out", ids["tool"], "in")
    connect(page, ids["tool"], "out", ids["output"], "in")
    select_node(page, ids["tool"])
    page.get_by_test_id("prop-config-tool").select_option("knowledge_search")
    form = page.get_by_test_id("tool-arguments")
    expect(form.locator(".arg-field")).to_have_count(3)  # query, k, collection
    expect(page.get_by_test_id("arg-query-error")).to_contain_text("Query is required")
    page.get_by_test_id("arg-k").fill("0")
    expect(page.get_by_test_id("arg-k-error")).to_have_text("K must be at least 1.")
    page.get_by_test_id("arg-k-fx").click()  # k from the input instead
    page.get_by_test_id("arg-k").fill("{{in.k}}")
    expect(page.get_by_test_id("arg-k-error")).to_have_count(0)
    shot(page, "bodies-07-tool-arguments-knowledge")

    page.get_by_test_id("prop-config-tool").select_option("text")
    expect(page.get_by_test_id("arg-operation")).to_be_visible()  # an enum: a select
    page.get_by_test_id("arg-operation").select_option("upper")
    page.get_by_test_id("arg-text").fill("{{in}}")
    expect(form.locator(".field-error", has_text="The tool takes no argument")).to_have_count(1)
    form.get_by_role("button", name="Remove").click()  # k does not belong to this tool
    expect(form.locator(".field-error")).to_have_count(0)
    shot(page, "bodies-08-tool-arguments-text")
    wait_saved(page)
    tool = next(n for n in draft(api, workflow_id)["nodes"] if n["id"] == ids["tool"])
    assert tool["config"] == {"tool": "text", "arguments": {"operation": "upper", "text": "{{in}}"}}

    save_version(page, "shout")
    start_run(page, "input", "quiet words")
    expect(page.locator(STATUS)).to_have_text("succeeded", timeout=30_000)
    expect(page.get_by_test_id("run-outputs")).to_contain_text("QUIET WORDS")
