"""The triggers API: create (secret once), validate, preview a schedule, owner scoping."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise

import pytest

from tests.workflows.triggers.helpers import echo_graph
from workflows.services import workflow_create
from workflows.triggers.models import Trigger

pytestmark = pytest.mark.django_db


@pytest.fixture
def flow(owner):
    return workflow_create(owner=owner, name="Echo", graph=echo_graph())


def test_a_new_webhook_returns_its_secret_once_and_stores_only_a_hash_and_a_sealed_copy(
    owner_api, flow
):
    created = owner_api.post(
        "/api/triggers/", {"workflow": flow.id, "kind": "webhook"}, format="json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    secret = body["secret"]
    assert secret.startswith("whsec_") and body["url"].endswith(f"/hooks/{body['id']}/")
    stored = Trigger.objects.get(pk=body["id"])
    assert secret not in (
        stored.secret_hash,
        bytes(stored.secret_encrypted).decode(errors="ignore"),
    )
    assert stored.secret_last4 == secret[-4:]
    again = owner_api.get(f"/api/triggers/{body['id']}/").json()
    assert "secret" not in again and again["secret_last4"] == secret[-4:]


def test_rotating_a_webhook_secret_returns_a_new_one(owner_api, flow):
    created = owner_api.post(
        "/api/triggers/", {"workflow": flow.id, "kind": "webhook"}, format="json"
    )
    rotated = owner_api.post(f"/api/triggers/{created.json()['id']}/rotate-secret/")
    assert rotated.status_code == 200
    assert rotated.json()["secret"] != created.json()["secret"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "schedule", "cron": "every day"}, "cron"),
        ({"kind": "schedule", "cron": "* * * * *", "timezone": "Mars/Olympus"}, "timezone"),
        ({"kind": "schedule", "cron": "* * * * *", "interval_s": 60}, "cron"),
        ({"kind": "schedule"}, "cron"),
        ({"kind": "schedule", "cron": "0 0 30 2 *"}, "cron"),
        ({"kind": "schedule", "interval_s": 10**12}, "interval_s"),
        ({"kind": "webhook", "version": 10**30}, "version"),
        ({"kind": "webhook", "version": 7}, "version"),
        ({"kind": "webhook", "input_mapping": {"question": "body["}}, "input_mapping.question"),
        ({"kind": "webhook", "wait_timeout_s": 0}, "wait_timeout_s"),
    ],
)
def test_a_bad_trigger_is_refused_with_a_field_error(owner_api, flow, body, field):
    response = owner_api.post("/api/triggers/", {"workflow": flow.id, **body}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


def test_a_schedule_previews_its_next_five_ticks_in_its_time_zone(owner_api, flow):
    created = owner_api.post(
        "/api/triggers/",
        {"workflow": flow.id, "kind": "schedule", "cron": "30 9 * * *", "timezone": "Asia/Tokyo"},
        format="json",
    )
    assert created.status_code == 201, created.content
    ticks = [datetime.fromisoformat(t) for t in created.json()["next_times"]]
    assert len(ticks) == 5
    assert all((b - a).total_seconds() == 86400 for a, b in pairwise(ticks))
    assert {(t.hour, t.minute) for t in ticks} == {(0, 30)}  # 09:30 in Tokyo is 00:30 UTC
    preview = owner_api.post("/api/triggers/preview/", {"interval_s": 90}, format="json")
    gaps = {
        (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds()
        for a, b in pairwise(preview.json()["next"])
    }
    assert gaps == {90.0}


def test_a_preview_of_a_bad_cron_says_what_is_wrong(owner_api):
    response = owner_api.post("/api/triggers/preview/", {"cron": "61 * * * *"}, format="json")
    assert response.status_code == 400
    assert "cron" in response.json()["error"]["fields"]


def test_nobody_sees_or_triggers_on_another_users_workflow(owner_api, other_api, flow):
    refused = other_api.post(
        "/api/triggers/", {"workflow": flow.id, "kind": "webhook"}, format="json"
    )
    assert refused.status_code == 400 and "workflow" in refused.json()["error"]["fields"]
    created = owner_api.post(
        "/api/triggers/", {"workflow": flow.id, "kind": "webhook"}, format="json"
    )
    assert other_api.get(f"/api/triggers/{created.json()['id']}/").status_code == 404
    assert other_api.get("/api/triggers/").json()["results"] == []


def test_turning_a_schedule_back_on_counts_from_now_and_kind_cannot_change(owner_api, flow):
    created = owner_api.post(
        "/api/triggers/", {"workflow": flow.id, "kind": "schedule", "interval_s": 60}, format="json"
    ).json()
    off = owner_api.patch(f"/api/triggers/{created['id']}/", {"enabled": False}, format="json")
    assert off.status_code == 200 and off.json()["next_times"] == []
    on = owner_api.patch(f"/api/triggers/{created['id']}/", {"enabled": True}, format="json")
    assert on.json()["next_fire_at"] >= created["next_fire_at"]
    kind = owner_api.patch(f"/api/triggers/{created['id']}/", {"kind": "webhook"}, format="json")
    assert kind.status_code == 400 and "kind" in kind.json()["error"]["fields"]
    assert owner_api.delete(f"/api/triggers/{created['id']}/").status_code == 204
    assert not Trigger.objects.filter(pk=created["id"]).exists()
