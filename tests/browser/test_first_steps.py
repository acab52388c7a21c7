"""What a new user tripped over, each seen where a user sees it: the demo run at 1440×900 with no
node over another, hints towards templates, the not-found page, offline API docs, run errors
that name the node that really failed, a cancelled node, the agent form and picker, staff views."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import make_agent, orm, shot
from tests.browser.live import LiveApp
from tests.browser.test_runs import edge, node, start, workflow_with
from tests.browser.test_screens import overlaps, wait_finished

pytestmark = pytest.mark.browser

QUESTION = (
    "How do lighthouses work, who kept them through the long winter nights, and what replaced "
    "the keepers when the lamps were automated along the northern coasts?"
)


def node_boxes(page: Page) -> dict[str, dict[str, float]]:
    boxes = {}
    for el in page.locator(".react-flow__node").all():
        box = el.bounding_box()
        assert box, "a node is not drawn"
        boxes[str(el.get_attribute("data-id"))] = box
    return boxes


def assert_no_node_overlaps(page: Page) -> None:
    boxes = node_boxes(page)
    ids = sorted(boxes)
    hits = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :] if overlaps(boxes[a], boxes[b])]
    assert not hits, f"nodes overlap: {hits}"


def draft_workflow(
    api: httpx.Client, name: str, nodes: list[dict[str, Any]], edges: list[dict[str, Any]]
) -> int:
    """A workflow with an unsaved draft only (a draft need not be valid yet)."""
    workflow = api.post("/api/workflows/", json={"name": name}).raise_for_status().json()
    graph = {"schema_version": 1, "nodes": nodes, "edges": edges}
    api.put(f"/api/workflows/{workflow['id']}/draft/", json={"graph": graph}).raise_for_status()
    return int(workflow["id"])


def demo_run(api: httpx.Client, user: Any) -> tuple[int, str]:
    """The demo a new user gets, its agents on scripted models that stream for a few seconds."""
    from agents.models import Agent
    from workflows.demo import DEMO_WORKFLOW, demo_seed
    from workflows.models import Workflow

    def seed() -> int:
        demo_seed(owner=user)
        for agent in Agent.objects.filter(owner=user):
            agent.model = f"scripted:{agent.name}?delay=0.8&chunks=30"
            agent.save(update_fields=["model"])
        return int(Workflow.objects.get(owner=user, name=DEMO_WORKFLOW).pk)

    workflow_id = orm(seed)
    return workflow_id, start(api, workflow_id, {"question": QUESTION})


STREAMING_LONG = """() => [...document.querySelectorAll('[data-testid^=node-stream-]')]
    .some(e => e.textContent.length > 150)"""


def test_the_demo_run_at_1440x900_never_puts_a_node_over_another(
    logged_in: Page, api: httpx.Client, user: Any
) -> None:
    page = logged_in
    page.set_viewport_size({"width": 1440, "height": 900})
    _workflow_id, run_id = demo_run(api, user)
    page.goto(f"/runs/{run_id}")
    page.wait_for_function(STREAMING_LONG, timeout=30_000)
    assert_no_node_overlaps(page)
    stream = page.locator("[data-testid^=node-stream-]").first
    assert stream.evaluate("e => e.scrollHeight > e.clientHeight"), "the preview should scroll"
    shot(page, "first-steps-demo-streaming-1440")
    wait_finished(api, run_id, page)
    expect(page.locator(".editor-bar [data-testid=status-badge]")).to_have_text("succeeded")
    page.wait_for_timeout(300)
    assert_no_node_overlaps(page)
    expect(page.get_by_test_id("connection")).not_to_contain_text("live")
    outputs = page.get_by_test_id("run-outputs")
    expect(outputs).to_contain_text("Writer: ")
    expect(outputs).not_to_contain_text('"')  # text, not an escaped JSON string
    shot(page, "first-steps-demo-finished-1440")
    page.get_by_test_id("node-planner").click()
    expect(page.get_by_test_id("rerun")).to_have_text(re.compile("Re-run from Planner"))


def test_a_new_user_is_pointed_to_templates_from_home_and_from_an_empty_canvas(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    home = page.get_by_test_id("workflows-empty")
    expect(home.get_by_role("link", name="Browse templates")).to_have_attribute(
        "href", "/templates"
    )
    shot(page, "first-steps-empty-home")
    home.get_by_role("button", name="Start from a blank canvas").click()
    page.locator(".modal input[name=name]").fill("Mine")
    page.get_by_test_id("create-workflow-submit").click()
    hint = page.get_by_test_id("empty-canvas")
    expect(hint.get_by_role("link", name="Start from a template")).to_have_attribute(
        "href", "/templates"
    )
    page.get_by_test_id("palette-item-input").dblclick()
    page.get_by_test_id("palette-item-input").dblclick()
    expect(hint).to_have_count(0)
    assert_no_node_overlaps(page)  # the second lands beside the first
    shot(page, "first-steps-two-new-nodes")


def test_unknown_addresses_get_the_apps_page_and_the_api_docs_work_offline(
    logged_in: Page, live_app: LiveApp
) -> None:
    page = logged_in
    live_url = live_app.url
    outside: list[str] = []

    def offline(route: Any) -> None:
        if route.request.url.startswith(live_url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", offline)
    response = page.goto("/no/such/page")
    assert response and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_test_id("nav-workflows")).to_be_visible()
    page.goto("/workflows")
    expect(page.get_by_role("heading", level=1)).to_have_text("Workflows")
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("AXWeb API")
    assert outside == [], outside
    shot(page, "first-steps-api-docs-offline")


def test_a_run_error_names_the_node_that_failed_by_its_label_not_the_join(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    make_agent(api, "poet", delay=0.0)
    workflow_id = workflow_with(
        api,
        "Blame",
        [
            node("in", "input", 0, name="topic", type="text"),
            node("poet", "agent", 260, agent="poet"),
            {**node("check", "condition", 260, expression="input.missing == 1"), "label": "Check"},
            {**node("join", "join", 520), "label": "Merge"},
            node("out", "output", 780, name="answer"),
        ],
        [
            edge("in", "poet"),
            edge("in", "check"),
            edge("poet", "join"),
            edge("check", "join", "true"),
            edge("join", "out"),
        ],
    )
    run_id = start(api, workflow_id, {"topic": "sea"})
    page.goto(f"/runs/{run_id}")
    expect(page.locator(".editor-bar [data-testid=status-badge]")).to_have_text("failed")
    error = page.locator(".section pre.st-failed")
    expect(error).to_contain_text('Node "Check" failed')
    expect(error).not_to_contain_text("join")
    shot(page, "first-steps-run-error-by-label")


def test_validate_and_the_run_agree_on_a_split_expression(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    workflow_id = workflow_with(
        api,
        "Split",
        [
            node("in", "input", 0, name="topic", type="text"),
            {**node("c", "condition", 260, expression="input.split()[0] == 'poem'")},
            node("yes", "output", 520, name="poem"),
        ],
        [edge("in", "c"), edge("c", "yes", "true")],
    )
    page.goto(f"/workflows/{workflow_id}")
    page.get_by_test_id("validate").click()
    expect(page.locator(".toast").first).to_contain_text("No problems found")
    run_id = start(api, workflow_id, {"topic": "poem about the sea"})
    wait_finished(api, run_id, page)
    run = api.get(f"/api/runs/{run_id}/").raise_for_status().json()
    assert run["status"] == "succeeded", run["error"]
    assert run["outputs"] == {"poem": "poem about the sea"}


def test_the_agent_form_shows_errors_at_the_field_and_clears_them_on_fix(logged_in: Page) -> None:
    page = logged_in
    page.goto("/agents")
    page.get_by_test_id("new-item").click()
    page.get_by_test_id("item-submit").click()
    name = page.locator(".modal label.field", has=page.locator("input[name=name]"))
    expect(name.locator(".field-error")).to_be_visible()
    expect(name.locator("input")).to_be_focused()
    shot(page, "first-steps-agent-form-error")
    name.locator("input").fill("scout")
    expect(name.locator(".field-error")).to_have_count(0)


def test_an_agent_is_created_from_the_nodes_picker_and_chosen(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    workflow_id = draft_workflow(
        api, "Picker", [node("in", "input", 0), node("a", "agent", 260, agent="")], []
    )
    page.goto(f"/workflows/{workflow_id}")
    page.get_by_test_id("node-a").click()
    page.get_by_test_id("new-agent-from-node").click()
    page.locator(".modal input[name=name]").fill("scout")
    page.get_by_test_id("item-submit").click()
    model = page.locator(".modal input[placeholder^='provider:name']").first
    expect(model).to_be_focused()  # the field the server refused, its message beside it
    model.fill("builtin:smollm2-135m")
    page.get_by_test_id("item-submit").click()
    expect(page.get_by_test_id("prop-config-agent")).to_have_value("scout")


def test_router_modes_read_as_words(logged_in: Page, api: httpx.Client) -> None:
    page = logged_in
    workflow_id = draft_workflow(api, "Route", [node("r", "router", 0)], [])
    page.goto(f"/workflows/{workflow_id}")
    page.get_by_test_id("node-r").click()
    mode = page.get_by_test_id("prop-config-mode")
    expect(mode.locator("option:checked")).to_have_text("Rules (an expression per route)")


def test_a_cancelled_runs_interrupted_node_shows_cancelled_and_counts_its_tokens(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    make_agent(api, "slow", delay=8.0, chunks=80)
    workflow_id = workflow_with(
        api,
        "Cancel me",
        [node("in", "input", 0, name="topic"), node("slow", "agent", 260, agent="slow")],
        [edge("in", "slow")],
    )
    run_id = start(api, workflow_id, {"topic": QUESTION})
    page.goto(f"/runs/{run_id}")
    page.wait_for_function(
        "() => (document.querySelector('[data-testid=node-stream-slow]')?.textContent ?? '')"
        ".length > 20",
        timeout=30_000,
    )
    page.get_by_test_id("cancel-run").click()
    expect(page.get_by_test_id("node-status-slow")).to_contain_text("cancelled")
    meta = page.get_by_test_id("node-slow").locator(".meta")
    expect(meta).to_contain_text(re.compile(r"~[1-9]\d* tok"))
    shot(page, "first-steps-cancelled-node")


def test_staff_see_whose_workflows_and_runs_and_reach_the_lab(
    logged_in: Page, api: httpx.Client, user: Any, django_user_model: Any
) -> None:
    from workflows.models import Workflow

    def setup() -> None:
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
        other = django_user_model.objects.create_user("grace", password="x-pass-123456")
        Workflow.objects.create(owner=other, name="Grace's flow")

    orm(setup)
    page = logged_in
    page.goto("/")
    page.reload()
    row = page.locator("tr", has_text="Grace's flow")
    expect(row.get_by_test_id("workflow-owner")).to_have_text("grace")
    expect(page.locator("table.list th", has_text="Owner")).to_be_visible()
    page.get_by_test_id("lab-link").click()
    page.wait_for_url("**/admin/lab/**")
    shot(page, "first-steps-lab")


def test_a_router_followed_by_a_join_outputs_the_chosen_answer_not_a_list(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    make_agent(api, "poet", delay=0.0)
    make_agent(api, "critic", delay=0.0)
    route = {"name": "poem", "expression": "input.split()[0] == 'poem'"}
    workflow_id = workflow_with(
        api,
        "Triage",
        [
            node("in", "input", 0, name="topic", type="text"),
            node("route", "router", 200, mode="rule", routes=[route]),
            node("poet", "agent", 420, agent="poet"),
            {**node("critic", "agent", 420, agent="critic"), "position": {"x": 420, "y": 320}},
            node("join", "join", 640),
            node("out", "output", 860, name="answer"),
        ],
        [
            edge("in", "route"),
            edge("route", "poet", "poem"),
            edge("route", "critic", "default"),
            edge("poet", "join"),
            edge("critic", "join"),
            edge("join", "out"),
        ],
    )
    run_id = start(api, workflow_id, {"topic": "poem about rain"})
    page.goto(f"/runs/{run_id}")
    expect(page.locator(".editor-bar [data-testid=status-badge]")).to_have_text("succeeded")
    outputs = page.get_by_test_id("run-outputs")
    expect(outputs).to_contain_text("poet: poem about rain")
    expect(outputs).not_to_contain_text("[")
    shot(page, "first-steps-router-join")
