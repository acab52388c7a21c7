"""Signing in, the workflows list (export → import round trip) and the library pages."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, shot
from tests.browser.test_runs import edge, node, workflow_with

pytestmark = pytest.mark.browser


def test_the_login_page_refuses_a_wrong_password_then_signs_in(page: Page, user: Any) -> None:
    page.goto("/runs")
    page.wait_for_url("**/login?next=*")
    form = page.get_by_test_id("login-form")
    form.locator("input[name=username]").fill(user.username)
    form.locator("input[name=password]").fill("not-the-password")
    form.get_by_role("button", name="Sign in").click()
    expect(form.locator(".field-error")).to_contain_text("Wrong username or password")
    shot(page, "01-login-refused")
    form.locator("input[name=password]").fill(PASSWORD)
    form.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/runs")  # back where the visitor was going
    expect(page.get_by_role("heading", name="Runs", exact=True)).to_be_visible()


def export_through_the_list(page: Page, workflow_id: int) -> dict[str, Any]:
    with page.expect_download() as download:
        page.get_by_test_id(f"workflow-row-{workflow_id}").get_by_role(
            "button", name="Export"
        ).click()
    path = download.value.path()
    return dict(json.loads(path.read_text()))


def test_a_workflow_survives_export_and_import_through_the_ui(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    original = workflow_with(
        api,
        "Gated release",
        [
            node("in", "input", 0, name="change"),
            node("gate", "approval", 260, prompt="Ship {{in}}?"),
            node("out", "output", 520, name="shipped"),
        ],
        [edge("in", "gate"), edge("gate", "out", source_port="approved")],
    )
    page.reload()
    expect(page.get_by_test_id(f"workflow-row-{original}")).to_contain_text("v1 · v1")
    shot(page, "02-workflows-list")
    exported = export_through_the_list(page, original)
    assert exported == api.get(f"/api/workflows/{original}/export/").raise_for_status().json()

    with page.expect_file_chooser() as chooser:
        page.get_by_test_id("import-workflow").click()
    chooser.value.set_files(
        {
            "name": "gated.axweb.json",
            "mimeType": "application/json",
            "buffer": json.dumps(exported).encode(),
        }
    )
    page.wait_for_url(
        lambda url: "/workflows/" in url and not url.endswith(f"/workflows/{original}")
    )
    for node_id in ("in", "gate", "out"):
        expect(page.get_by_test_id(f"node-{node_id}")).to_be_visible()
    shot(page, "03-editor-imported")
    imported = int(page.url.rstrip("/").rsplit("/", 1)[-1])
    again = api.get(f"/api/workflows/{imported}/export/").raise_for_status().json()
    assert again["graph"]["nodes"] == exported["graph"]["nodes"]
    assert again["graph"]["edges"] == exported["graph"]["edges"]
    assert again["description"] == exported["description"]
    assert again["name"].startswith(exported["name"])


LIBRARY = {
    "agents": "Agents",
    "tools": "Tools",
    "models": "Models",
    "knowledge": "Knowledge",
    "credentials": "Credentials",
    "runs": "Runs",
}


def new_item(page: Page, path: str, **fields: str) -> None:
    """Open a library page's New form and fill its plain fields (test id field-<name>)."""
    page.goto(path)
    page.get_by_test_id("new-item").click()
    for name, value in fields.items():
        page.get_by_test_id(f"field-{name}").fill(value)


