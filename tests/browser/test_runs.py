"""Watching runs in the browser: a reload mid-run, and an approval decided from its card."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import make_agent, shot

pytestmark = pytest.mark.browser


def node(node_id: str, kind: str, x: int, **config: Any) -> dict[str, Any]:
    return {
        "id": node_id,
        "kind": kind,
        "label": node_id.title(),
        "position": {"x": x, "y": 100},
        "config": config,
    }


def edge(source: str, target: str, source_port: str = "out") -> dict[str, Any]:
    return {
        "id": f"{source}-{target}",
        "source": source,
        "source_port": source_port,
        "target": target,
        "target_port": "in",
    }


def workflow_with(
    api: httpx.Client, name: str, nodes: list[dict[str, Any]], edges: list[dict[str, Any]]
) -> int:
    workflow = api.post("/api/workflows/", json={"name": name}).raise_for_status().json()
    graph = {
        "schema_version": 1,
        "nodes": nodes,
        "edges": edges,
        "viewport": {"x": 0, "y": 0, "zoom": 1},
    }
    response = api.post(
        f"/api/workflows/{workflow['id']}/versions/", json={"graph": graph, "message": "v1"}
    )
    assert response.status_code == 201, response.text
    return int(workflow["id"])


def start(api: httpx.Client, workflow_id: int, inputs: dict[str, Any]) -> str:
    response = api.post(
        "/api/runs/", json={"workflow": workflow_id, "version": None, "inputs": inputs}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def trace_lines(page: Page, at_least: int = 1) -> list[str]:
    """The run's event trace (token events included) as shown in the Trace tab, one line per
    event."""
    page.get_by_test_id("tab-trace").click()
    page.get_by_test_id("trace").get_by_label("show token events").check()
    rows = page.get_by_test_id("trace").locator(".mono > div:has(b)")
    expect(rows.nth(at_least - 1)).to_be_visible()
    return [line.split("\n")[0] for line in rows.all_inner_texts()]


PROMPT = "tell me a long story about the sea, the wind and a lighthouse keeper"
RUNNING = (
    "id => document.querySelector(`[data-testid=node-status-${id}]`)"
    "?.textContent.includes('running')"
)
LONGER = (
    "([id, n]) => (document.querySelector(`[data-testid=node-stream-${id}]`)"
    "?.textContent ?? '').length > n"
)


def test_a_reload_mid_run_shows_the_same_trace_and_keeps_streaming(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    make_agent(api, "bard", delay=5.0, chunks=20)  # first token after 5 s, then one every 0.25 s
    workflow_id = workflow_with(
        api,
        "Story",
        [
            node("in", "input", 0, name="topic"),
            node("bard", "agent", 260, agent="bard"),
            node("out", "output", 520, name="story"),
        ],
        [edge("in", "bard"), edge("bard", "out")],
    )
    run_id = start(api, workflow_id, {"topic": PROMPT})
    page.goto(f"/runs/{run_id}")
    page.wait_for_function(LONGER, arg=["bard", 0], timeout=20_000)
    before = trace_lines(page, at_least=3)
    assert any("node.token" in line for line in before)

    page.reload()
    page.wait_for_function(RUNNING, arg="bard")  # still running after the reload …
    streamed = len(page.get_by_test_id("node-stream-bard").inner_text())
    assert streamed > 0  # … showing what streamed before it …
    page.wait_for_function(LONGER, arg=["bard", streamed])  # … and more arrives live
    shot(page, "07-run-after-reload")
    after = trace_lines(page, at_least=len(before))
    assert after[: len(before)] == before

    expect(page.locator(".editor-bar [data-testid=status-badge]")).to_have_text(
        "succeeded", timeout=20_000
    )
    expect(page.get_by_test_id("node-stream-bard")).to_have_text(f"bard: {PROMPT}")
    final = trace_lines(page, at_least=len(after))
    events = api.get(f"/api/runs/{run_id}/events/?since=0").raise_for_status().json()["events"]
    assert [line.split(" ")[0] for line in final] == [f"#{e['seq']}" for e in events]


def test_an_approval_is_decided_from_its_card(logged_in: Page, api: httpx.Client) -> None:
    page = logged_in
    workflow_id = workflow_with(
        api,
        "Gated",
        [
            node("in", "input", 0, name="change"),
            node("gate", "approval", 260, prompt="Ship {{in}}?"),
            node("out", "output", 520, name="shipped"),
        ],
        [edge("in", "gate"), edge("gate", "out", source_port="approved")],
    )
    run_id = start(api, workflow_id, {"change": "release 1.2"})
    page.goto(f"/runs/{run_id}")
    card = page.locator("[data-testid^=approval-]")
    expect(card).to_contain_text("Ship release 1.2?")
    expect(page.locator(".editor-bar [data-testid=status-badge]")).to_have_text("paused")
    card.get_by_placeholder("Comment (optional)").fill("looks good")
    shot(page, "08-run-approval-card")
    card.get_by_test_id("approve").click()

    expect(page.locator(".editor-bar [data-testid=status-badge]")).to_have_text(
        "succeeded", timeout=20_000
    )
    expect(card).to_have_count(0)
    expect(page.get_by_test_id("run-outputs")).to_contain_text("release 1.2")
    expect(
        page.get_by_text(re.compile(r"Approval \d+: approved by ada — “looks good”"))
    ).to_be_visible()
    approvals = api.get(f"/api/runs/{run_id}/snapshot/").raise_for_status().json()["approvals"]
    assert [(a["status"], a["comment"], a["by"]) for a in approvals] == [
        ("approve", "looks good", "ada")
    ]


def test_run_limits_are_set_in_the_run_form_shown_on_the_run_and_remembered(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    make_agent(api, "scribe", delay=0.1, chunks=3)
    workflow_id = workflow_with(
        api,
        "Limited",
        [
            node("in", "input", 0, name="topic"),
            node("scribe", "agent", 260, agent="scribe"),
            node("out", "output", 520, name="text"),
        ],
        [edge("in", "scribe"), edge("scribe", "out")],
    )
    page.goto(f"/workflows/{workflow_id}")
    page.get_by_test_id("run-button").click()
    page.get_by_test_id("run-input-topic").fill("the sea")
    page.get_by_text("Limits (none").click()
    page.get_by_test_id("run-limit-max_tokens").fill("1")
    page.get_by_test_id("run-limit-max_steps").fill("2.5")
    page.get_by_test_id("run-submit").click()
    expect(page.get_by_test_id("run-limits").locator(".field-error")).to_have_text(
        "Must be a positive whole number or null (the server's default)."
    )
    shot(page, "13-run-limits")
    page.get_by_test_id("run-limit-max_steps").fill("")
    page.get_by_test_id("run-submit").click()
    page.wait_for_url("**/runs/*")
    expect(page.locator(".editor-bar [data-testid=status-badge]")).to_have_text(
        "failed", timeout=20_000
    )
    expect(page.get_by_test_id("run-limits-shown")).to_have_text("tokens 1")
    expect(page.get_by_text("Budgets exceeded")).to_be_visible()
    run = api.get(f"/api/runs/{page.url.rstrip('/').rsplit('/', 1)[-1]}/").raise_for_status().json()
    assert run["budgets"] == {"max_tokens": 1}

    page.goto(f"/workflows/{workflow_id}")
    page.get_by_test_id("run-button").click()
    expect(page.get_by_test_id("run-limit-max_tokens")).to_have_value(
        "1"
    )  # the next run starts with them
