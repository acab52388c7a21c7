"""The webhook door in-process: every refusal is a 4xx that says what is wrong. (The runs these
calls start are executed by a real worker in test_webhooks_live.py.)"""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client, override_settings

from tests.workflows.triggers.helpers import echo_graph, signed
from workflows.models import Run
from workflows.services import workflow_create
from workflows.triggers.models import Trigger, TriggerFire
from workflows.triggers.services import trigger_create
from workflows.triggers.signing import signature_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook(owner):
    flow = workflow_create(owner=owner, name="Echo", graph=echo_graph())
    trigger, secret = trigger_create(owner=owner, workflow=flow, data={"kind": "webhook"})
    return trigger, secret


def post(trigger, body=b"{}", **headers):
    return Client().post(
        f"/hooks/{trigger.id}/",
        body,
        content_type=headers.pop("Content-Type", "application/json"),
        headers=headers,
    )


def send(trigger, secret, payload, **headers):
    body, signature = signed(secret, payload)
    return post(trigger, body, **signature, **headers)


def test_a_signed_call_starts_a_run_with_the_payload_as_inputs(hook):
    trigger, secret = hook
    body, headers = signed(secret, {"question": "hi"})
    response = post(trigger, body, **headers)
    assert response.status_code == 202, response.content
    run = Run.objects.get(pk=response.json()["run_id"])
    assert run.inputs == {"question": "hi"} and run.workflow_id == trigger.workflow_id
    assert response.json()["status_url"].endswith(f"/api/runs/{run.id}/")
    assert TriggerFire.objects.get(trigger=trigger).run == run


def test_a_wrong_signature_is_refused_with_401(hook):
    trigger, _secret = hook
    body, headers = signed("whsec_not-the-secret", {"question": "hi"})
    response = post(trigger, body, **headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert not Run.objects.exists()


def test_a_body_changed_after_signing_is_refused(hook):
    trigger, secret = hook
    _body, headers = signed(secret, {"question": "hi"})
    assert post(trigger, json.dumps({"question": "evil"}).encode(), **headers).status_code == 401


def test_an_old_timestamp_and_a_replayed_signature_are_refused(hook):
    trigger, secret = hook
    body, headers = signed(secret, {"question": "hi"}, timestamp=int(time.time()) - 3600)
    old = post(trigger, body, **headers)
    assert old.status_code == 401 and "from the server's clock" in old.json()["error"]["message"]
    body, headers = signed(secret, {"question": "hi"})
    assert post(trigger, body, **headers).status_code == 202
    replay = post(trigger, body, **headers)
    assert replay.status_code == 401 and Run.objects.count() == 1


def test_an_unsigned_call_is_told_how_to_sign(hook):
    trigger, _secret = hook
    response = post(trigger, b'{"question": "hi"}')
    assert response.status_code == 401
    assert "x-axweb-signature" in response.json()["error"]["message"]


def test_a_bearer_webhook_takes_its_secret_and_refuses_others(owner, hook):
    trigger, _ = hook
    bearer, secret = trigger_create(
        owner=owner, workflow=trigger.workflow, data={"kind": "webhook", "auth": "bearer"}
    )
    ok = post(bearer, b'{"question": "hi"}', Authorization=f"Bearer {secret}")
    assert ok.status_code == 202
    assert post(bearer, b'{"question": "hi"}', Authorization="Bearer wrong").status_code == 401


def test_a_repeated_idempotency_key_returns_the_first_run(hook):
    trigger, secret = hook
    first = send(trigger, secret, {"question": "one"}, **{"Idempotency-Key": "k1"})
    assert first.status_code == 202
    again = send(trigger, secret, {"question": "two"}, **{"Idempotency-Key": "k1"})
    assert again.status_code == 202
    assert again.json()["run_id"] == first.json()["run_id"] and again.json()["repeated"] is True
    assert Run.objects.count() == 1


def test_inputs_are_mapped_from_the_payload_through_expressions(owner, hook):
    trigger, _ = hook
    mapped, secret = trigger_create(
        owner=owner,
        workflow=trigger.workflow,
        data={"kind": "webhook", "input_mapping": {"question": "upper(body.issue.title)"}},
    )
    response = send(mapped, secret, {"issue": {"title": "broken"}})
    assert response.status_code == 202, response.content
    assert Run.objects.get(pk=response.json()["run_id"]).inputs == {"question": "BROKEN"}


def test_a_payload_missing_a_required_input_is_a_400_naming_it_and_kept_in_history(hook):
    trigger, secret = hook
    body, headers = signed(secret, {"something": "else"})
    response = post(trigger, body, **headers)
    assert response.status_code == 400
    assert "inputs.question" in response.json()["error"]["fields"]
    fire = TriggerFire.objects.get(trigger=trigger)
    assert fire.status == "refused" and "inputs.question" in fire.detail


def test_a_body_that_is_not_json_is_a_400(hook):
    trigger, secret = hook
    stamp = str(int(time.time()))
    body = b"{not json"
    headers = {"X-AXWeb-Timestamp": stamp, "X-AXWeb-Signature": signature_of(secret, stamp, body)}
    response = post(trigger, body, **headers)
    assert response.status_code == 400 and response.json()["error"]["code"] == "parse_error"


@override_settings(AXWEB_WEBHOOK_MAX_BYTES=100)
def test_a_body_over_the_limit_is_a_413(hook):
    trigger, secret = hook
    body, headers = signed(secret, {"question": "x" * 200})
    assert post(trigger, body, **headers).status_code == 413


def test_calls_over_the_rate_limit_are_a_429_with_retry_after(hook):
    trigger, secret = hook
    Trigger.objects.filter(pk=trigger.pk).update(rate_limit_per_min=2)
    codes = [send(trigger, secret, {"question": f"q{i}"}).status_code for i in range(3)]
    assert codes == [202, 202, 429]
    limited = send(trigger, secret, {"question": "again"})
    assert limited.status_code == 429 and 0 < int(limited["Retry-After"]) <= 60
    assert "2 calls a minute" in limited.json()["error"]["message"]


def test_unknown_disabled_and_non_post_calls_say_why(hook):
    trigger, secret = hook
    assert (
        Client().post("/hooks/not-a-uuid/", b"{}", content_type="application/json").status_code
        == 404
    )
    assert Client().get(f"/hooks/{trigger.id}/").status_code == 405
    Trigger.objects.filter(pk=trigger.pk).update(enabled=False)
    body, headers = signed(secret, {"question": "hi"})
    disabled = post(trigger, body, **headers)
    assert disabled.status_code == 403 and "disabled" in disabled.json()["error"]["message"]


def test_an_unknown_id_and_a_schedules_id_are_no_webhook(owner, hook):
    trigger, secret = hook
    schedule, _ = trigger_create(
        owner=owner, workflow=trigger.workflow, data={"kind": "schedule", "interval_s": 60}
    )
    body, headers = signed(secret, {"question": "hi"})
    for trigger_id in ("00000000-0000-0000-0000-000000000000", schedule.id):
        answer = Client().post(
            f"/hooks/{trigger_id}/", body, content_type="application/json", headers=headers
        )
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