def test_the_library_pages_list_what_the_api_holds(logged_in: Page, api: httpx.Client) -> None:
    page = logged_in
    new_item(page, "/agents", name="critic", role="finds flaws", model="builtin:smollm2-135m")
    page.get_by_test_id("field-fallback_models-add").click()
    page.get_by_test_id("field-fallback_models-0").fill("ollama:llama3.2")
    page.get_by_test_id("field-parameters-temperature").fill("0.3")
    page.get_by_test_id("field-parameters-max_tokens").fill("256")
    page.get_by_test_id("field-parameters-stop").fill("###")
    page.get_by_test_id("field-parameters-cache").check()
    page.get_by_test_id(
        "field-parameters-max_steps"
    ).click()  # leaves the stop list: it is kept on blur
    shot(page, "09-agent-form")
    page.get_by_test_id("item-submit").click()
    expect(page.locator("table.list")).to_contain_text("finds flaws")
    agents = api.get("/api/agents/").raise_for_status().json()["results"]
    assert [(a["name"], a["role"], a["model"]) for a in agents] == [
        ("critic", "finds flaws", "builtin:smollm2-135m")
    ]
    assert agents[0]["fallback_models"] == ["ollama:llama3.2"]
    assert agents[0]["parameters"] == {
        "temperature": 0.3,
        "max_tokens": 256,
        "stop": ["###"],
        "cache": True,
    }

    page.get_by_test_id(f"item-{agents[0]['id']}").get_by_role("button", name="Edit").click()
    expect(page.get_by_test_id("field-parameters-temperature")).to_have_value("0.3")
    expect(page.get_by_test_id("field-parameters-delegates")).to_contain_text(
        "None available."
    )  # not itself
    page.get_by_test_id("field-fallback_models-add").click()
    page.get_by_test_id("field-fallback_models-1").fill("nope")
    page.get_by_test_id("field-parameters-temperature").fill("7")
    page.get_by_test_id("item-submit").click()
    expect(
        page.locator(".field-error").filter(has_text="#2:")
    ).to_be_visible()  # at the fallback list
    expect(
        page.locator(".field-error").filter(has_text="temperature must be a number from 0 to 2")
    ).to_be_visible()
    page.get_by_test_id("field-fallback_models-1-remove").click()
    page.get_by_test_id("field-parameters-temperature").fill("")
    page.get_by_test_id("item-submit").click()
    expect(page.locator(".modal")).to_have_count(0)
    saved = api.get(f"/api/agents/{agents[0]['id']}/").raise_for_status().json()
    assert saved["parameters"] == {"max_tokens": 256, "stop": ["###"], "cache": True}
    api.post(
        "/api/knowledge/collections/", json={"name": "handbook", "description": "team rules"}
    ).raise_for_status()
    api.post(
        "/api/credentials/",
        json={"provider": "anthropic", "label": "work", "secret": "sk-test-abcd"},
    ).raise_for_status()

    for path, title in LIBRARY.items():
        page.goto(f"/{path}")
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
        expect(page.locator("table.list, .card.empty").first).to_be_visible()  # loaded
        expect(page.locator(".err-banner")).to_have_count(0)
        shot(page, f"10-library-{path}")
    page.goto(
        "/models"
    )  # the registry is staff-edited: a user sees it, without buttons that would be refused
    expect(page.get_by_text("Only staff can change this list.")).to_be_visible()
    expect(page.get_by_test_id("new-item")).to_have_count(0)
    page.goto("/knowledge")
    expect(page.get_by_text("handbook")).to_be_visible()
    page.goto("/credentials")
    expect(page.get_by_text("abcd")).to_be_visible()  # the last four, never the secret
    expect(page.get_by_text("sk-test-abcd")).to_have_count(0)
    page.get_by_test_id(
        "new-item"
    ).click()  # the providers that take a key, then tool tokens, from the provider table
    expect(page.get_by_test_id("field-provider").locator("option")).to_have_text(
        ["anthropic", "token"]
    )


def test_a_python_tool_is_written_as_code_and_an_http_tool_as_an_endpoint(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    new_item(page, "/tools", name="shout", description="Upper-cases text.")
    code = page.get_by_test_id("field-config-code")
    code.fill("if inputs['text']:\n")
    code.press("End")
    code.press("Tab")  # indents inside the editor instead of leaving it
    code.type("result = inputs['text'].upper()")
    page.get_by_test_id("field-config-cpu_s").fill("2")
    shot(page, "12-tool-form")
    page.get_by_test_id("item-submit").click()
    expect(page.locator("table.list")).to_contain_text("shout")
    tool = api.get("/api/tools/").raise_for_status().json()["results"][0]
    assert tool["config"] == {
        "code": "if inputs['text']:\n    result = inputs['text'].upper()",
        "limits": {"cpu_s": 2},
    }

    new_item(page, "/tools", name="lookup", description="Looks a word up.")
    page.get_by_test_id("field-kind").select_option("http")
    page.get_by_test_id("field-config-url").fill("https://dictionary.example.org/lookup")
    page.get_by_test_id("field-config-method").select_option("DELETE")
    page.get_by_test_id("field-config-url").fill("ftp://dictionary.example.org/")
    page.get_by_test_id("item-submit").click()
    expect(page.locator(".field-error").filter(has_text="http:// or https://")).to_be_visible()
    page.get_by_test_id("field-config-url").fill("https://dictionary.example.org/lookup")
    page.get_by_test_id("item-submit").click()
    expect(page.locator(".modal")).to_have_count(0)
    lookup = [
        t
        for t in api.get("/api/tools/").raise_for_status().json()["results"]
        if t["name"] == "lookup"
    ][0]
    assert lookup["config"] == {"url": "https://dictionary.example.org/lookup", "method": "DELETE"}
