"""The main screens at 1280×720 in both themes, the overview map beside (not over) the run's nodes,
and the run bar's token count while tokens stream."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import make_agent, shot
from tests.browser.test_runs import edge, node, start, workflow_with

pytestmark = pytest.mark.browser

STREAMING = (
    "() => (document.querySelector('[data-testid=node-stream-poet]')?.textContent ?? '')"
    ".length > 10"
)
SCREENS = {
    "workflows": "/",
    "runs": "/runs",
    "agents": "/agents",
    "models": "/models",
    "knowledge": "/knowledge",
    "credentials": "/credentials",
}


def parallel_flow(api: httpx.Client, delay: float, chunks: int) -> int:
    make_agent(api, "poet", delay=delay, chunks=chunks)
    make_agent(api, "critic", delay=delay, chunks=chunks)
    return workflow_with(
        api,
        "Poem and critique",
        [
            node("in", "input", 0, name="topic"),
            node("poet", "agent", 260, agent="poet"),
            {**node("critic", "agent", 260, agent="critic"), "position": {"x": 260, "y": 300}},
            node("join", "join", 520),
            node("out", "output", 780, name="answer"),
        ],
        [
            edge("in", "poet"),
            edge("in", "critic"),
            edge("poet", "join"),
            edge("critic", "join"),
            edge("join", "out"),
        ],
    )


def wait_finished(api: httpx.Client, run_id: str, page: Page) -> None:
    for _ in range(120):
        if api.get(f"/api/runs/{run_id}/").raise_for_status().json()["status"] in (
            "succeeded",
            "failed",
        ):
            return
        page.wait_for_timeout(250)
    raise AssertionError("the run did not finish within 30 s")


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def test_main_screens_in_light_and_dark_with_the_overview_beside_the_nodes(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    page.set_viewport_size({"width": 1280, "height": 720})
    workflow_id = parallel_flow(api, delay=0.1, chunks=3)
    run_id = start(api, workflow_id, {"topic": "the sea"})
    wait_finished(api, run_id, page)
    api.post(
        "/api/knowledge/collections/", json={"name": "handbook", "description": "team rules"}
    ).raise_for_status()
    api.post(
        "/api/credentials/",
        json={"provider": "anthropic", "label": "work", "secret": "sk-test-abcd"},
    ).raise_for_status()

    for theme in ("light", "dark"):
        page.evaluate("t => localStorage.setItem('axweb-theme', t)", theme)
        for name, path in SCREENS.items():
            page.goto(path)
            expect(page.locator("table.list, .card.empty").first).to_be_visible()
            expect(page.get_by_test_id("list-loading")).to_have_count(0)
            assert page.evaluate("document.documentElement.dataset.theme") == theme
            shot(page, f"11-{theme}-{name}")
        page.goto(f"/workflows/{workflow_id}")
        expect(page.get_by_test_id("node-poet")).to_be_visible()
        page.wait_for_timeout(300)  # the fit and the sharpened redraw after it
        shot(page, f"11-{theme}-editor")
        page.goto(f"/runs/{run_id}")
        expect(page.get_by_test_id("node-status-out")).to_contain_text("succeeded")
        page.wait_for_timeout(300)
        overview = page.get_by_test_id("overview").bounding_box()
        assert overview
        for node_id in ("in", "poet", "critic", "join", "out"):
            box = page.get_by_test_id(f"node-{node_id}").bounding_box()
            assert box and not overlaps(box, overview), f"the overview map covers node {node_id}"
        shot(page, f"11-{theme}-run")


def test_the_run_bar_counts_tokens_while_they_stream_then_shows_the_exact_usage(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    workflow_id = parallel_flow(
        api, delay=2.0, chunks=40
    )  # first token after 2 s, then one every 50 ms
    run_id = start(
        api, workflow_id, {"topic": "a lighthouse keeper who counts the waves every night"}
    )
    page.goto(f"/runs/{run_id}")
    page.wait_for_function(STREAMING)
    usage = page.get_by_test_id("run-usage")
    expect(usage).to_have_text(re.compile(r"^~[1-9]\d* tokens"))
    assert int(re.findall(r"\d+", usage.inner_text())[0]) > 0
    wait_finished(api, run_id, page)
    run: dict[str, Any] = api.get(f"/api/runs/{run_id}/").raise_for_status().json()
    exact = sum((run.get("usage") or {}).get(k, 0) for k in ("input_tokens", "output_tokens"))
    expect(usage).to_have_text(
        re.compile(r"^[1-9]\d* tokens")
    )  # no "~": every node reported its usage
    if exact:
        assert int(re.findall(r"\d+", usage.inner_text())[0]) >= exact
