"""The canvas draws a graph with sizes it knows before drawing (frontend/src/editor/nodeSize.ts):
every edge must still start and end on the handles the browser laid out. React Flow re-measures
every node once it is drawn, so the sizes given up front show after an edit (the edited node is
handed over anew and not measured again unless its box changes); a node whose box grows (problems
listed on it) must be measured again.

A graph of hundreds of nodes seen from far is drawn, not mounted (frontend/src/editor/drawn.ts):
its shape shows as cards and lines, and zooming in shows the real nodes of the part in view."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.canvas import select_node
from tests.browser.canvas_graphs import CASES, Case, big_graph, prepare
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


def saved_case(api: httpx.Client, case: Case) -> int:
    """A benchmark graph of `case` saved as version 1, with the agent its nodes call."""
    api.post(
        "/api/agents/", json={"name": "writer", "model": "builtin:smollm2-135m"}
    ).raise_for_status()
    return prepare(api, case)


def far_ends(page: Page, edges: list[dict[str, str]]) -> dict[str, float | None]:
    """The edges not drawn (None), or whose ends are more than 0.75 graph pixels off their
    handles."""
    offsets = dict(page.evaluate(EDGE_END_OFFSETS, edges))
    return {k: v for k, v in offsets.items() if v is None or v > 0.75}


def test_every_edge_of_a_large_graph_runs_from_handle_to_handle(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    workflow_id = saved_case(api, Case(nodes=60, edges=75, loops=3, columns=10))
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


# The screen point of a flow point (the viewport's transform on the React Flow pane).
FLOW_TO_SCREEN = """([x, y]) => {
  const box = document.querySelector('.react-flow').getBoundingClientRect();
  const m = new DOMMatrixReadOnly(
    getComputedStyle(document.querySelector('.react-flow__viewport')).transform);
  return [box.left + m.e + x * m.a, box.top + m.f + y * m.d];
}"""


def test_a_2000_node_graph_shows_its_shape_from_far_and_real_nodes_zoomed_in(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    case = CASES["2000"]
    workflow_id = saved_case(api, case)

    # Fitted: the whole graph is drawn as one layer, and no React Flow node is mounted.
    page.goto(f"/workflows/{workflow_id}")
    drawn = page.get_by_test_id("drawn-graph")
    expect(drawn).to_be_visible(timeout=30_000)
    expect(drawn).to_have_attribute("aria-label", re.compile(f"{case.nodes} nodes"))
    expect(page.locator(".react-flow__node")).to_have_count(0)
    canvas = page.get_by_test_id("canvas").bounding_box()
    layer = drawn.locator("path.cards").bounding_box()
    assert canvas and layer
    # The graph's shape fills the canvas: 50 columns by 40 rows of cards.
    assert layer["width"] > canvas["width"] / 2 and layer["height"] > canvas["height"] / 4
    shot(page, "canvas-2000-nodes-drawn")

    # A click on a drawn node selects it and zooms to it: a real node, with its label and handles.
    node = next(n for n in big_graph(case)["nodes"] if n["id"] == "n1025")
    x, y = page.evaluate(FLOW_TO_SCREEN, [node["position"]["x"] + 105, node["position"]["y"] + 15])
    page.mouse.click(x, y)
    real = page.get_by_test_id("node-n1025")
    expect(real).to_be_visible()
    expect(real).to_contain_text(node["label"])
    expect(page.get_by_test_id("handle-n1025-in-in")).to_be_visible()
    expect(page.locator(".react-flow__node.selected")).to_have_attribute("data-id", "n1025")
    expect(page.get_by_test_id("property-panel").locator(".mono", has_text="n1025")).to_be_visible()
    expect(drawn).to_have_count(0)
    # Only the nodes in view are mounted, and their edges meet their handles.
    mounted = page.locator(".react-flow__node").count()
    assert 0 < mounted < 100
    page.wait_for_timeout(400)
    shown = set(page.locator(".react-flow__node").evaluate_all("els => els.map(e => e.dataset.id)"))
    edges = [e for e in big_graph(case)["edges"] if {e["source"], e["target"]} <= shown]
    assert edges and far_ends(page, edges) == {}
    shot(page, "canvas-2000-nodes-zoomed-in")

    # Fitting the view again draws the graph again, the selection outlined on the drawn layer.
    page.get_by_role("button", name="Fit view").click()
    expect(drawn).to_be_visible()
    expect(page.locator(".react-flow__node")).to_have_count(0)
    expect(drawn.locator("path.outline.selected")).to_have_count(1)
