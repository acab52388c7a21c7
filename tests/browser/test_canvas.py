"""The canvas draws a graph with sizes it knows before drawing (frontend/src/editor/nodeSize.ts):
every edge must still start and end on the handles the browser laid out. React Flow re-measures
every node once it is drawn, so the sizes given up front show after an edit (the edited node is
handed over anew and not measured again unless its box changes); a node whose box grows (problems
listed on it) must be measured again."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.canvas import select_node
from tests.browser.canvas_graphs import Case, prepare
from tests.browser.conftest import shot

pytestmark = pytest.mark.browser

# Per edge: how far (in graph pixels) its drawn ends lie from the middle of the outer side of its
# source and target handles.
EDGE_END_OFFSETS = """(edges) => {
  const vp = document.querySelector('.react-flow__viewport');
  const zoom = new DOMMatrixReadOnly(getComputedStyle(vp).transform).m22;
  const side = (testId, right) => {
    const r = document.querySelector(`[data-testid="${testId}"]`).getBoundingClientRect();
    return [right ? r.right : r.left, r.top + r.height / 2];
  };
  return edges.map((e) => {
    const edge = document.querySelector(`[data-testid="rf__edge-${e.id}"]`);
    const path = edge?.querySelector('path.react-flow__edge-path');
    if (!path) return [e.id, null];
    const m = path.getScreenCTM();
    const at = (len) => {
      const p = path.getPointAtLength(len).matrixTransform(m);
      return [p.x, p.y];
    };
    const ends = [
      [at(0), side(`handle-${e.source}-out-${e.source_port}`, true)],
      [at(path.getTotalLength()), side(`handle-${e.target}-in-${e.target_port}`, false)],
    ];
    return [e.id, Math.max(...ends.map(([[x, y], [hx, hy]]) => Math.hypot(x - hx, y - hy) / zoom))];
  });
}"""


def far_ends(page: Page, edges: list[dict[str, str]]) -> dict[str, float | None]:
    """The edges not drawn (None), or whose ends are more than 0.75 graph pixels off their
    handles."""
    offsets = dict(page.evaluate(EDGE_END_OFFSETS, edges))
    return {k: v for k, v in offsets.items() if v is None or v > 0.75}


def test_every_edge_of_a_large_graph_runs_from_handle_to_handle(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    api.post(
        "/api/agents/", json={"name": "writer", "model": "builtin:smollm2-135m"}
    ).raise_for_status()
    case = Case(nodes=60, edges=75, loops=3, columns=10)
    workflow_id = prepare(api, case)
    graph = api.get(f"/api/workflows/{workflow_id}/versions/1/").raise_for_status().json()["graph"]
    kinds = {n["kind"] for n in graph["nodes"]}
    assert {"input", "agent", "join", "loop", "output"} <= kinds

    # The draft leaves an agent's required input unconnected: validating lists that problem on it,
    # which makes the node taller than the size it was drawn at.
    agent = next(n for n in graph["nodes"] if n["kind"] == "agent")
    graph["edges"] = [e for e in graph["edges"] if e["target"] != agent["id"]]
    api.put(f"/api/workflows/{workflow_id}/draft/", json={"graph": graph}).raise_for_status()

    page.goto(f"/workflows/{workflow_id}")
    expect(page.locator(".react-flow__edge-path")).to_have_count(len(graph["edges"]))
    page.get_by_role("button", name="Zoom in").click()  # closer: a pixel off shows
    page.get_by_role("button", name="Zoom in").click()
    page.wait_for_timeout(400)
    assert far_ends(page, graph["edges"]) == {}
    shot(page, "canvas-60-nodes")

    # An edit hands React Flow a new node object: its edges still meet its handles.
    select_node(page, "n2")
    page.get_by_test_id("prop-label").fill("renamed")
    expect(page.get_by_test_id("node-n2")).to_contain_text("renamed")
    tall = page.get_by_test_id(f"node-{agent['id']}").bounding_box()
    page.get_by_test_id("validate").click()
    expect(page.get_by_test_id(f"node-problems-{agent['id']}")).to_be_visible()
    taller = page.get_by_test_id(f"node-{agent['id']}").bounding_box()
    assert tall and taller and taller["height"] > tall["height"]
    page.wait_for_timeout(400)
    assert far_ends(page, graph["edges"]) == {}
