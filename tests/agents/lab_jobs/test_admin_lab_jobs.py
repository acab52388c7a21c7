"""Admin pages of the lab: add (launches on save), live change page, cancel, results."""

from __future__ import annotations

from typing import Any

import pytest

from agents.lab.models import BenchmarkJob, QuantizationJob
from tests.agents.lab_jobs.conftest import quant_job

pytestmark = pytest.mark.django_db
BASE = "/admin/lab/quantizationjob/"


def add_form(**fields: Any) -> dict[str, Any]:
    return {
        "base_model": "builtin:smollm2-135m",
        "method": "awq",
        "bits": 4,
        "group_size": 64,
        "calib_corpus": "licenses",
        "calib_text": "",
        "eval_corpus": "pydoc_topics",
        "eval_text": "",
        "options": "{}",
        **fields,
    }


def test_add_page_shows_the_spec_fields_with_help_texts(admin_client: Any) -> None:
    page = admin_client.get(f"{BASE}add/").content.decode()
    assert 'name="group_size"' in page and 'name="calib_file"' in page
    assert "is not a multiple of 128" in page  # the group size help text


def test_saving_the_add_form_creates_and_launches_the_job(
    admin_client: Any, admin_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(f"{BASE}add/", add_form(method="rtn", bits=3))
    assert response.status_code == 302, response.content.decode()[:2000]
    job = QuantizationJob.objects.get()
    assert (job.owner, job.method, job.bits, job.status) == (admin_user, "rtn", 3, "queued")
    assert len(callbacks) == 1


def test_the_add_form_refuses_group_size_128_with_the_reason(admin_client: Any) -> None:
    page = admin_client.post(f"{BASE}add/", add_form(group_size=128)).content.decode()
    assert "does not fit this model" in page and "in_features=576" in page
    assert not QuantizationJob.objects.exists()


def test_an_uploaded_calibration_file_becomes_the_calibration_text(admin_client: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("calib.txt", b"def f():\n    return 1\n" * 50)
    response = admin_client.post(f"{BASE}add/", {**add_form(), "calib_file": upload})
    assert response.status_code == 302
    job = QuantizationJob.objects.get()
    assert job.calib_corpus == "uploaded" and job.calib_text.startswith("def f():")


def test_change_page_has_the_live_progress_panel_and_cancel_button(
    admin_client: Any, admin_user: Any
) -> None:
    job = quant_job(
        admin_user,
        method="rtn",
        bits=4,
        group_size=64,
        status="running",
        progress=0.4,
        current_step=3,
        total_steps=30,
        log=["[ 1.0s] rtn block 2 done"],
    )
    page = admin_client.get(f"{BASE}{job.id}/change/").content.decode()
    assert 'id="lab-bar"' in page and 'aria-valuenow="40"' in page
    assert f"{BASE}{job.id}/progress/" in page and 'id="lab-cancel"' in page
    assert "rtn block 2 done" in page


def test_progress_endpoint_returns_the_live_fields(admin_client: Any, admin_user: Any) -> None:
    job = quant_job(
        admin_user, method="rtn", bits=4, group_size=64, status="running", progress=0.5, eta_s=12.0
    )
    body = admin_client.get(f"{BASE}{job.id}/progress/").json()
    assert (body["status"], body["progress"], body["eta_s"], body["finished"]) == (
        "running",
        0.5,
        12.0,
        False,
    )


def test_cancel_button_and_admin_action_request_cancellation(
    admin_client: Any, admin_user: Any
) -> None:
    running = quant_job(admin_user, method="rtn", bits=4, group_size=64, status="running")
    queued = quant_job(admin_user, method="rtn", bits=4, group_size=64)
    body = admin_client.post(f"{BASE}{running.id}/cancel/", HTTP_ACCEPT="application/json").json()
    assert body["cancel_requested"] is True
    admin_client.post(BASE, {"action": "cancel_jobs", "_selected_action": [queued.id]})
    assert QuantizationJob.objects.get(pk=queued.id).status == "cancelled"


def test_saving_a_change_does_not_overwrite_worker_progress(
    admin_client: Any, admin_user: Any
) -> None:
    job = quant_job(admin_user, method="rtn", bits=4, group_size=64, status="running")
    QuantizationJob.objects.filter(pk=job.pk).update(status="succeeded", progress=1.0)
    admin_client.post(f"{BASE}{job.id}/change/", {"_save": "Save"})
    assert QuantizationJob.objects.get(pk=job.pk).status == "succeeded"


def test_results_page_shows_the_table_and_both_svg_plots(
    admin_client: Any, admin_user: Any
) -> None:
    for method, bits, ppl in (("rtn", 4, 18.7), ("rtn", 3, 81.7), ("awq", 4, 15.2)):
        quant_job(
            admin_user,
            method=method,
            bits=bits,
            group_size=64,
            status="succeeded",
            result={
                "ppl_baseline": 14.0,
                "ppl_quantized": ppl,
                "size_mb": 90.0 + bits,
                "decode_tok_s": 10.0 + bits,
                "bits_per_weight": bits + 0.5,
            },
        )
    BenchmarkJob.objects.create(
        owner=admin_user,
        status="succeeded",
        result={"latency_p50_s": 1.0, "latency_p95_s": 1.5, "tokens_per_s": 20.0, "size_mb": 270.0},
    )
    page = admin_client.get(f"{BASE}results/").content.decode()
    assert page.count('role="img"') == 2
    assert page.count("<polyline") == 1  # rtn g64 joins W3 and W4; awq has one point; speed: dots
    assert page.count("<circle") == 3 + 4
    assert "81.70" in page and "baseline" in page
    assert 'aria-label="perplexity vs bits per weight code"' in page
    assert admin_client.get("/admin/lab/benchmarkjob/results/").status_code == 200


def test_benchmark_admin_pages_load(admin_client: Any, admin_user: Any) -> None:
    job = BenchmarkJob.objects.create(owner=admin_user, requests=4)
    assert admin_client.get("/admin/lab/benchmarkjob/").status_code == 200
    assert admin_client.get("/admin/lab/benchmarkjob/add/").status_code == 200
    assert admin_client.get(f"/admin/lab/benchmarkjob/{job.id}/change/").status_code == 200
