"""axe-core audits every page in light and dark mode (WCAG 2.2 AA: no critical or serious
violation), and a flow is built and run with the keyboard alone.

axe.min.js comes from the frontend's node_modules (an npm devDependency), never from a CDN.
To audit a new page, add its route to PAGES (use {workflow} / {run} for the seeded ids).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import make_agent, shot
from tests.browser.live import FRONTEND
from tests.browser.test_runs import start
from tests.browser.test_screens import parallel_flow, wait_finished

pytestmark = pytest.mark.browser

AXE = FRONTEND / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
# Moderate in axe's scale, but the audit found them: every page has an h1, one main and
# no content outside a landmark.
ALWAYS = {"page-has-heading-one", "landmark-one-main", "region", "landmark-unique"}
PAGES = {
    "home": "/",
    "workflows": "/workflows",
    "editor": "/workflows/{workflow}",
    "runs": "/runs",
    "run": "/runs/{run}",
    "agents": "/agents",
    "tools": "/tools",
    "models": "/models",
    "knowledge": "/knowledge",
    "credentials": "/credentials",
    "settings": "/settings",
    "templates": "/templates",
    "chat": "/workflows/{workflow}/chat",
    "not-found": "/no/such/page",
}


def audit(page: Page) -> list[dict[str, Any]]:
    """The critical and serious violations (and any of ALWAYS) axe-core finds on the page now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
            "summary": v["nodes"][0].get("failureSummary", "")[:300],
        }
        for v in result["violations"]
        if v["impact"] in ("critical", "serious") or v["id"] in ALWAYS
    ]


def settle(page: Page) -> None:
    expect(page.get_by_role("main")).to_be_visible()
    expect(page.get_by_test_id("list-loading")).to_have_count(0)
    page.wait_for_timeout(400)  # the canvas fit, list fetches and the theme's transitions


def test_every_page_has_no_critical_or_serious_axe_violation_in_light_and_dark(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    page.set_viewport_size({"width": 1440, "height": 900})
    workflow_id = parallel_flow(api, delay=0.05, chunks=3)
    run_id = start(api, workflow_id, {"topic": "the sea"})
    wait_finished(api, run_id, page)
    found: dict[str, list[dict[str, Any]]] = {}
    for theme in ("light", "dark"):
        page.evaluate("t => localStorage.setItem('axweb-theme', t)", theme)
        for name, route in PAGES.items():
            page.goto(route.format(workflow=workflow_id, run=run_id))
            settle(page)
            assert page.evaluate("document.documentElement.dataset.theme") == theme
            if violations := audit(page):
                found[f"{theme} {name}"] = violations
                shot(page, f"axe-{theme}-{name}")
    assert not found, json.dumps(found, indent=1)


def test_the_login_page_has_no_critical_or_serious_axe_violation(page: Page) -> None:
    for theme in ("light", "dark"):
        page.goto("/login")
        page.evaluate("t => localStorage.setItem('axweb-theme', t)", theme)
        page.reload()
        expect(page.get_by_test_id("login-form")).to_be_visible()
        assert audit(page) == [], theme


FOCUSED = "sel => !!document.activeElement && document.activeElement.matches(sel)"


def tab_to(page: Page, selector: str, back: bool = False, limit: int = 150) -> None:
    """Press Tab (Shift+Tab when `back`) until the focused element matches `selector`."""
    for _ in range(limit):
        if page.evaluate(FOCUSED, selector):
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    raise AssertionError(f"Tab never reached {selector}")


def add_from_palette(page: Page, kind: str) -> None:
    before = page.locator(".react-flow__node").count()
    tab_to(page, "[data-testid=palette-search]", back=True)
    page.keyboard.press("Control+A")
    page.keyboard.type(kind)
    tab_to(page, f"[data-testid=palette-item-{kind}]")
    page.keyboard.press("Enter")
    expect(page.locator(".react-flow__node")).to_have_count(before + 1)


def connect_selected_to(page: Page, target_label: str) -> None:
    """With a node selected: its panel's Connect control, driven by the keyboard."""
    edges = page.locator(".react-flow__edge").count()
    tab_to(page, "[data-testid=connect-target]")
    page.keyboard.type(target_label)
    tab_to(page, "[data-testid=connect-submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("connect-message")).to_contain_text("Connected to")
    expect(page.locator(".react-flow__edge")).to_have_count(edges + 1)


def test_input_agent_output_is_built_and_run_with_the_keyboard_alone(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    page.set_viewport_size({"width": 1440, "height": 900})
    make_agent(api, "alpha", delay=0.01)
    workflow = api.post("/api/workflows/", json={"name": "Keyboard flow"}).raise_for_status()
    page.goto(f"/workflows/{workflow.json()['id']}")
    expect(page.get_by_test_id("empty-canvas")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_test_id("skip-link")).to_be_focused()

    for kind in ("output", "agent", "input"):  # the last one added stays selected
        add_from_palette(page, kind)
    boxes = [b for b in page.locator(".react-flow__node").all() if b.bounding_box()]
    assert len(boxes) == 3
    connect_selected_to(page, "Agent")

    # Select the agent on the canvas: focus its node and press Enter (focus ring shown).
    tab_to(page, ".react-flow__node:has([data-kind=agent])")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("property-panel")).to_contain_text("Agent")
    shot(page, "a11y-keyboard-node-focused")
    tab_to(page, "[data-testid=prop-config-agent]")
    page.keyboard.type("alpha")
    expect(page.get_by_test_id("prop-config-agent")).to_have_value("alpha")
    connect_selected_to(page, "Output")

    tab_to(page, "[data-testid=run-button]")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    assert page.evaluate("() => document.querySelector('.modal').contains(document.activeElement)")
    for _ in range(12):  # Tab keeps focus inside the dialog
        page.keyboard.press("Tab")
        assert page.evaluate(
            "() => document.querySelector('.modal').contains(document.activeElement)"
        )
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(page.get_by_test_id("run-button")).to_be_focused()  # focus returns to the opener

    page.keyboard.press("Enter")
    tab_to(page, "[data-testid=run-input-input]")
    page.keyboard.type("hello keyboard")
    tab_to(page, "[data-testid=run-submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/runs/*")
    expect(page.locator(".editor-bar [data-testid=status-badge]")).to_have_text(
        "succeeded", timeout=30_000
    )
    expect(page.get_by_test_id("run-outputs")).to_contain_text("hello keyboard")
    shot(page, "a11y-keyboard-run-finished")
