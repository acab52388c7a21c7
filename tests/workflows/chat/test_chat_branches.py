"""Branches of a conversation: each message lists its versions (`siblings`), and switching to
one shows that branch's continuation, survives a reload, and is where the next turn goes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.workflows.chat.test_chat_api import send, session_for
from workflows.chat.models import ChatSession

pytestmark = pytest.mark.django_db


def shown(api: Any, session: dict[str, Any]) -> list[dict[str, Any]]:
    return list(api.get(f"/api/chat/sessions/{session['id']}/messages/").json())


def user_texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m["content"] for m in messages if m["role"] == "user"]


def two_versions_of_the_second_turn(api: Any, workflow: Any) -> tuple[dict[str, Any], ...]:
    """hello → (answer) → "first try" → … ; then "first try" edited into "second try"."""
    session = session_for(api, workflow)
    hello = send(api, session, "hello").json()
    first = send(api, session, "first try").json()
    send(api, session, "deeper on the first branch")
    parent = hello["assistant_message"]["id"]
    second = send(api, session, "second try", parent=parent).json()
    return session, first, second


def test_a_message_lists_its_versions_oldest_first(owner_api, chatty):
    session, first, second = two_versions_of_the_second_turn(owner_api, chatty)
    messages = shown(owner_api, session)
    assert user_texts(messages) == ["hello", "second try"]
    versions = [first["user_message"]["id"], second["user_message"]["id"]]
    assert messages[2]["siblings"] == versions
    assert second["user_message"]["siblings"] == versions
    assert messages[0]["siblings"] == [messages[0]["id"]]  # the only first message
    assert messages[3]["siblings"] == [messages[3]["id"]]


def test_switching_shows_the_branchs_continuation_and_survives_a_reload(owner_api, chatty):
    session, first, second = two_versions_of_the_second_turn(owner_api, chatty)
    switched = owner_api.post(f"/api/chat/messages/{first['user_message']['id']}/switch/")
    assert switched.status_code == 200
    assert user_texts(switched.json()) == ["hello", "first try", "deeper on the first branch"]
    assert user_texts(shown(owner_api, session)) == user_texts(switched.json())
    back = owner_api.post(f"/api/chat/messages/{second['user_message']['id']}/switch/").json()
    assert user_texts(back) == ["hello", "second try"]


def test_the_next_turn_continues_the_shown_branch(owner_api, chatty):
    session, first, _second = two_versions_of_the_second_turn(owner_api, chatty)
    owner_api.post(f"/api/chat/messages/{first['user_message']['id']}/switch/")
    sent = send(owner_api, session, "and then?").json()
    # the answers are still streaming (no worker here): the history is the branch's questions
    assert [t["content"] for t in sent_history(sent)] == [
        "hello",
        "first try",
        "deeper on the first branch",
    ]
    assert user_texts(shown(owner_api, session)) == [
        "hello",
        "first try",
        "deeper on the first branch",
        "and then?",
    ]


def sent_history(sent: dict[str, Any]) -> list[dict[str, Any]]:
    from workflows.models import Run

    return list(Run.objects.get(pk=sent["assistant_message"]["run"]).inputs["history"])


def test_switching_between_regenerated_answers(owner_api, chatty):
    session = session_for(owner_api, chatty)
    sent = send(owner_api, session, "again?").json()
    old = sent["assistant_message"]["id"]
    new = owner_api.post(f"/api/chat/messages/{old}/regenerate/").json()
    assert shown(owner_api, session)[1]["siblings"] == [old, new["id"]]
    back = owner_api.post(f"/api/chat/messages/{old}/switch/").json()
    assert [m["id"] for m in back] == [sent["user_message"]["id"], old]


def test_switching_leaves_the_sessions_place_in_the_list(owner_api, chatty):
    session, first, _ = two_versions_of_the_second_turn(owner_api, chatty)
    before = ChatSession.objects.get(pk=session["id"]).updated_at
    owner_api.post(f"/api/chat/messages/{first['user_message']['id']}/switch/")
    assert ChatSession.objects.get(pk=session["id"]).updated_at == before


def test_another_users_message_cannot_be_switched_to(owner_api, other_api, chatty):
    session, first, _ = two_versions_of_the_second_turn(owner_api, chatty)
    response = other_api.post(f"/api/chat/messages/{first['user_message']['id']}/switch/")
    assert response.status_code == 404
    assert user_texts(shown(owner_api, session)) == ["hello", "second try"]
