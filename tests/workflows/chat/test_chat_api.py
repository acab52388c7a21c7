"""The chat API without a worker: sessions, sending, branching, feedback, memory, bad input."""

from __future__ import annotations

from typing import Any

import pytest

from tests.workflows.chat.conftest import plain_graph
from workflows.chat.models import ChatMessage
from workflows.models import Run
from workflows.services import workflow_create, workflow_save_draft

pytestmark = pytest.mark.django_db


def fields(response: Any) -> dict[str, Any]:
    return dict(response.json()["error"]["fields"])


def session_for(api: Any, workflow: Any, **extra: Any) -> dict[str, Any]:
    response = api.post("/api/chat/sessions/", {"workflow": workflow.pk, **extra}, format="json")
    assert response.status_code == 201, response.content
    return dict(response.json())


def send(api: Any, session: dict[str, Any], content: str, **extra: Any) -> Any:
    url = f"/api/chat/sessions/{session['id']}/messages/"
    return api.post(url, {"content": content, **extra}, format="json")


def test_a_chat_workflow_says_it_can_chat_and_names_its_chat_nodes(owner_api, chatty):
    body = owner_api.get(f"/api/workflows/{chatty.pk}/chat/").json()
    assert body["can_chat"] is True and body["how_to"] == ""
    assert [i["node"] for i in body["inputs"] if i["chat"]] == ["chat"]
    assert [o["node"] for o in body["outputs"] if o["chat"]] == ["answer"]


def test_a_workflow_without_a_chat_input_explains_how_to_add_one(owner_api, owner):
    plain = workflow_create(owner=owner, name="Plain", graph=plain_graph())
    body = owner_api.get(f"/api/workflows/{plain.pk}/chat/").json()
    assert body["can_chat"] is False
    assert "no chat input" in body["reason"] and "chat mode" in body["how_to"]
    response = owner_api.post("/api/chat/sessions/", {"workflow": plain.pk}, format="json")
    assert response.status_code == 400
    assert "chat input" in fields(response)["workflow"][0]


def test_the_chat_check_reads_the_saved_draft_when_asked(owner_api, owner, chatty):
    workflow_save_draft(workflow=chatty, graph=plain_graph())
    assert owner_api.get(f"/api/workflows/{chatty.pk}/chat/").json()["can_chat"] is True
    assert owner_api.get(f"/api/workflows/{chatty.pk}/chat/?draft=1").json()["can_chat"] is False


def test_sending_a_message_starts_a_run_with_the_message_and_history(owner_api, chatty):
    session = session_for(owner_api, chatty)
    response = send(owner_api, session, "Hello there")
    assert response.status_code == 201
    body = response.json()
    assert body["user_message"]["content"] == "Hello there"
    answer = body["assistant_message"]
    assert answer["status"] == "streaming" and answer["stream_nodes"] == ["bot"]
    run = Run.objects.get(pk=answer["run"])
    assert run.inputs == {"message": "Hello there", "history": []}
    assert run.session is not None and str(run.session) == session["id"]
    listed = owner_api.get(f"/api/chat/sessions/{session['id']}/").json()
    assert listed["title"] == "Hello there" and listed["message_count"] == 2


def test_earlier_turns_of_the_active_branch_become_the_history(owner_api, chatty):
    session = session_for(owner_api, chatty)
    first = send(owner_api, session, "one").json()["assistant_message"]
    ChatMessage.objects.filter(pk=first["id"]).update(status="done", content="bot: one")
    second = send(owner_api, session, "two").json()["assistant_message"]
    assert Run.objects.get(pk=second["run"]).inputs["history"] == [
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": "bot: one"},
    ]
    messages = owner_api.get(f"/api/chat/sessions/{session['id']}/messages/").json()
    assert [m["content"] for m in messages] == ["one", "bot: one", "two", ""]
    assert messages[2]["parent"] == first["id"]


def test_edit_and_resend_branches_and_the_new_branch_becomes_active(owner_api, chatty):
    session = session_for(owner_api, chatty)
    send(owner_api, session, "first try")
    edited = send(owner_api, session, "second try", parent=None)
    assert edited.status_code == 201
    messages = owner_api.get(f"/api/chat/sessions/{session['id']}/messages/").json()
    assert [m["content"] for m in messages if m["role"] == "user"] == ["second try"]
    assert ChatMessage.objects.filter(content="first try").exists()  # nothing is deleted


def test_regenerate_adds_a_sibling_answer_to_the_same_question(owner_api, chatty):
    session = session_for(owner_api, chatty)
    sent = send(owner_api, session, "again?").json()
    response = owner_api.post(f"/api/chat/messages/{sent['assistant_message']['id']}/regenerate/")
    assert response.status_code == 201
    new = response.json()
    assert (
        new["parent"] == sent["user_message"]["id"] and new["id"] != sent["assistant_message"]["id"]
    )
    messages = owner_api.get(f"/api/chat/sessions/{session['id']}/messages/").json()
    assert [m["id"] for m in messages] == [sent["user_message"]["id"], new["id"]]
    question = owner_api.post(f"/api/chat/messages/{sent['user_message']['id']}/regenerate/")
    assert question.status_code == 400


def test_an_empty_message_is_refused_and_nothing_is_stored(owner_api, chatty):
    session = session_for(owner_api, chatty)
    response = send(owner_api, session, "   ")
    assert response.status_code == 400 and "content" in fields(response)
    assert not ChatMessage.objects.exists()


