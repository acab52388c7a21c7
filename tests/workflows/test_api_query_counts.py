"""The hot endpoints of the API (what `bench_http` drives: list workflows, save a draft, start a
run) cost a fixed number of queries, however many workflows and versions a user has. Each
request is authenticated with an API token, as a client of the API is."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.tokens import api_token_create
from tests.workflows.conftest import parallel_graph
from workflows.services import workflow_create, workflow_save_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def token_api(owner: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=owner, name='t')[1]}")
    client.get("/api/workflows/")  # the token's last_used_at is written now, not in a count
    return client


def many_workflows(owner: Any, count: int) -> list[Any]:
    workflows = []
    for i in range(count):
        workflow = workflow_create(owner=owner, name=f"Flow {i}", graph=parallel_graph())
        for message in ("second", "third"):
            workflow_save_version(
                workflow=workflow, graph=parallel_graph(), message=message, user=owner
            )
        workflows.append(workflow)
    return workflows


def test_listing_workflows_costs_four_queries_whatever_their_number(
    owner, token_api, django_assert_max_num_queries
):
    many_workflows(owner, 12)
    with django_assert_max_num_queries(4):  # token, count, the page, its latest versions
        response = token_api.get("/api/workflows/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == 12
    assert {row["latest_version"]["number"] for row in rows} == {3}
    assert {row["latest_version"]["message"] for row in rows} == {"third"}
    assert {row["latest_version"]["created_by"] for row in rows} == {owner.username}


def test_a_workflow_without_versions_lists_none_as_its_latest_version(owner, token_api):
    workflow_create(owner=owner, name="Empty", graph=None)
    rows = token_api.get("/api/workflows/").json()["results"]
    assert [row["latest_version"] for row in rows] == [None]


def test_reading_one_workflow_shows_its_latest_version(owner, token_api):
    workflow = many_workflows(owner, 1)[0]
    body = token_api.get(f"/api/workflows/{workflow.id}/").json()
    assert body["latest_version"]["number"] == 3


def test_saving_a_draft_costs_three_queries(owner, token_api, django_assert_max_num_queries):
    workflow = many_workflows(owner, 1)[0]
    with django_assert_max_num_queries(3):  # token, the workflow, the update
        response = token_api.put(
            f"/api/workflows/{workflow.id}/draft/", {"graph": parallel_graph()}, format="json"
        )
    assert response.status_code == 200


def test_starting_a_run_costs_at_most_six_queries(owner, token_api, django_assert_max_num_queries):
    workflow = many_workflows(owner, 1)[0]
    with django_assert_max_num_queries(6):  # token, workflow, version, the run (in a transaction)
        response = token_api.post(
            "/api/runs/",
            {"workflow": workflow.id, "version": None, "inputs": {"question": "hi"}},
            format="json",
        )
    assert response.status_code == 201, response.content


def test_sending_a_chat_message_reads_the_session_and_the_version_once_each(
    owner, token_api, django_assert_num_queries, monkeypatch
):
    from tests.workflows.chat.conftest import chat_workflow
    from workflows.runs import services as run_services

    monkeypatch.setattr(run_services, "enqueue", lambda run_id: None)
    workflow = chat_workflow(owner)
    session = token_api.post("/api/chat/sessions/", {"workflow": workflow.id}, format="json")
    url = f"/api/chat/sessions/{session.json()['id']}/messages/"
    # token, session (without its message count), version, the question, the run, the answer,
    # the session's leaf and title (one UPDATE), the answer's approvals and siblings; the
    # turn's transaction is a savepoint in the test's (two statements). It was 16: the version
    # read twice, the owner read, a savepoint for the run, the title saved apart.
    with django_assert_num_queries(11):
        response = token_api.post(url, {"content": "Hello there"}, format="json")
    assert response.status_code == 201
    assert response.json()["assistant_message"]["stream_nodes"] == ["bot"]
