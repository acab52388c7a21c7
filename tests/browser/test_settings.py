"""The Settings page: create an API token, see its secret once, use it, revoke it."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import shot

pytestmark = pytest.mark.browser


def test_a_token_made_on_the_settings_page_is_shown_once_works_and_is_revoked(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    page.get_by_test_id("nav-settings").click()
    form = page.get_by_test_id("token-form")
    form.locator("input[name=name]").fill("deploy script")
    form.locator("select[name=expiry]").select_option("30")
    page.get_by_test_id("create-token").click()
    secret = page.get_by_test_id("new-token-secret").inner_text()
    row = page.get_by_test_id("token-list").locator("tr", has_text="deploy script")
    expect(row).to_contain_text("in 30 days")
    shot(page, "settings-api-tokens")

    with httpx.Client(
        base_url=api.base_url, headers={"Authorization": f"Bearer {secret}"}
    ) as client:
        assert client.get("/api/auth/me/").status_code == 200
        page.get_by_test_id("token-done").click()
        page.reload()
        expect(row).to_be_visible()
        assert secret not in page.content()  # shown once: never again after the create response

        page.once("dialog", lambda dialog: dialog.accept())
        row.get_by_role("button", name="Revoke").click()
        expect(row).to_have_count(0)
        assert client.get("/api/auth/me/").status_code == 401
    expect(page.get_by_test_id("token-list")).to_contain_text(
        "browser tests"
    )  # the other token stays
