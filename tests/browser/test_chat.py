"""Chatting with a flow in the browser (issue 15): the seeded Assistant streams its answers, keeps
the conversation over a reload, stops mid-stream, regenerates, branches on edit-and-resend (and
switches between the branches, "‹ 1 / 2 ›"), and
shows model output that looks like HTML as text. One turn runs on the builtin model; the rest on
scripted models (deterministic, and timed so a stream can be watched and stopped)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Dialog, Locator, Page, expect

from tests.browser.conftest import orm, shot

pytestmark = pytest.mark.browser


XSS = "<img src=x onerror=alert(1)>"
LAST_ANSWER = "[data-testid=chat-answer] >> nth=-1"


def assistant(api: httpx.Client, user: Any) -> dict[str, Any]:
    """The seeded Assistant (`manage.py bootstrap` seeds it): chat input, agent, chat output."""
    from workflows.demo import assistant_seed

    assert orm(lambda: assistant_seed(owner=user))
    found = api.get("/api/workflows/?search=Assistant").raise_for_status().json()["results"]
    return dict(next(w for w in found if w["name"] == "Assistant"))


def answer_with(model: str) -> None:
    """Point the Assistant's agent at another model (the API refuses `scripted:` models)."""
    from agents.models import Agent

    assert orm(lambda: Agent.objects.filter(name="Assistant").update(model=model)) == 1


def answers(page: Page) -> Any:
    return page.get_by_test_id("chat-answer")


def bubbles(page: Page) -> Locator:
    return page.locator("[data-testid=chat-user] .chat-bubble")


def send(scope: Page | Locator, text: str) -> None:
    """Send a message and wait until its answer is in the thread."""
    count = scope.get_by_test_id("chat-answer").count()
    box = scope.get_by_test_id("chat-input")
    box.fill(text)
    box.press("Enter")
    expect(scope.get_by_test_id("chat-answer")).to_have_count(count + 1)


def settled(page: Page, status: str = "done", timeout: float = 30_000) -> None:
    expect(page.locator(LAST_ANSWER)).to_have_attribute("data-status", status, timeout=timeout)


def first_tokens_before_the_end(page: Page) -> str:
    """Waits for streamed text while the answer is still streaming; returns that text."""
    streaming = page.locator(f"{LAST_ANSWER} >> [data-testid=chat-streaming] .md")
    expect(streaming).not_to_be_empty(timeout=20_000)
    text = streaming.inner_text()
    expect(page.locator(LAST_ANSWER)).to_have_attribute("data-status", "streaming")
    return text


def thread_texts(page: Page) -> list[str]:
    items = page.locator("[data-testid=chat-user] .chat-bubble, [data-testid=chat-answer] .md")
    return [t.strip() for t in items.all_inner_texts()]


