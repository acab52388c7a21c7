"""The editor's Triggers tab: a webhook (URL, secret once, curl) that a signed call then fires,
and a schedule with its preview of the next five ticks."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import shot
from tests.workflows.triggers.helpers import echo_graph, signed

pytestmark = pytest.mark.browser


def saved_workflow(api: httpx.Client, name: str) -> str:
    workflow = api.post("/api/workflows/", json={"name": name}).raise_for_status().json()
    api.post(
        f"/api/workflows/{workflow['id']}/versions/", json={"graph": echo_graph(), "message": "v1"}
    ).raise_for_status()
    return str(workflow["id"])


def open_triggers(page: Page, workflow_id: str) -> None:
    page.goto(f"/workflows/{workflow_id}")
    page.get_by_test_id("tab-triggers").click()
    expect(page.get_by_test_id("triggers-panel")).to_be_visible()


def test_a_webhook_made_in_the_triggers_tab_starts_a_run_listed_in_its_history(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    workflow_id = saved_workflow(api, "Hooked")
    open_triggers(page, workflow_id)
    page.get_by_test_id("new-webhook").click()
    page.get_by_test_id("trigger-name").fill("From the shop")
    page.get_by_test_id("trigger-mapping").fill("question = body.order.note")
    page.get_by_test_id("trigger-create").click()
    secret = page.get_by_test_id("created-secret").inner_text()
    url = page.get_by_test_id("created-url").inner_text()
    assert secret.startswith("whsec_") and "/hooks/" in url
    expect(page.get_by_test_id("curl-example")).to_contain_text("X-AXWeb-Signature")
    shot(page, "triggers-01-webhook-created")
    page.get_by_test_id("webhook-done").click()
    expect(page.get_by_test_id("created-secret")).to_have_count(0)  # shown only that once

    body, headers = signed(secret, {"order": {"note": "gift wrap"}})
    assert httpx.post(url, content=body, headers=headers).status_code == 202
    item = page.get_by_test_id("trigger-webhook")
    item.get_by_test_id("trigger-history-toggle").click()
    expect(item.get_by_test_id("trigger-history").locator("a")).to_have_count(1)
    shot(page, "triggers-02-webhook-history")
    page.once("dialog", lambda dialog: dialog.accept())
    item.get_by_test_id("webhook-rotate").click()
    fresh = page.get_by_test_id("created-secret").inner_text()
    assert fresh.startswith("whsec_") and fresh != secret
    page.get_by_test_id("webhook-done").click()
    expect(item).to_contain_text(f"…{fresh[-4:]}")
    old_body, old_headers = signed(secret, {"order": {"note": "old secret"}})
    assert httpx.post(url, content=old_body, headers=old_headers).status_code == 401
    item.get_by_test_id("trigger-history").locator("a").click()
    page.wait_for_url("**/runs/*")
    expect(page.get_by_test_id("status-badge").first).to_be_visible()


def test_a_schedule_shows_its_next_five_ticks_and_can_be_switched_off(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    workflow_id = saved_workflow(api, "Timed")
    open_triggers(page, workflow_id)
    page.get_by_test_id("new-schedule").click()
    page.get_by_test_id("schedule-cron").fill("every monday")
    expect(page.get_by_test_id("schedule-preview").locator(".field-error")).to_be_visible()
    page.get_by_test_id("cron-preset").select_option(label="Weekdays at 09:00")
    expect(page.get_by_test_id("schedule-preview").locator("li")).to_have_count(5)
    page.get_by_test_id("schedule-timezone").fill("Europe/Paris")
    preview = page.get_by_test_id("schedule-preview")
    expect(preview).to_contain_text("Next five runs (Europe/Paris)")
    expect(preview.locator("li").first).to_contain_text("09:00:00")
    page.get_by_test_id("trigger-mapping").fill("question = 'Report for ' + scheduled_for")
    shot(page, "triggers-03-schedule-dialog")
    page.get_by_test_id("trigger-create").click()
    item = page.get_by_test_id("trigger-schedule")
    expect(item.get_by_test_id("schedule-description")).to_have_text(
        "weekdays at 09:00 (Europe/Paris)"
    )
    item.get_by_test_id("trigger-enabled").click()
    expect(item).to_have_class("trigger-item off")
    shot(page, "triggers-04-schedule-listed")
    listed = api.get(f"/api/triggers/?workflow={workflow_id}").json()["results"]
    assert [(t["kind"], t["enabled"], t["cron"]) for t in listed] == [
        ("schedule", False, "0 9 * * 1-5")
    ]
    page.once("dialog", lambda dialog: dialog.accept())
    item.get_by_test_id("trigger-delete").click()
    expect(page.get_by_test_id("trigger-schedule")).to_have_count(0)
