"""A lab job whose worker dies is failed with the reason instead of "running" forever."""

from __future__ import annotations

import signal
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from agents.lab.models import BenchmarkJob, QuantizationJob
from agents.lab.services import lifecycle
from tests.agents.lab_jobs.conftest import quant_job
from tests.agents.lab_jobs.test_workflow_benchmark import echo_graph
from tests.workflows.conftest import Worker, wait_for
from workflows.services import workflow_create


def running_job(owner: Any, beat_age_s: float, **fields: Any) -> QuantizationJob:
    beat = timezone.now() - timedelta(seconds=beat_age_s)
    return quant_job(
        owner,
        status="running",
        started_at=beat,
        heartbeat_at=beat,
        worker="gone-host:123",
        **fields,
    )


@pytest.mark.django_db
def test_a_job_whose_heartbeat_went_stale_fails_with_the_reason(owner: Any, tmp_path: Path) -> None:
    partial = tmp_path / "partial.safetensors"
    partial.write_bytes(b"half a model")
    job = running_job(owner, beat_age_s=120, output_path=str(partial))
    assert lifecycle.lab_reap_orphans(stale_after_s=60) == [f"quantizationjob:{job.pk}"]
    job.refresh_from_db()
    assert job.status == "failed" and job.finished_at is not None
    assert "gone-host:123" in job.error and "Launch the job again" in job.error
    assert job.log[-1].startswith("failed: the worker running this job")
    assert not partial.exists()


@pytest.mark.django_db
def test_a_job_with_a_fresh_heartbeat_and_finished_jobs_are_left_alone(owner: Any) -> None:
    fresh = running_job(owner, beat_age_s=5)
    done = quant_job(owner, status="succeeded", heartbeat_at=timezone.now() - timedelta(hours=1))
    assert lifecycle.lab_reap_orphans(stale_after_s=60) == []
    assert QuantizationJob.objects.get(pk=fresh.pk).status == "running"
    assert QuantizationJob.objects.get(pk=done.pk).status == "succeeded"


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_is_renewed_while_the_job_body_runs(owner: Any) -> None:
    job = running_job(owner, beat_age_s=300)
    with lifecycle.heartbeat(job, every_s=0.05):
        wait_for(
            lambda: (
                QuantizationJob.objects.get(pk=job.pk).heartbeat_at
                > timezone.now() - timedelta(seconds=5)
            ),
            timeout=10,
            interval=0.05,
        )
        assert lifecycle.lab_reap_orphans(stale_after_s=60) == []
    assert QuantizationJob.objects.get(pk=job.pk).status == "running"


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(300)
@pytest.mark.usefixtures("owner_is_staff")
def test_killing_the_worker_mid_job_fails_the_job_once_another_worker_is_up(
    owner: Any, owner_api: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AXWEB_LAB_HEARTBEAT_S", "0.5")
    monkeypatch.setenv("AXWEB_LAB_STALE_AFTER_S", "3")
    graph = echo_graph()
    graph["nodes"][1]["config"]["model"] = "scripted:echo?delay=1&chunks=2"
    workflow = workflow_create(owner=owner, name="Slow", graph=graph)
    first = Worker(tmp_path / "first.log")
    first.start()
    try:
        response = owner_api.post(
            "/api/lab/benchmark-jobs/",
            {
                "target": "workflow",
                "workflow": workflow.id,
                "inputs": {"question": "why?"},
                "requests": 50,
                "concurrency": 1,
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        job_id = response.json()["id"]
        wait_for(
            lambda: BenchmarkJob.objects.filter(
                pk=job_id, status="running", current_step__gte=1
            ).exists(),
            timeout=120,
            interval=0.2,
        )
    finally:
        first.kill(signal.SIGKILL)
    assert BenchmarkJob.objects.get(pk=job_id).status == "running"  # nobody knows yet
    second = Worker(tmp_path / "second.log")
    second.start()
    try:
        job = wait_for(
            lambda: BenchmarkJob.objects.filter(pk=job_id, status="failed").first(),
            timeout=120,
            interval=0.3,
        )
    finally:
        second.stop()
    assert "stopped: no heartbeat since" in job.error