def test_the_assistant_chats_streams_keeps_stops_regenerates_and_branches(
    logged_in: Page, api: httpx.Client, user: Any
) -> None:
    page = logged_in
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:  # an alert() from model output would land here
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    wf = assistant(api, user)
    page.goto("/")
    page.get_by_test_id(f"workflow-row-{wf['id']}").get_by_test_id("workflow-chat").click()
    page.get_by_test_id("chat-new").first.click()
    expect(page).to_have_url(re.compile(rf"/workflows/{wf['id']}/chat/[0-9a-f-]+$"))

    # Turn 1 on the builtin model, out of the box.
    send(page, "What is 12 times 7?")
    expect(bubbles(page)).to_have_text(["What is 12 times 7?"])
    settled(page, timeout=240_000)
    expect(answers(page).nth(0).locator(".md")).not_to_be_empty()

    # Turn 2: tokens show while the run still streams.
    answer_with("scripted:assistant?delay=3&chunks=30")
    send(page, "Tell me about lighthouses")
    early = first_tokens_before_the_end(page)
    shot(page, "chat-01-streaming")
    settled(page)
    full = answers(page).nth(1).locator(".md").inner_text()
    assert full.startswith(early.rstrip()) and len(full) > len(early)
    assert "Tell me about lighthouses" in full

    # Turn 3: an answer that contains HTML renders as text.
    send(page, XSS)
    settled(page)
    expect(answers(page).nth(2).locator(".md")).to_contain_text(XSS)
    expect(page.get_by_test_id("chat-thread").locator("img")).to_have_count(0)
    expect(page.get_by_test_id("memory-session-questions")).to_contain_text("lighthouses")
    shot(page, "chat-02-three-turns")

    # A reload keeps the conversation.
    before = thread_texts(page)
    assert len(before) == 6
    page.reload()
    expect(answers(page)).to_have_count(3)
    assert thread_texts(page) == before

    # Stop mid-stream: the answer keeps what streamed so far.
    answer_with("scripted:assistant?delay=8&chunks=80")
    send(page, "Write a very long story about the sea")
    first_tokens_before_the_end(page)
    page.get_by_test_id("chat-stop").click()
    settled(page, "stopped")
    kept = answers(page).nth(3).locator(".md").inner_text()
    assert kept and "Write a very long story about the sea" not in kept
    expect(page.get_by_test_id("chat-send")).to_be_visible()
    shot(page, "chat-03-stopped")

    # Regenerate the stopped answer: a new one replaces it.
    answer_with("scripted:again?delay=0.5&chunks=4")
    page.locator(LAST_ANSWER).get_by_test_id("chat-regenerate").click()
    settled(page)
    expect(answers(page)).to_have_count(4)
    expect(answers(page).nth(3).locator(".md")).to_have_text(
        re.compile(r"again: .*Write a very long story about the sea")
    )

    # Edit and resend the third message: the conversation branches from there.
    page.get_by_test_id("chat-user").nth(2).hover()
    page.get_by_test_id("chat-user").nth(2).get_by_test_id("chat-edit-button").click()
    page.get_by_test_id("chat-edit").locator("textarea").fill("Who keeps a lighthouse?")
    page.get_by_test_id("chat-edit-send").click()
    expect(page.get_by_test_id("chat-user")).to_have_count(3)
    expect(bubbles(page).nth(2)).to_have_text("Who keeps a lighthouse?")
    settled(page)
    expect(answers(page).nth(2).locator(".md")).to_contain_text("again: Who keeps a lighthouse?")
    expect(page.get_by_test_id("chat-thread")).not_to_contain_text(XSS)
    shot(page, "chat-04-branched")

    # Feedback on an answer, with a comment.
    answers(page).nth(2).get_by_test_id("chat-thumb-up").click()
    answers(page).nth(2).get_by_test_id("chat-feedback-comment").fill("clear")
    answers(page).nth(2).get_by_test_id("chat-feedback-comment").press("Enter")
    expect(answers(page).nth(2).get_by_test_id("chat-thumb-up")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert dialogs == []


def branch_position(page: Page, nth: int) -> Locator:
    return page.get_by_test_id("chat-user").nth(nth).get_by_test_id("chat-branch-pos")


def test_an_edited_message_keeps_both_branches_and_the_switcher_moves_between_them(
    logged_in: Page, api: httpx.Client, user: Any
) -> None:
    page = logged_in
    wf = assistant(api, user)
    answer_with("scripted:trip?delay=0.2&chunks=2")
    page.goto(f"/workflows/{wf['id']}/chat")
    page.get_by_test_id("chat-new").first.click()
    for text in ("Plan a day in Oslo", "What about food?"):
        send(page, text)
        settled(page)
    expect(page.get_by_test_id("chat-branch")).to_have_count(0)  # one version of everything

    # Edit and resend the second message: a second version, shown as "2 / 2".
    page.get_by_test_id("chat-user").nth(1).hover()
    page.get_by_test_id("chat-user").nth(1).get_by_test_id("chat-edit-button").click()
    page.get_by_test_id("chat-edit").locator("textarea").fill("What about museums?")
    page.get_by_test_id("chat-edit-send").click()
    expect(bubbles(page)).to_have_text(["Plan a day in Oslo", "What about museums?"])
    settled(page)
    expect(branch_position(page, 1)).to_have_text("2 / 2")
    expect(answers(page).nth(1).locator(".md")).to_contain_text("trip: What about museums?")

    # Back to the first version: its answer comes back with it.
    page.get_by_test_id("chat-user").nth(1).get_by_role(
        "button", name="Previous version of this message"
    ).click()
    expect(bubbles(page)).to_have_text(["Plan a day in Oslo", "What about food?"])
    expect(branch_position(page, 1)).to_have_text("1 / 2")
    expect(answers(page).nth(1).locator(".md")).to_contain_text("trip: What about food?")
    shot(page, "chat-07-branch-switched")

    # The choice survives a reload, and the next turn continues the shown branch.
    page.reload()
    expect(bubbles(page)).to_have_text(["Plan a day in Oslo", "What about food?"])
    expect(branch_position(page, 1)).to_have_text("1 / 2")
    send(page, "And coffee?")
    settled(page)
    expect(bubbles(page)).to_have_text(["Plan a day in Oslo", "What about food?", "And coffee?"])

    # Forth and back again: each version shows its own continuation.
    page.get_by_test_id("chat-user").nth(1).get_by_test_id("chat-branch-next").click()
    expect(bubbles(page)).to_have_text(["Plan a day in Oslo", "What about museums?"])
    expect(
        page.get_by_test_id("chat-user").nth(1).get_by_test_id("chat-branch-next")
    ).to_be_disabled()
    page.get_by_test_id("chat-user").nth(1).get_by_test_id("chat-branch-prev").click()
    expect(bubbles(page)).to_have_text(["Plan a day in Oslo", "What about food?", "And coffee?"])
    expect(answers(page).nth(2).locator(".md")).to_contain_text("trip: And coffee?")


def test_a_workflow_that_cannot_chat_explains_how_to_add_a_chat_input(
    logged_in: Page, api: httpx.Client
) -> None:
    page = logged_in
    wf = api.post("/api/workflows/", json={"name": "Numbers only"}).raise_for_status().json()
    graph = {
        "schema_version": 1,
        "nodes": [
            {
                "id": "q",
                "kind": "input",
                "label": "Q",
                "position": {"x": 0, "y": 0},
                "config": {"name": "q"},
            },
            {
                "id": "out",
                "kind": "output",
                "label": "Out",
                "position": {"x": 300, "y": 0},
                "config": {},
            },
        ],
        "edges": [
            {"id": "e1", "source": "q", "source_port": "out", "target": "out", "target_port": "in"}
        ],
    }
    body = {"graph": graph, "message": "v1"}
    api.post(f"/api/workflows/{wf['id']}/versions/", json=body).raise_for_status()
    page.goto("/")
    page.get_by_test_id(f"workflow-row-{wf['id']}").get_by_test_id("workflow-chat").click()
    how = api.get(f"/api/workflows/{wf['id']}/chat/").raise_for_status().json()
    assert how["can_chat"] is False
    card = page.get_by_test_id("cannot-chat")
    expect(card).to_contain_text(how["reason"])
    expect(card).to_contain_text(how["how_to"].replace("`", ""))  # shown as markdown
    expect(card.locator("code", has_text="chat: true")).to_be_visible()
    expect(page.get_by_test_id("chat-input")).to_have_count(0)
    shot(page, "chat-05-cannot-chat")


def test_sessions_can_be_searched_renamed_and_deleted_and_memory_edited(
    logged_in: Page, api: httpx.Client, user: Any
) -> None:
    page = logged_in
    wf = assistant(api, user)
    for title in ("Trip to Lisbon", "Taxes"):
        api.post(
            "/api/chat/sessions/", json={"workflow": wf["id"], "version": None, "title": title}
        )
    page.goto(f"/workflows/{wf['id']}/chat")
    rows = page.get_by_test_id("session-row")
    expect(rows).to_have_count(2)
    page.get_by_test_id("session-search").fill("lisbon")
    expect(rows).to_have_count(1)
    rows.first.click()
    rows.first.get_by_test_id("session-rename").click()
    page.get_by_test_id("session-title-input").fill("Lisbon in May")
    page.get_by_test_id("session-title-input").press("Enter")
    expect(rows.first).to_contain_text("Lisbon in May")

    page.get_by_test_id("chat-input").fill("   ")
    page.get_by_test_id("chat-send").click()  # a blank message: refused, in red, nothing lost
    expect(page.get_by_test_id("chat-send-error")).to_be_visible()
    expect(page.get_by_test_id("chat-input")).to_have_value("   ")
    expect(page.get_by_test_id("chat-user")).to_have_count(0)

    panel = page.get_by_test_id("memory-panel")
    add = panel.locator(".mem-add")
    add.locator("select").select_option("user")
    add.get_by_placeholder("key").fill("city")
    add.get_by_placeholder("value").fill("Lisbon")
    add.get_by_role("button", name="Add").click()
    expect(panel.get_by_test_id("memory-user-city")).to_contain_text("Lisbon")
    expect(page.locator(".chat-view")).to_have_count(1)
    shot(page, "chat-06-sessions-and-memory")
    panel.get_by_test_id("memory-user-city").get_by_title("Forget").click()
    expect(panel.get_by_test_id("memory-user-city")).to_have_count(0)

    page.get_by_test_id("session-search").fill("")
    expect(rows).to_have_count(2)
    page.once("dialog", lambda d: d.accept())
    rows.filter(has_text="Taxes").get_by_test_id("session-delete").click()
    expect(rows).to_have_count(1)
    titles = [
        s["title"] for s in api.get(f"/api/chat/sessions/?workflow={wf['id']}").json()["results"]
    ]
    assert titles == ["Lisbon in May"]


def test_the_editor_playground_chats_with_the_draft(
    logged_in: Page, api: httpx.Client, user: Any
) -> None:
    page = logged_in
    wf = assistant(api, user)
    answer_with("scripted:draft?delay=0.2&chunks=2")
    versions = api.get(f"/api/workflows/{wf['id']}/versions/").raise_for_status().json()
    page.goto(f"/workflows/{wf['id']}")
    page.get_by_test_id("tab-playground").click()
    play = page.get_by_test_id("playground")
    send(play, "hello draft")
    expect(play.get_by_test_id("chat-answer")).to_have_attribute(
        "data-status", "done", timeout=30_000
    )
    expect(play.get_by_test_id("chat-answer").locator(".md")).to_contain_text("draft: hello draft")
    send(play, "Here is **code**:\n\n```python\nprint('<b>hi</b>')\n```\n\n- one\n- two")
    expect(play.get_by_test_id("chat-answer").nth(1)).to_have_attribute("data-status", "done")
    code = play.get_by_test_id("chat-answer").nth(1).locator("pre code.lang-python")
    expect(code).to_have_text("print('<b>hi</b>')")
    expect(play.get_by_test_id("chat-answer").nth(1).locator("li")).to_have_count(2)
    shot(page, "chat-07-playground")
    href = play.get_by_test_id("chat-trace").first.get_attribute("href") or ""
    run = api.get(f"/api/runs/{href.rsplit('/', 1)[-1]}/").raise_for_status().json()
    assert run["draft"] is True
    after = api.get(f"/api/workflows/{wf['id']}/versions/").raise_for_status().json()
    assert len(after) == len(versions)  # a draft turn creates no numbered version
    sessions = api.get(f"/api/chat/sessions/?workflow={wf['id']}").raise_for_status().json()
    assert [s["draft"] for s in sessions["results"]] == [True]  # one playground session

    play.get_by_test_id(
        "chat-trace"
    ).first.click()  # the trace of a draft run: marked, with its graph
    expect(page.get_by_test_id("run-draft")).to_have_text("draft")
    expect(page.locator(".react-flow__node")).to_have_count(4)
    shot(page, "chat-08-draft-run")
