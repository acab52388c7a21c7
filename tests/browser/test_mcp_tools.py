"""The Tools page's `mcp` kind: a server saved from the form, its tools discovered by a click."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import shot
from tests.browser.test_workflows import new_item
from tests.tools.mcp_servers import serving

pytestmark = pytest.mark.browser


def save_server(page: Page, name: str, url: str) -> None:
    new_item(page, "/tools", name=name, description="A local MCP server.")
    page.get_by_test_id("field-kind").select_option("mcp")
    page.get_by_test_id("field-config-url").fill(url)
    expect(page.get_by_text("Save the tool, then discover its tools.")).to_be_visible()
    page.get_by_test_id("item-submit").click()
    expect(page.locator(".modal")).to_have_count(0)


def edit(page: Page, name: str) -> None:
    row = page.locator("table.list tr").filter(has_text=name)
    row.get_by_role("button", name="Edit").click()


def test_an_mcp_server_is_saved_then_its_tools_are_discovered_into_the_catalog(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    with serving() as url:
        save_server(page, "local", url)
        edit(page, "local")
        page.get_by_test_id("mcp-refresh").click()
        discovered = page.get_by_test_id("mcp-discovered")
        expect(discovered).to_contain_text("4 tools")
        expect(discovered).to_contain_text("Adds two whole numbers.")
        shot(page, "30-mcp-tool-discovered")
    catalog: list[dict[str, Any]] = api.get("/api/tools/catalog/").raise_for_status().json()
    assert {"local__add", "local__slow"} <= {t["name"] for t in catalog}


def test_discovering_from_a_server_that_is_down_shows_why_in_red(logged_in: Page) -> None:
    page = logged_in
    save_server(page, "gone", "http://127.0.0.1:9/mcp")
    edit(page, "gone")
    page.get_by_test_id("mcp-refresh").click()
    expect(page.locator(".err-banner").filter(has_text="127.0.0.1:9")).to_be_visible()
    shot(page, "31-mcp-tool-down")


def test_a_server_that_wants_a_token_is_given_a_stored_credential_from_the_form(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    token = "tok-browser-5e6f7a8b"
    stored = api.post(
        "/api/credentials/", json={"provider": "token", "label": "local mcp", "secret": token}
    ).raise_for_status()
    with serving(require=("Authorization", f"Bearer {token}")) as url:
        new_item(page, "/tools", name="guarded", description="A local MCP server with a token.")
        page.get_by_test_id("field-kind").select_option("mcp")
        page.get_by_test_id("field-config-url").fill(url)
        page.get_by_test_id("field-config-credential").select_option(str(stored.json()["id"]))
        expect(page.get_by_test_id("field-config-credential-mode")).to_have_value("bearer")
        page.get_by_test_id("item-submit").click()
        expect(page.locator(".modal")).to_have_count(0)
        edit(page, "guarded")
        page.get_by_test_id("mcp-refresh").click()
        expect(page.get_by_test_id("mcp-discovered")).to_contain_text("4 tools")
        shot(page, "32-mcp-tool-credential")
        assert token not in page.content()
