"""Quantization jobs run by a real Celery worker process (lab queue) on a few layers."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from agents.lab.models import QuantizationJob
from agents.models import ModelEntry
from tests.workflows.conftest import wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("owner_is_staff"),
    pytest.mark.timeout(900),
    pytest.mark.slow,
]
JOBS = "/api/lab/quantization-jobs/"
TINY = {
    "calib_samples": 2,
    "calib_seq_len": 32,
    "alpha_grid": 4,
    "eval_tokens": 256,
    "eval_window": 128,
    "eval_stride": 128,
    "decode_tokens": 4,
}


def finished(job_id: int) -> QuantizationJob | None:
    job = QuantizationJob.objects.get(pk=job_id)
    return job if job.finished else None


def test_a_small_awq_job_runs_in_the_worker_and_registers_a_compressed_model(
    lab_worker: Any, owner_api: Any, lab_files: list[Path]
) -> None:
    response = owner_api.post(
        JOBS,
        {"method": "awq", "bits": 4, "group_size": 64, "options": {**TINY, "blocks": [0, 1]}},
        format="json",
    )
    assert response.status_code == 201, response.content
    job = wait_for(lambda: finished(response.json()["id"]), timeout=800, interval=0.5)
    lab_files.append(Path(job.output_path))
    assert job.status == "succeeded", job.error
    assert (job.current_step, job.total_steps, job.progress) == (2, 2, 1.0)
    assert any("awq block 0 done" in line for line in job.log)
    assert any("awq block 1 done" in line for line in job.log)
    for key in (
        "ppl_baseline",
        "ppl_quantized",
        "size_mb",
        "bits_per_weight",
        "quant_s",
        "decode_tok_s",
        "peak_rss_mb",
    ):
        assert job.result[key] > 0, key
    assert job.result["bits_per_weight"] == pytest.approx(
        4.5
    )  # 4-bit codes + fp16 scale/zero per 64
    assert job.result["quantized"]["window"] == 128 and job.result["quantized"]["tokens"] == 256
    entry = job.registered_model
    assert entry is not None and ModelEntry.objects.filter(pk=entry.pk).exists()
    assert (entry.provider, entry.tier) == ("builtin", "compressed")
    assert entry.config["path"] == job.output_path and Path(job.output_path).is_file()


def test_the_registered_compressed_model_answers_a_prompt_through_the_builtin_provider(
    lab_worker: Any, owner: Any, owner_api: Any, lab_files: list[Path]
) -> None:
    response = owner_api.post(
        JOBS,
        {
            "method": "rtn",
            "bits": 4,
            "group_size": 32,
            "options": {**TINY, "blocks": [0], "evaluate": False},
        },
        format="json",
    )
    job = wait_for(lambda: finished(response.json()["id"]), timeout=800, interval=0.5)
    lab_files.append(Path(job.output_path))
    assert job.status == "succeeded", job.error
    from agents.gateway.catalog import DatabaseCatalog
    from agents.llm.base import GenParams, Message, complete
    from agents.llm.router import Router

    router = Router(catalog=DatabaseCatalog.load(owner.id))
    assert [info.ref for info in router.resolve("compressed")] == [job.registered_model.ref]
    result = asyncio.run(
        complete(
            router.model("compressed"),
            [Message("user", "Name a colour.")],
            params=GenParams(max_tokens=4),
        )
    )
    assert result.text.strip() and result.usage.output_tokens >= 1


def test_cancel_stops_a_running_job_between_layers_and_registers_nothing(
    lab_worker: Any, owner_api: Any, lab_files: list[Path]
) -> None:
    # all 30 blocks of AWQ (a scale search per block, seconds each even on an idle machine):
    # cancelling after the first leaves ~29 blocks to spare, so the cancel lands between layers
    response = owner_api.post(
        JOBS,
        {"method": "awq", "bits": 4, "group_size": 64, "options": {"evaluate": False}},
        format="json",
    )
    job_id = response.json()["id"]
    wait_for(
        lambda: QuantizationJob.objects.get(pk=job_id).current_step >= 1, timeout=800, interval=0.1
    )
    assert owner_api.post(f"{JOBS}{job_id}/cancel/").status_code == 202
    job = wait_for(lambda: finished(job_id), timeout=120, interval=0.2)
    assert job.status == "cancelled"
    assert 1 <= job.current_step < job.total_steps == 30
    assert job.registered_model is None and not Path(job.output_path).exists()
    assert job.log[-1] == "cancelled"


def test_a_model_benchmark_reports_latency_percentiles_and_tokens_per_second(
    lab_worker: Any, owner_api: Any
) -> None:
    from agents.lab.models import BenchmarkJob

    response = owner_api.post(
        "/api/lab/benchmark-jobs/",
        {
            "target": "model",
            "model_ref": "builtin:smollm2-135m",
            "requests": 3,
            "max_new_tokens": 4,
            "prompts": ["Say hi.", "Name a colour."],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    job = wait_for(
        lambda: BenchmarkJob.objects.filter(
            pk=response.json()["id"], status__in=["succeeded", "failed", "cancelled"]
        ).first(),
        timeout=800,
        interval=0.5,
    )
    assert job.status == "succeeded", job.error
    assert 0 < job.result["latency_p50_s"] <= job.result["latency_p95_s"]
    assert job.result["tokens_per_s"] > 0 and len(job.result["latencies_s"]) == 3
    assert (job.current_step, job.total_steps) == (3, 3)
