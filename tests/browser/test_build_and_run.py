"""From an empty canvas to a finished parallel run, with the mouse, against a live server and
worker."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.canvas import connect, drop, new_workflow, select_node
from tests.browser.conftest import make_agent, shot

pytestmark = pytest.mark.browser


def build_parallel_flow(page: Page) -> dict[str, str]:
    """input → two agents → join → output, dropped from the palette and wired with the mouse."""
    ids = {
        "input": drop(page, "input", 20, 250),
        "a": drop(page, "agent", 220, 100),
        "b": drop(page, "agent", 220, 400),
        "join": drop(page, "join", 430, 250),
        "output": drop(page, "output", 470, 470),
    }
    connect(page, ids["input"], "out", ids["a"], "in")
    connect(page, ids["input"], "out", ids["b"], "in")
    connect(page, ids["a"], "out", ids["join"], "in")
    connect(page, ids["b"], "out", ids["join"], "in")
    connect(page, ids["join"], "out", ids["output"], "in")
    return ids


def choose_agent(page: Page, node_id: str, agent: str) -> None:
    select_node(page, node_id)
    picker = page.get_by_test_id("prop-config-agent")
    picker.select_option(label=f"{agent} — {agent} writer")
    page.get_by_test_id("prop-label").fill(f"Agent {agent}")


def save_version(page: Page, message: str) -> None:
    page.get_by_test_id("save-version").click()
    page.get_by_test_id("version-message").fill(message)
    page.get_by_test_id("save-version-submit").click()
    expect(page.locator(".toast", has_text="Saved version")).to_be_visible()


def start_run(page: Page, field: str, value: str) -> str:
    page.get_by_test_id("run-button").click()
    page.get_by_test_id(f"run-input-{field}").fill(value)
    page.get_by_test_id("run-submit").click()
    page.wait_for_url("**/runs/*")
    return page.url.rstrip("/").rsplit("/", 1)[-1]


BOTH_RUNNING = """ids => ids.every(id =>
    document.querySelector(`[data-testid=node-status-${id}]`)?.textContent.includes('running'))"""


def overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def gantt_span(page: Page, node_id: str) -> tuple[float, float]:
    style = page.get_by_test_id(f"gantt-bar-{node_id}").evaluate(
        "e => [parseFloat(e.style.left), parseFloat(e.style.width)]"
    )
    return style[0], style[0] + style[1]


def test_parallel_flow_built_with_the_mouse_runs_both_agents_at_once(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    make_agent(api, "alpha", delay=1.5)
    make_agent(api, "beta", delay=1.5)
    shot(page, "02-workflows-empty")
    workflow_id = new_workflow(page, "Parallel writers")
    ids = build_parallel_flow(page)
    choose_agent(page, ids["a"], "alpha")
    choose_agent(page, ids["b"], "beta")
    shot(page, "03-editor-built")
    save_version(page, "two writers")
    saved = api.get(f"/api/workflows/{workflow_id}/versions/1/").raise_for_status().json()["graph"]
    agents = {n["id"]: n["config"]["agent"] for n in saved["nodes"] if n["kind"] == "agent"}
    assert agents == {ids["a"]: "alpha", ids["b"]: "beta"}  # the server looks agents up by name
    assert len(saved["edges"]) == 5

    run_id = start_run(page, "input", "why is the sky blue?")
    page.wait_for_function(BOTH_RUNNING, arg=[ids["a"], ids["b"]], timeout=20_000)
    shot(page, "04-run-running")
    expect(page.locator(".editor-bar [data-testid=status-badge]")).to_have_text(
        "succeeded", timeout=30_000
    )
    outputs = page.get_by_test_id("run-outputs")
    expect(outputs).to_contain_text("alpha: why is the sky blue?")
    expect(outputs).to_contain_text("beta: why is the sky blue?")
    assert overlap(gantt_span(page, ids["a"]), gantt_span(page, ids["b"]))
    assert not overlap(gantt_span(page, ids["input"]), gantt_span(page, ids["join"]))
    shot(page, "05-run-finished-timeline")

    nodes = api.get(f"/api/runs/{run_id}/snapshot/").raise_for_status().json()["nodes"]
    spans = {i: (nodes[i]["started_at"], nodes[i]["finished_at"]) for i in (ids["a"], ids["b"])}
    assert overlap(spans[ids["a"]], spans[ids["b"]]), spans  # ISO-8601 UTC strings order as times
