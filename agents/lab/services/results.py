"""Rows of finished lab jobs, for the results table and its plots."""

from __future__ import annotations

from typing import Any

from agents.lab.models import JobStatus

QUANT_COLUMNS = (
    "ppl_baseline",
    "ppl_quantized",
    "size_mb",
    "bits_per_weight",
    "quant_s",
    "decode_tok_s",
    "peak_rss_mb",
)
BENCH_COLUMNS = (
    "latency_p50_s",
    "latency_p95_s",
    "tokens_per_s",
    "throughput_runs_per_s",
    "failures",
    "size_mb",
)


def lab_results(*, jobs: Any, benchmarks: Any) -> dict[str, Any]:
    """Rows of finished jobs (the caller passes querysets already limited to the user)."""
    quant = [
        {
            "id": j.pk,
            "method": j.method,
            "bits": j.bits,
            "group_size": j.group_size,
            "model": j.registered_model.ref if j.registered_model else None,
            **{k: j.result.get(k) for k in QUANT_COLUMNS},
            "eval": {
                k: (j.result.get("quantized") or {}).get(k) for k in ("tokens", "window", "stride")
            },
        }
        for j in jobs.filter(status=JobStatus.SUCCEEDED).select_related("registered_model")
    ]
    bench = [
        {
            "id": b.pk,
            "target": b.target,
            "subject": b.model_ref if b.target == "model" else f"workflow {b.workflow_id}",
            "requests": b.requests,
            "concurrency": b.concurrency,
            **{k: b.result.get(k) for k in BENCH_COLUMNS},
        }
        for b in benchmarks.filter(status=JobStatus.SUCCEEDED)
    ]
    return {"quantization": quant, "benchmarks": bench}
