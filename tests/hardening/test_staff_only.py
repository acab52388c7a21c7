"""The lab writes into the staff-only model registry: only staff start its jobs, within ceilings."""

from __future__ import annotations

from typing import Any

import pytest

from agents.lab.models import BenchmarkJob
from agents.llm.providers import builtin

QUANT = "/api/lab/quantization-jobs/"
BENCH = "/api/lab/benchmark-jobs/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "body"),
    [(QUANT, {"method": "rtn", "bits": 4, "group_size": 64}), (BENCH, {"requests": 2})],
)
def test_non_staff_lab_job_is_refused_with_403_and_nothing_is_created(
    owner_api: Any, url: str, body: dict[str, Any]
) -> None:
    response = owner_api.post(url, body, format="json")
    assert response.status_code == 403
    assert "staff" in response.json()["error"]["message"]
    assert owner_api.get(url).json()["results"] == []


@pytest.mark.django_db
def test_staff_starts_a_lab_job(staff_api: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        response = staff_api.post(BENCH, {"requests": 2}, format="json")
    assert response.status_code == 201, response.json()


@pytest.mark.django_db
def test_non_staff_still_reads_and_cancels_their_own_jobs(owner: Any, owner_api: Any) -> None:
    job = BenchmarkJob.objects.create(owner=owner, requests=2)
    assert owner_api.get(f"{BENCH}{job.id}/").status_code == 200
    assert owner_api.post(f"{BENCH}{job.id}/cancel/").status_code == 202


@pytest.mark.django_db
def test_benchmark_asking_for_more_runs_than_the_ceiling_is_refused_on_requests(
    staff_api: Any, settings: Any
) -> None:
    settings.AXWEB_LAB_MAX_BENCHMARK_REQUESTS = 20
    response = staff_api.post(BENCH, {"requests": 21}, format="json")
    assert response.status_code == 400
    assert "AXWEB_LAB_MAX_BENCHMARK_REQUESTS" in response.json()["error"]["fields"]["requests"][0]


@pytest.mark.django_db
def test_benchmark_beyond_the_active_jobs_ceiling_is_refused_until_one_finishes(
    staff: Any, staff_api: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.AXWEB_LAB_MAX_ACTIVE_BENCHMARKS = 2
    running = BenchmarkJob.objects.create(owner=staff, requests=2, status="running")
    BenchmarkJob.objects.create(owner=staff, requests=2, status="queued")
    refused = staff_api.post(BENCH, {"requests": 2}, format="json")
    assert refused.status_code == 400
    assert "AXWEB_LAB_MAX_ACTIVE_BENCHMARKS" in str(refused.json()["error"]["fields"])
    BenchmarkJob.objects.filter(pk=running.pk).update(status="succeeded")
    with django_capture_on_commit_callbacks(execute=False):
        assert staff_api.post(BENCH, {"requests": 2}, format="json").status_code == 201


def test_compressed_engines_are_cached_least_recently_used_within_the_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loads: list[str] = []
    monkeypatch.setenv("AXWEB_LAB_MAX_CACHED_ENGINES", "2")
    monkeypatch.setattr(builtin, "_compressed", type(builtin._compressed)())
    monkeypatch.setattr(builtin, "configure_threads", lambda: 1)
    monkeypatch.setattr(
        builtin, "load_compressed_engine", lambda path: loads.append(path) or f"engine {path}"
    )
    for path in ("a", "b", "a", "c", "a", "b"):
        builtin.get_compressed_engine(path)
    assert loads == ["a", "b", "c", "b"]  # "b" was the least recently used when "c" came
    assert list(builtin._compressed) == ["a", "b"]