def test_another_users_session_and_messages_are_not_found(owner_api, other_api, chatty):
    session = session_for(owner_api, chatty)
    sent = send(owner_api, session, "mine").json()
    assert other_api.get(f"/api/chat/sessions/{session['id']}/").status_code == 404
    assert send(other_api, session, "theirs").status_code == 404
    assert other_api.get(f"/api/chat/sessions/{session['id']}/memory/").status_code == 404
    message = sent["assistant_message"]["id"]
    assert other_api.post(f"/api/chat/messages/{message}/stop/").status_code == 404
    assert other_api.get("/api/chat/sessions/").json()["results"] == []


def test_another_users_workflow_cannot_be_chatted_with(other_api, chatty):
    response = other_api.post("/api/chat/sessions/", {"workflow": chatty.pk}, format="json")
    assert response.status_code == 400 and "workflow" in fields(response)


def test_sessions_are_listed_per_workflow_and_found_by_what_was_said(owner_api, owner, chatty):
    a = session_for(owner_api, chatty, title="Trip")
    send(owner_api, a, "Where is Lisbon?")
    session_for(owner_api, chatty, title="Other")
    found = owner_api.get(f"/api/chat/sessions/?workflow={chatty.pk}&search=lisbon").json()
    assert [s["id"] for s in found["results"]] == [a["id"]]
    assert found["results"][0]["last_message"] == ""  # the answer is still streaming
    everything = owner_api.get(f"/api/chat/sessions/?workflow={chatty.pk}").json()["results"]
    assert len(everything) == 2


def test_a_session_is_renamed_pinned_and_deleted(owner_api, chatty):
    session = session_for(owner_api, chatty)
    url = f"/api/chat/sessions/{session['id']}/"
    renamed = owner_api.patch(url, {"title": "Renamed", "version": 1}, format="json").json()
    assert renamed["title"] == "Renamed" and renamed["version"] == 1
    missing = owner_api.patch(url, {"version": 9}, format="json")
    assert missing.status_code == 400 and "version" in fields(missing)
    send(owner_api, session, "bye")
    assert owner_api.delete(url).status_code == 204
    assert owner_api.get(url).status_code == 404 and not ChatMessage.objects.exists()


def test_a_playground_session_runs_the_draft_as_an_unnumbered_draft_version(owner_api, chatty):
    session = session_for(owner_api, chatty, draft=True)
    answer = send(owner_api, session, "draft?").json()["assistant_message"]
    run = Run.objects.select_related("version").get(pk=answer["run"])
    assert run.version.draft is True and run.version.number == 0
    assert [v.number for v in chatty.versions.all()] == [1]  # no numbered version was made
    assert owner_api.get(f"/api/runs/{run.pk}/").json()["draft"] is True
    again = send(owner_api, session, "still the same draft").json()["assistant_message"]
    assert Run.objects.get(pk=again["run"]).version_id == run.version_id


def test_a_playground_run_shows_the_draft_it_ran_not_the_draft_saved_since(
    owner_api, other_api, chatty
):
    session = session_for(owner_api, chatty, draft=True)
    run_id = send(owner_api, session, "draft?").json()["assistant_message"]["run"]
    workflow_save_draft(workflow=chatty, graph=plain_graph())  # the user keeps editing
    body = owner_api.get(f"/api/runs/{run_id}/graph/").json()
    assert body["draft"] is True and body["version"] is None
    assert [n["id"] for n in body["graph"]["nodes"]] == ["chat", "bot", "answer"]
    assert other_api.get(f"/api/runs/{run_id}/graph/").status_code == 404


def test_feedback_is_stored_on_an_answer(owner_api, chatty):
    session = session_for(owner_api, chatty)
    answer = send(owner_api, session, "rate me").json()["assistant_message"]
    url = f"/api/chat/messages/{answer['id']}/feedback/"
    body = owner_api.post(url, {"rating": "down", "comment": "too short"}, format="json").json()
    assert body["feedback"] == {"rating": "down", "comment": "too short"}
    cleared = owner_api.post(url, {"rating": None}, format="json").json()
    assert cleared["feedback"] == {"rating": None, "comment": ""}
    assert owner_api.post(url, {"rating": "meh"}, format="json").status_code == 400


def test_session_and_user_memory_are_listed_written_and_deleted(owner_api, chatty):
    session = session_for(owner_api, chatty)
    url = f"/api/chat/sessions/{session['id']}/memory/"
    owner_api.put(url, {"scope": "session", "key": "name", "value": "Ada"}, format="json")
    items = owner_api.put(url, {"scope": "user", "key": "tone", "value": "brief"}, format="json")
    assert [(i["scope"], i["key"], i["value"]) for i in items.json()] == [
        ("session", "name", "Ada"),
        ("user", "tone", "brief"),
    ]
    other_session = session_for(owner_api, chatty)
    shared = owner_api.get(f"/api/chat/sessions/{other_session['id']}/memory/").json()
    assert [(i["scope"], i["key"]) for i in shared] == [("user", "tone")]
    assert owner_api.delete(f"{url}?scope=session&key=name").status_code == 204
    assert owner_api.delete(f"{url}?scope=session&key=name").status_code == 404
    bad = owner_api.put(url, {"scope": "planet", "key": "x", "value": 1}, format="json")
    assert bad.status_code == 400 and "scope" in fields(bad)
