"""The lab API: field-level validation, ownership, launch on commit, cancel, results."""

from __future__ import annotations

from typing import Any

import pytest

from agents.lab.models import BenchmarkJob, QuantizationJob
from tests.agents.lab_jobs.conftest import quant_job

pytestmark = pytest.mark.django_db
JOBS = "/api/lab/quantization-jobs/"


@pytest.mark.usefixtures("owner_is_staff")
def test_group_size_128_is_refused_with_the_layer_width_reason(owner_api: Any) -> None:
    response = owner_api.post(JOBS, {"method": "awq", "bits": 4, "group_size": 128}, format="json")
    assert response.status_code == 400
    message = response.json()["error"]["fields"]["group_size"][0]
    assert "576" in message and "not a multiple of 128" in message
    assert not QuantizationJob.objects.exists()


@pytest.mark.usefixtures("owner_is_staff")
@pytest.mark.parametrize("bits", [1, 9])
def test_bits_outside_two_to_eight_are_refused_on_the_bits_field(owner_api: Any, bits: int) -> None:
    response = owner_api.post(
        JOBS, {"method": "rtn", "bits": bits, "group_size": 64}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["bits"] == [
        f"Bits must be between 2 and 8 (got {bits})."
    ]


@pytest.mark.usefixtures("owner_is_staff")
def test_uploaded_corpus_without_text_and_unknown_options_are_refused(owner_api: Any) -> None:
    response = owner_api.post(
        JOBS,
        {
            "bits": 4,
            "group_size": 64,
            "calib_corpus": "uploaded",
            "options": {"alpha_grid": 0, "turbo": True},
        },
        format="json",
    )
    fields = response.json()["error"]["fields"]
    assert response.status_code == 400
    assert "calib_text" in fields and "turbo" in fields["options"][0]


@pytest.mark.usefixtures("owner_is_staff")
def test_invalid_option_value_names_the_option(owner_api: Any) -> None:
    response = owner_api.post(
        JOBS, {"bits": 4, "group_size": 64, "options": {"alpha_grid": 0}}, format="json"
    )
    assert response.status_code == 400
    assert "options.alpha_grid" in response.json()["error"]["fields"]


@pytest.mark.usefixtures("owner_is_staff")
def test_a_valid_job_is_queued_and_enqueued_once_committed(
    owner_api: Any, owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        response = owner_api.post(
            JOBS,
            {"method": "gptq", "bits": 3, "group_size": 32, "options": {"blocks": [0]}},
            format="json",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "queued" and body["owner"] == "owner" and body["progress"] == 0
    assert len(callbacks) == 1
    assert QuantizationJob.objects.get(pk=body["id"]).owner == owner


def test_users_see_only_their_own_jobs_and_staff_sees_all(
    owner: Any, other: Any, owner_api: Any, other_api: Any, staff_api: Any
) -> None:
    mine = quant_job(owner, method="rtn", bits=4, group_size=64)
    quant_job(other, method="rtn", bits=4, group_size=64)
    assert [j["id"] for j in owner_api.get(JOBS).json()["results"]] == [mine.id]
    assert other_api.get(f"{JOBS}{mine.id}/").status_code == 404
    assert len(staff_api.get(JOBS).json()["results"]) == 2


def test_cancelling_a_queued_job_cancels_it_at_once(owner: Any, owner_api: Any) -> None:
    job = quant_job(owner, method="rtn", bits=4, group_size=64)
    response = owner_api.post(f"{JOBS}{job.id}/cancel/")
    assert response.status_code == 202
    assert response.json()["status"] == "cancelled"
    assert owner_api.get(f"{JOBS}{job.id}/progress/").json()["finished"] is True


def test_cancelling_a_running_job_only_requests_it(owner: Any, owner_api: Any) -> None:
    job = quant_job(owner, method="rtn", bits=4, group_size=64, status="running")
    body = owner_api.post(f"{JOBS}{job.id}/cancel/").json()
    assert body["status"] == "running" and body["cancel_requested"] is True


def test_results_list_finished_jobs_of_the_user(owner: Any, other: Any, owner_api: Any) -> None:
    quant_job(
        owner,
        method="awq",
        bits=4,
        group_size=64,
        status="succeeded",
        result={
            "ppl_baseline": 14.0,
            "ppl_quantized": 15.1,
            "size_mb": 90.0,
            "quantized": {"tokens": 20480, "window": 512, "stride": 512},
        },
    )
    quant_job(
        other,
        method="rtn",
        bits=3,
        group_size=64,
        status="succeeded",
        result={"ppl_quantized": 40.0},
    )
    BenchmarkJob.objects.create(
        owner=owner, status="succeeded", result={"latency_p50_s": 1.0, "latency_p95_s": 2.0}
    )
    data = owner_api.get("/api/lab/results/").json()
    assert [(r["method"], r["ppl_quantized"]) for r in data["quantization"]] == [("awq", 15.1)]
    assert data["quantization"][0]["eval"] == {"tokens": 20480, "window": 512, "stride": 512}
    assert data["benchmarks"][0]["latency_p95_s"] == 2.0


@pytest.mark.usefixtures("owner_is_staff")
def test_benchmark_of_an_unknown_model_or_an_unsaved_workflow_is_refused(
    owner: Any, owner_api: Any
) -> None:
    from workflows.models import Workflow

    bad_model = owner_api.post(
        "/api/lab/benchmark-jobs/", {"model_ref": "ollama:nope"}, format="json"
    )
    assert "model_ref" in bad_model.json()["error"]["fields"]
    flow = Workflow.objects.create(owner=owner, name="Empty", slug="empty")
    unsaved = owner_api.post(
        "/api/lab/benchmark-jobs/", {"target": "workflow", "workflow": flow.id}, format="json"
    )
    assert unsaved.json()["error"]["fields"]["workflow"] == [
        "Save a version of this workflow before benchmarking it."
    ]
