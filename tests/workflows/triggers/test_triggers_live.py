"""Against a live web server and a real Celery worker: webhooks start runs that finish; two beat
processes fire each schedule tick once."""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings

from tests.browser.live import LiveApp, Process
from tests.workflows.conftest import database_url, wait_for
from tests.workflows.triggers.helpers import echo_graph, signed
from workflows.models import Run
from workflows.services import workflow_create
from workflows.triggers.models import TriggerFire
from workflows.triggers.services import trigger_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(240)]


def hook_for(owner: Any, **data: Any) -> tuple[Any, str]:
    flow = workflow_create(owner=owner, name="Echo", graph=echo_graph())
    return trigger_create(owner=owner, workflow=flow, data={"kind": "webhook", **data})


def finished(run_id: str) -> Run | None:
    run = Run.objects.get(pk=run_id)
    return run if run.status in ("succeeded", "failed", "cancelled") else None


def test_a_signed_webhook_starts_a_run_the_worker_finishes(live: LiveApp, owner: Any) -> None:
    trigger, secret = hook_for(owner)
    body, headers = signed(secret, {"question": "ping"})
    response = httpx.post(f"{live.url}/hooks/{trigger.id}/", content=body, headers=headers)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "queued"
    run = wait_for(lambda: finished(response.json()["run_id"]), timeout=90)
    assert run.status == "succeeded", run.error
    assert run.outputs == {"answer": "echo: ping"}


def test_wrong_and_replayed_signatures_are_401_on_the_live_server(
    live: LiveApp, owner: Any
) -> None:
    trigger, secret = hook_for(owner)
    url = f"{live.url}/hooks/{trigger.id}/"
    body, headers = signed("whsec_wrong", {"question": "x"})
    assert httpx.post(url, content=body, headers=headers).status_code == 401
    body, headers = signed(secret, {"question": "x"})
    assert httpx.post(url, content=body, headers=headers).status_code == 202
    assert httpx.post(url, content=body, headers=headers).status_code == 401
    assert Run.objects.count() == 1


def test_a_repeated_idempotency_key_returns_the_first_run_live(live: LiveApp, owner: Any) -> None:
    trigger, secret = hook_for(owner)
    url = f"{live.url}/hooks/{trigger.id}/"
    ids = []
    for question in ("first", "second"):
        body, headers = signed(secret, {"question": question})
        response = httpx.post(url, content=body, headers=headers | {"Idempotency-Key": "order-42"})
        assert response.status_code == 202, response.text
        ids.append(response.json()["run_id"])
    assert ids[0] == ids[1]
    assert Run.objects.get().inputs == {"question": "first"}


def test_wait_mode_answers_with_the_outputs(live: LiveApp, owner: Any) -> None:
    trigger, secret = hook_for(owner, response_mode="wait", wait_timeout_s=60)
    body, headers = signed(secret, {"question": "are you there"})
    response = httpx.post(
        f"{live.url}/hooks/{trigger.id}/", content=body, headers=headers, timeout=90
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "succeeded"
    assert response.json()["outputs"] == {"answer": "echo: are you there"}


def test_wait_mode_gives_202_when_the_run_takes_longer(live: LiveApp, owner: Any) -> None:
    flow = workflow_create(owner=owner, name="Slow", graph=echo_graph(delay=5))
    trigger, secret = trigger_create(
        owner=owner,
        workflow=flow,
        data={"kind": "webhook", "response_mode": "wait", "wait_timeout_s": 1},
    )
    body, headers = signed(secret, {"question": "slow"})
    response = httpx.post(f"{live.url}/hooks/{trigger.id}/", content=body, headers=headers)
    assert response.status_code == 202 and response.json()["status"] in ("queued", "running")


def beat(log_dir: Path, name: str) -> Process:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "AXWEB_SCRIPTED_MODELS": "1",
    }
    argv = [sys.executable, "-m", "celery", "-A", "axweb", "beat", "-l", "INFO"]
    argv += ["-S", "workflows.triggers.beat:TriggerScheduler", "--pidfile", ""]
    argv += ["-s", str(log_dir / f"{name}-schedule")]
    return Process(name, argv, env, log_dir)


def test_two_beat_processes_fire_each_schedule_tick_once(
    celery_worker: Any, owner: Any, tmp_path: Path
) -> None:
    flow = workflow_create(owner=owner, name="Every second", graph=echo_graph())
    trigger, _ = trigger_create(
        owner=owner,
        workflow=flow,
        data={"kind": "schedule", "interval_s": 1, "input_mapping": {"question": "'tick'"}},
    )
    beats = [beat(tmp_path, "beat-a"), beat(tmp_path, "beat-b")]
    try:
        wait_for(lambda: TriggerFire.objects.filter(trigger=trigger).count() >= 6, timeout=120)
        assert all(p.alive() for p in beats), beats[0].log_tail()
    finally:
        for process in beats:
            process.stop()
    ticks = Counter(TriggerFire.objects.filter(trigger=trigger).values_list("tick_at", flat=True))
    assert max(ticks.values()) == 1, ticks
    started = TriggerFire.objects.filter(trigger=trigger, status="started")
    assert Run.objects.filter(workflow=flow).count() == started.count()
    run = wait_for(lambda: finished(str(started.earliest("created_at").run_id)), timeout=90)
    assert run.status == "succeeded" and run.inputs == {"question": "tick"}
