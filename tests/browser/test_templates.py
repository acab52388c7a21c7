"""The templates gallery and the Langflow/Flowise import, as a new user takes them: find the RAG
template, use it, run it on the builtin model; import a Flowise Agentflow v2 file, read the
report, save it and run it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import shot
from tests.browser.test_build_and_run import start_run
from tests.browser.test_first_steps import assert_no_node_overlaps

pytestmark = pytest.mark.browser
FLOWISE = (
    Path(__file__).resolve().parents[1] / "fixtures" / "imports" / "flowise_agentflow_simple.json"
)


def finished(page: Page) -> None:
    expect(page.locator(".editor-bar [data-testid=status-badge]")).to_have_text(
        "succeeded", timeout=120_000
    )


def test_a_new_user_finds_the_rag_template_uses_it_and_runs_it(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    page.set_viewport_size({"width": 1440, "height": 900})
    page.get_by_test_id("browse-templates").click()
    page.wait_for_url("**/templates")
    expect(page.locator(".template-card")).to_have_count(13)
    expect(page.locator(".template-card svg.graph-picture").first).to_be_visible()
    shot(page, "templates-01-gallery")
    page.get_by_test_id("theme-toggle").click()
    shot(page, "templates-01-gallery-dark")
    page.get_by_test_id("theme-toggle").click()

    page.get_by_role("button", name="Knowledge").click()
    expect(page.locator(".template-card")).to_have_count(1)
    page.get_by_role("button", name="All").click()
    page.get_by_test_id("template-search").fill("handbook")
    card = page.get_by_test_id("template-rag-qa")
    expect(card).to_contain_text("collection AXWeb handbook")
    card.get_by_role("button", name="Use template").click()

    # the handbook's documents are embedded on the way (the embedding model may load first)
    page.wait_for_url("**/workflows/*", timeout=120_000)
    expect(page.locator(".react-flow__node")).to_have_count(4)
    expect(page.locator(".toast", has_text="is ready")).to_be_visible()
    shot(page, "templates-02-rag-editor")
    collections = api.get("/api/knowledge/collections/").json()
    names = [c["name"] for c in collections.get("results", collections)]
    assert "AXWeb handbook" in names

    start_run(page, "question", "Which model is built in?")
    assert_no_node_overlaps(page)  # while it runs, at 1440x900 (issue 17: no node over another)
    finished(page)
    expect(page.get_by_test_id("run-outputs")).to_contain_text("answer")
    assert_no_node_overlaps(page)
    shot(page, "templates-03-rag-run")


def test_a_flowise_agentflow_is_imported_with_its_report_saved_and_run(logged_in: Page) -> None:
    page = logged_in
    with page.expect_file_chooser() as chooser:
        page.get_by_test_id("import-workflow").click()
    chooser.value.set_files(str(FLOWISE))

    report = page.get_by_test_id("import-report")
    expect(report).to_contain_text("Flowise Agentflow v2")
    expect(page.get_by_test_id("report-mapped")).to_contain_text("llmAgentflow_0")
    expect(page.get_by_test_id("report-dropped")).to_contain_text("customFunctionAgentflow_0")
    expect(page.get_by_test_id("report-warnings")).to_contain_text("gpt-4o-mini")
    expect(page.locator(".modal svg.graph-picture")).to_be_visible()
    shot(page, "templates-04-import-report")

    page.get_by_test_id("import-name").fill("Imported price question")
    page.get_by_test_id("import-save").click()
    page.wait_for_url("**/workflows/*")
    expect(page.locator(".react-flow__node")).to_have_count(6)
    shot(page, "templates-05-imported-editor")

    start_run(page, "question", "How much does the pro plan cost?")
    finished(page)
    shot(page, "templates-06-imported-run")
