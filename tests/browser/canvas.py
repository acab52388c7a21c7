"""Mouse-level helpers for the editor canvas (palette drops, handle-to-handle connections)."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import Page, expect


def new_workflow(page: Page, name: str) -> str:
    """Create a workflow from the workflows page; returns its id once the empty editor is open."""
    page.get_by_test_id("new-workflow").click()
    page.locator(".modal input[name=name]").fill(name)
    page.get_by_test_id("create-workflow-submit").click()
    page.wait_for_url("**/workflows/*")
    page.get_by_test_id("canvas").wait_for()
    expect(page.locator(".react-flow__node")).to_have_count(0)
    return page.url.rstrip("/").rsplit("/", 1)[-1]


def drop(page: Page, kind: str, x: float, y: float) -> str:
    """Drag a kind from the palette onto the canvas at (x, y) relative to the canvas; returns the
    node id."""
    before = set(node_ids(page))
    page.get_by_test_id(f"palette-item-{kind}").drag_to(
        page.get_by_test_id("canvas"), target_position={"x": x, "y": y}
    )
    expect(page.locator(".react-flow__node")).to_have_count(len(before) + 1)
    (added,) = set(node_ids(page)) - before
    return added


def node_ids(page: Page) -> list[str]:
    return page.locator(".react-flow__node").evaluate_all("els => els.map(e => e.dataset.id)")


def centre(page: Page, test_id: str) -> tuple[float, float]:
    box = page.get_by_test_id(test_id).bounding_box()
    assert box, f"{test_id} is not visible"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def drag_handle(page: Page, source: str, target: str, release: bool = True) -> None:
    """Press on one handle, move to another in small steps, release (unless told not to)."""
    (x1, y1), (x2, y2) = centre(page, source), centre(page, target)
    page.mouse.move(x1, y1)
    page.mouse.down()
    page.mouse.move(x1 + 8, y1 + 8, steps=3)
    page.mouse.move(x2, y2, steps=12)
    if release:
        page.mouse.up()


def connect(page: Page, source: str, out_port: str, target: str, in_port: str) -> None:
    edges = page.locator(".react-flow__edge")
    count = edges.count()
    drag_handle(page, f"handle-{source}-out-{out_port}", f"handle-{target}-in-{in_port}")
    expect(edges).to_have_count(count + 1)


def select_node(page: Page, node_id: str) -> None:
    page.get_by_test_id(f"node-{node_id}").locator(".head").click()
    expect(page.get_by_test_id("property-panel").locator(".mono", has_text=node_id)).to_be_visible()


def wait_saved(page: Page) -> None:
    expect(page.get_by_test_id("save-state")).to_have_text("Saved", timeout=10_000)


def draft(api: httpx.Client, workflow_id: str) -> dict[str, Any]:
    """The graph the editor autosaved, without the viewport (which is not an edit)."""
    graph = api.get(f"/api/workflows/{workflow_id}/draft/").raise_for_status().json()["graph"]
    return {"nodes": graph["nodes"], "edges": graph["edges"]}
