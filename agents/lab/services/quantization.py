"""Run one quantization job to its end and register the packed file as a compressed model."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings

from agents.lab.models import Corpus, JobStatus, QuantizationJob
from agents.lab.services.lifecycle import (
    claim,
    configure_torch_threads,
    finish,
    heartbeat,
    jsonable,
)
from agents.lab.services.progress import JobProgress, cancel_checker
from agents.models import ModelEntry

DEFAULT_OPTIONS: dict[str, Any] = {"evaluate_baseline": True}


def _constant(text: str) -> Callable[[], str]:
    def corpus() -> str:
        return text

    return corpus


@contextlib.contextmanager
def _uploaded_corpora(job: QuantizationJob) -> Iterator[dict[str, str]]:
    """Corpus names for the core; uploaded texts are registered under job-scoped names."""
    from agents.lab import corpora

    names, added = {}, []
    for role, corpus, text in (
        ("calib", job.calib_corpus, job.calib_text),
        ("eval", job.eval_corpus, job.eval_text),
    ):
        names[role] = corpus
        if corpus == Corpus.UPLOADED:
            names[role] = f"job{job.pk}-{role}-uploaded"
            corpora.CORPORA[names[role]] = _constant(text)
            added.append(names[role])
    try:
        yield names
    finally:
        for name in added:
            corpora.CORPORA.pop(name, None)


def quantization_output_path(job: QuantizationJob) -> Path:
    folder = Path(settings.DATA_DIR) / "lab"
    return folder / f"job{job.pk}-{job.method}-w{job.bits}-g{job.group_size}.safetensors"


def quantization_spec(job: QuantizationJob, corpora: dict[str, str]) -> dict[str, Any]:
    return {
        **DEFAULT_OPTIONS,
        **(job.options or {}),
        "method": job.method,
        "bits": job.bits,
        "group_size": job.group_size,
        "calib_corpus": corpora["calib"],
        "eval_corpus": corpora["eval"],
        "output_path": job.output_path,
    }


def quantization_job_run(job_id: int) -> str:
    """Run one queued quantization job to its end; returns the final status."""
    from agents.lab.jobs import Cancelled, run_quantization

    job = claim(QuantizationJob, job_id)
    if not isinstance(job, QuantizationJob):
        return "skipped"
    job.output_path = str(quantization_output_path(job))
    QuantizationJob.objects.filter(pk=job.pk).update(output_path=job.output_path)
    threads = configure_torch_threads()
    progress = JobProgress(job)
    progress({"stage": "load", "log": f"torch threads: {threads}"})
    try:
        with heartbeat(job), _uploaded_corpora(job) as names:
            result = run_quantization(quantization_spec(job, names), progress, cancel_checker(job))
    except Cancelled:
        progress.flush()
        Path(job.output_path).unlink(missing_ok=True)
        finish(job, JobStatus.CANCELLED)
        return JobStatus.CANCELLED
    except Exception as exc:  # noqa: BLE001 - any failure ends the job with its message
        progress.flush()
        Path(job.output_path).unlink(missing_ok=True)
        finish(job, JobStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
        return JobStatus.FAILED
    progress.flush()
    entry = compressed_model_register(job=job, result=result)
    finish(job, JobStatus.SUCCEEDED, result=jsonable(result), progress=1.0, registered_model=entry)
    return JobStatus.SUCCEEDED


def compressed_model_register(*, job: QuantizationJob, result: dict[str, Any]) -> ModelEntry:
    """Register the packed file as a builtin model of tier `compressed`."""
    name = f"smollm2-135m-{job.method}-w{job.bits}g{job.group_size}-job{job.pk}"
    keep = ("ppl_baseline", "ppl_quantized", "size_mb", "bits_per_weight", "decode_tok_s")
    entry, _ = ModelEntry.objects.update_or_create(
        provider="builtin",
        name=name,
        defaults={
            "tier": "compressed",
            "context_length": 2048,
            "config": {
                "path": result["path"],
                "base_model": job.base_model,
                "method": job.method,
                "bits": job.bits,
                "group_size": job.group_size,
                "lab_job": job.pk,
                **{k: result[k] for k in keep if k in result},
            },
        },
    )
    return entry
