"""Lab services without a worker: throttled progress writes, cancel polling, percentiles."""

from __future__ import annotations

from typing import Any

import pytest

from agents.lab.models import QuantizationJob
from agents.lab.services import benchmark, lifecycle, quantization
from agents.lab.services import progress as lab_progress
from tests.agents.lab_jobs.conftest import quant_job

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_progress_writes_at_most_twice_a_second_but_keeps_every_log_line(
    owner: Any, django_assert_num_queries: Any
) -> None:
    job = quant_job(owner, method="rtn", bits=4, group_size=64, status="running")
    clock = Clock()
    progress = lab_progress.JobProgress(job, clock=clock)
    with django_assert_num_queries(2):
        for step in range(1, 11):  # ten layers within 0.9 s: one write at 0 s, one at 0.5 s
            clock.now = (step - 1) * 0.1
            progress(
                {
                    "stage": "quantize",
                    "layer": step,
                    "total": 30,
                    "elapsed_s": clock.now,
                    "eta_s": 5.0,
                    "log": f"rtn block {step - 1} done",
                }
            )
    progress.flush()
    job.refresh_from_db()
    assert (job.stage, job.current_step, job.total_steps) == ("quantize", 10, 30)
    assert len(job.log) == 10 and job.log[-1].endswith("rtn block 9 done")
    assert 0.1 < job.progress < 0.8


def test_the_finishing_event_is_written_at_once(owner: Any) -> None:
    job = quant_job(owner, method="rtn", bits=4, group_size=64, status="running")
    progress = lab_progress.JobProgress(job, clock=Clock())
    progress({"stage": "load", "elapsed_s": 0.0, "log": "loading"})
    progress({"stage": "done", "elapsed_s": 0.1, "log": "finished"})
    assert QuantizationJob.objects.get(pk=job.pk).stage == "done"


def test_log_lines_are_capped(owner: Any) -> None:
    job = quant_job(owner, method="rtn", bits=4, group_size=64, status="running")
    progress = lab_progress.JobProgress(job, clock=Clock())
    for i in range(250):
        progress({"stage": "quantize", "log": f"line {i}"})
    progress.flush()
    log = QuantizationJob.objects.get(pk=job.pk).log
    assert len(log) == 200 and log[-1].endswith("line 249")


def test_cancel_checker_sees_a_cancel_requested_in_the_database(
    owner: Any, monkeypatch: Any
) -> None:
    job = quant_job(owner, method="rtn", bits=4, group_size=64, status="running")
    is_cancelled = lab_progress.cancel_checker(job)
    assert is_cancelled() is False
    lifecycle.job_cancel(job=job)
    monkeypatch.setattr(lab_progress, "CANCEL_POLL_S", 0.0)
    assert is_cancelled() is True


def test_a_job_already_claimed_is_not_run_twice(owner: Any) -> None:
    job = quant_job(owner, method="rtn", bits=4, group_size=64, status="running")
    assert quantization.quantization_job_run(job.pk) == "skipped"


def test_percentiles_interpolate_between_ranks() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 10.0]
    assert benchmark._percentile(values, 50) == 3.0
    assert benchmark._percentile(values, 95) == pytest.approx(8.8)
    assert benchmark._percentile([], 50) is None
