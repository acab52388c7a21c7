"""Editor behaviour with a real mouse: refused connections say why; undo/redo restore the graph
exactly."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.canvas import connect, draft, drag_handle, drop, new_workflow, select_node
from tests.browser.conftest import shot

pytestmark = pytest.mark.browser

Graph = dict[str, Any]


def settled_draft(api: httpx.Client, workflow_id: str, until: Callable[[Graph], bool]) -> Graph:
    """The autosaved draft once `until` holds (autosave is debounced); the last one seen
    otherwise."""
    deadline, graph = time.monotonic() + 15, draft(api, workflow_id)
    while not until(graph) and time.monotonic() < deadline:
        time.sleep(0.2)
        graph = draft(api, workflow_id)
    return graph


def test_text_into_a_list_input_is_refused_with_its_reason_on_screen(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    workflow_id = new_workflow(page, "Refusals")
    agent = drop(page, "agent", 40, 120)  # out: text
    mapper = drop(page, "map", 320, 120)  # in "items": list
    drag_handle(page, f"handle-{agent}-out-out", f"handle-{mapper}-in-items", release=False)
    hint = page.get_by_test_id("connection-error")
    expect(hint).to_have_text("✕ text output cannot feed a list input")
    shot(page, "06-editor-refused-connection")
    page.mouse.up()
    expect(page.locator(".toast.error")).to_have_text(
        "Cannot connect: text output cannot feed a list input"
    )
    expect(hint).to_have_count(0)
    expect(page.locator(".react-flow__edge")).to_have_count(0)
    graph = settled_draft(api, workflow_id, lambda g: len(g["nodes"]) == 2)
    assert graph["edges"] == [] and len(graph["nodes"]) == 2


def build_small_flow(page: Page) -> dict[str, str]:
    ids = {
        "input": drop(page, "input", 20, 200),
        "agent": drop(page, "agent", 260, 200),
        "output": drop(page, "output", 500, 200),
    }
    connect(page, ids["input"], "out", ids["agent"], "in")
    connect(page, ids["agent"], "out", ids["output"], "in")
    select_node(page, ids["agent"])
    page.get_by_test_id("prop-label").fill("Summariser")
    return ids


def three_edits(page: Page, ids: dict[str, str]) -> None:
    """Move the output node, delete the agent (and its edges), drop a sticky note."""
    box = page.get_by_test_id(f"node-{ids['output']}").locator(".head").bounding_box()
    assert box
    page.mouse.move(box["x"] + 20, box["y"] + 10)
    page.mouse.down()
    page.mouse.move(box["x"] + 60, box["y"] + 160, steps=8)
    page.mouse.up()
    select_node(page, ids["agent"])
    page.keyboard.press("Delete")
    expect(page.get_by_test_id(f"node-{ids['agent']}")).to_have_count(0)
    drop(page, "note", 120, 450)


def test_undo_and_redo_restore_the_saved_graph_exactly(logged_in: Page, api: httpx.Client) -> None:
    page = logged_in
    workflow_id = new_workflow(page, "Undo me")
    ids = build_small_flow(page)
    before = settled_draft(
        api,
        workflow_id,
        lambda g: len(g["edges"]) == 2 and any(n["label"] == "Summariser" for n in g["nodes"]),
    )
    assert len(before["edges"]) == 2

    three_edits(page, ids)
    after = settled_draft(
        api,
        workflow_id,
        lambda g: len(g["nodes"]) == 3 and any(n["kind"] == "note" for n in g["nodes"]),
    )
    assert [n["kind"] for n in after["nodes"]] == ["input", "output", "note"] and after[
        "edges"
    ] == []
    moved = next(n for n in after["nodes"] if n["id"] == ids["output"])["position"]
    assert moved != next(n for n in before["nodes"] if n["id"] == ids["output"])["position"]

    page.locator(".react-flow__pane").click(position={"x": 30, "y": 30})
    for _ in range(3):
        page.keyboard.press("Control+z")
    assert settled_draft(api, workflow_id, lambda g: g == before) == before
    expect(
        page.get_by_test_id("undo")
    ).to_be_enabled()  # the graph building itself is still undoable

    page.keyboard.press("Control+Shift+z")
    page.keyboard.press("Control+Shift+z")
    page.get_by_test_id("redo").click()
    expect(page.get_by_test_id("redo")).to_be_disabled()
    assert settled_draft(api, workflow_id, lambda g: g == after) == after


def test_opening_a_saved_workflow_leaves_it_saved_and_writes_no_draft(
    logged_in: Page, api: httpx.Client
) -> None:
    from tests.browser.test_runs import edge, node, workflow_with

    page = logged_in
    workflow_id = workflow_with(
        api,
        "Untouched",
        [node("in", "input", 0, name="q"), node("out", "output", 300)],
        [edge("in", "out")],
    )
    writes: list[str] = []
    page.on(
        "request",
        lambda r: writes.append(r.url) if r.method == "PUT" and "/draft/" in r.url else None,
    )
    page.goto(f"/workflows/{workflow_id}")
    expect(page.get_by_test_id("node-out")).to_be_visible()
    page.wait_for_timeout(
        1500
    )  # longer than the 800 ms autosave debounce: a spurious save would have fired
    expect(page.get_by_test_id("save-state")).to_have_text("Saved")
    assert writes == []


def test_router_routes_are_edited_as_forms_and_become_output_ports(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    workflow_id = new_workflow(page, "Routes")
    router = drop(page, "router", 200, 160)
    select_node(page, router)
    page.get_by_test_id("prop-config-routes-add").click()
    page.get_by_test_id("prop-config-routes-add").click()
    page.get_by_test_id("prop-config-routes-0-name").fill("urgent")
    page.get_by_test_id("prop-config-routes-0-expression").fill("'now' in input")
    expect(page.get_by_test_id(f"handle-{router}-out-urgent")).to_have_count(1)
    expect(page.get_by_test_id(f"handle-{router}-out-route2")).to_have_count(1)
    page.get_by_test_id("prop-config-routes-1-remove").click()
    expect(page.get_by_test_id(f"handle-{router}-out-route2")).to_have_count(0)
    graph = settled_draft(
        api,
        workflow_id,
        lambda g: (
            [r.get("name") for n in g["nodes"] for r in n["config"].get("routes", [])] == ["urgent"]
        ),
    )
    [routes] = [n["config"]["routes"] for n in graph["nodes"] if n["id"] == router]
    assert [(r["name"], r["expression"]) for r in routes] == [("urgent", "'now' in input")]
