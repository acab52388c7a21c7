"""Lab services: validate, launch, cancel and run quantization and benchmark jobs.

Views, admin pages, Celery tasks and commands call these; the torch work itself lives in
the Django-free core (``agents.lab.jobs``), imported lazily so the web process loads torch
only when it must (to check a group size against the model's layer widths).
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from agents.lab.models import (
    BASE_MODEL_REF,
    LOG_LINES_MAX,
    BenchmarkJob,
    Corpus,
    JobStatus,
    LabJob,
    QuantizationJob,
)
from agents.models import ModelEntry
from axweb.env import env_float

Errors = dict[str, list[str]]
WRITE_EVERY_S = 0.5  # at most two progress writes per second
CANCEL_POLL_S = 0.25
# A running job's worker renews heartbeat_at every HEARTBEAT_S from a side thread (a single
# torch step can outlast many progress events); a job whose heartbeat is older than
# STALE_AFTER_S lost its worker (killed, OOM, machine gone) and is failed by the reaper.
HEARTBEAT_S = env_float("AXWEB_LAB_HEARTBEAT_S", 10.0)
STALE_AFTER_S = env_float("AXWEB_LAB_STALE_AFTER_S", 60.0)
OPTION_KEYS = {
    "blocks",
    "calib_samples",
    "calib_seq_len",
    "eval_tokens",
    "eval_window",
    "eval_stride",
    "evaluate",
    "evaluate_baseline",
    "decode_tokens",
    "alpha_grid",
    "awq_clip",
    "damp",
    "act_order",
    "calib_start",
    "float_zero",
    "awq_duo",
    "awq_feed_quantized",
}
DEFAULT_OPTIONS: dict[str, Any] = {"evaluate_baseline": True}
STAGE_SPAN = {
    "load": (0.0, 0.05),
    "calibrate": (0.05, 0.1),
    "quantize": (0.1, 0.8),
    "pack": (0.8, 0.85),
    "evaluate": (0.85, 0.99),
    "benchmark": (0.05, 0.99),
    "done": (1.0, 1.0),
}


# -- validation --------------------------------------------------------------------------


@lru_cache(maxsize=8)
def group_size_problems(group_size: int) -> tuple[str, ...]:
    """Block layers of the base model whose input width ``group_size`` does not divide.

    Uses the core's check on a weightless (meta-device) copy of the model built from the
    GGUF metadata, so no weights are read.
    """
    import torch
    from transformers import AutoModelForCausalLM, LlamaConfig

    from agents.lab.quant.rtn import check_group_size
    from agents.llm.builtin.gguf_file import GGUFFile
    from agents.llm.builtin.weights import locate_smollm2_gguf

    meta = GGUFFile(locate_smollm2_gguf()).metadata
    config = LlamaConfig(
        hidden_size=int(meta["llama.embedding_length"]),
        intermediate_size=int(meta["llama.feed_forward_length"]),
        num_hidden_layers=int(meta["llama.block_count"]),
        num_attention_heads=int(meta["llama.attention.head_count"]),
        num_key_value_heads=int(meta["llama.attention.head_count_kv"]),
        vocab_size=int(meta["llama.vocab_size"]),
    )
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config)  # type: ignore[no-untyped-call]
    return tuple(check_group_size(model, group_size))


def _group_size_error(group_size: int) -> str | None:
    bad = group_size_problems(group_size)
    if not bad:
        return None
    fits = [str(g) for g in (32, 64, 128) if not group_size_problems(g)]
    return (
        f"Group size {group_size} does not fit this model: {len(bad)} layers have an input "
        f"width that is not a multiple of {group_size}, e.g. {bad[0]}. "
        f"Choose {' or '.join(fits) or 'a divisor of every layer width'}."
    )


def _text_errors(data: dict[str, Any], corpus_field: str, text_field: str) -> Errors:
    if data.get(corpus_field) == Corpus.UPLOADED and not (data.get(text_field) or "").strip():
        return {text_field: ["Upload or paste the text when the corpus is 'uploaded'."]}
    return {}


def _options_errors(options: Any) -> Errors:
    if not isinstance(options, dict):
        return {"options": ["Options must be a JSON object."]}
    unknown = sorted(set(options) - OPTION_KEYS)
    if unknown:
        return {"options": [f"Unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(OPTION_KEYS))}."]}
    from pydantic import ValidationError

    from agents.lab.jobs import QuantSpec

    try:
        QuantSpec.model_validate(options)
    except ValidationError as exc:
        return {f"options.{'.'.join(map(str, e['loc']))}": [e["msg"]] for e in exc.errors()}
    return {}


def quantization_validate(data: dict[str, Any]) -> Errors:
    """Field-level problems of a quantization job spec (empty when it can run)."""
    errors: Errors = {}
    bits = data.get("bits")
    if bits is not None and not 2 <= int(bits) <= 8:
        errors["bits"] = [f"Bits must be between 2 and 8 (got {bits})."]
    group_size = data.get("group_size")
    if group_size is not None:
        problem = _group_size_error(int(group_size))
        if problem:
            errors["group_size"] = [problem]
    errors.update(_text_errors(data, "calib_corpus", "calib_text"))
    errors.update(_text_errors(data, "eval_corpus", "eval_text"))
    if "options" in data:
        errors.update(_options_errors(data["options"] or {}))
    return errors


def benchmark_validate(data: dict[str, Any]) -> Errors:
    if data.get("target", BenchmarkJob.Target.MODEL) == BenchmarkJob.Target.WORKFLOW:
        workflow = data.get("workflow")
        if workflow is None:
            return {"workflow": ["Choose the workflow to benchmark."]}
        if not workflow.versions.exists():
            return {"workflow": ["Save a version of this workflow before benchmarking it."]}
        return {}
    try:
        model_path(data.get("model_ref") or BASE_MODEL_REF)
    except ValueError as exc:
        return {"model_ref": [str(exc)]}
    return {}


def benchmark_requests_problems(requests: int) -> list[str]:
    ceiling = settings.AXWEB_LAB_MAX_BENCHMARK_REQUESTS
    if requests > ceiling:
        return [f"At most {ceiling} requests per benchmark job (AXWEB_LAB_MAX_BENCHMARK_REQUESTS); "
                f"ask for fewer or split the benchmark."]
    return []


def benchmark_capacity_problems() -> Errors:
    """A new benchmark job waits for room: at most AXWEB_LAB_MAX_ACTIVE_BENCHMARKS unfinished."""
    ceiling = settings.AXWEB_LAB_MAX_ACTIVE_BENCHMARKS
    active = BenchmarkJob.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).count()
    if active >= ceiling:
        return {"non_field_errors": [
            f"{active} benchmark jobs are already queued or running; at most {ceiling} at once "
            "(AXWEB_LAB_MAX_ACTIVE_BENCHMARKS). Wait for one to finish or cancel one."]}
    return {}


def model_path(ref: str) -> str | None:
    """None for the base model, else the packed file of a registered compressed model."""
    if ref == BASE_MODEL_REF:
        return None
    provider, _, name = ref.partition(":")
    entry = ModelEntry.objects.filter(provider=provider, name=name).first()
    path = (entry.config or {}).get("path") if entry else None
    if not path:
        raise ValueError(
            f"{ref!r} is not a model the lab can run: use {BASE_MODEL_REF} or a compressed model from the registry."
        )
    return str(path)


# -- launch and cancel -------------------------------------------------------------------


def job_enqueue_on_commit(job: LabJob) -> None:
    """Send the job to the `lab` queue once the row is committed."""
    from agents.lab import tasks

    task = tasks.run_quantization_job if isinstance(job, QuantizationJob) else tasks.run_benchmark_job
    job_id = job.pk
    transaction.on_commit(lambda: task.apply_async(args=[job_id], queue="lab"))


def job_cancel(*, job: LabJob) -> LabJob:
    """Ask a job to stop; a job nobody started yet is cancelled at once."""
    with transaction.atomic():
        job = type(job)._default_manager.select_for_update().get(pk=job.pk)
        if job.finished:
            return job
        job.cancel_requested = True
        if job.status == JobStatus.QUEUED:
            job.status, job.finished_at = JobStatus.CANCELLED, timezone.now()
            job.log = [*job.log, "cancelled before it started"][-LOG_LINES_MAX:]
        job.save()
    return job


# -- progress ----------------------------------------------------------------------------


class JobProgress:
    """The core's ``progress`` callback: keeps state in memory, writes ≤ 2 rows a second."""

    def __init__(self, job: LabJob, clock: Callable[[], float] = time.monotonic) -> None:
        self.model, self.pk, self.clock = type(job), job.pk, clock
        self.fields: dict[str, Any] = {"log": list(job.log)}
        self.last_write = float("-inf")

    def __call__(self, event: dict[str, Any]) -> None:
        stage = str(event.get("stage") or self.fields.get("stage", ""))
        done, total = event.get("layer"), event.get("total")
        low, high = STAGE_SPAN.get(stage, (0.0, 0.0))
        fraction = low + (high - low) * (done / total) if done and total else low
        self.fields.update(stage=stage, progress=max(fraction, self.fields.get("progress", 0.0)))
        if "elapsed_s" in event:
            self.fields.update(elapsed_s=float(event["elapsed_s"] or 0.0), eta_s=event.get("eta_s"))
        if total:
            self.fields.update(current_step=int(done or 0), total_steps=int(total))
        if event.get("log"):
            line = f"[{self.fields.get('elapsed_s', 0.0):7.1f}s] {event['log']}"
            self.fields["log"] = [*self.fields["log"], line][-LOG_LINES_MAX:]
        if self.clock() - self.last_write >= WRITE_EVERY_S or stage == "done":
            self.flush()

    def flush(self) -> None:
        self.model._default_manager.filter(pk=self.pk).update(**self.fields)
        self.last_write = self.clock()


def cancel_checker(job: LabJob) -> Callable[[], bool]:
    """The core's ``is_cancelled``: reads the row (at most four times a second)."""
    model, pk = type(job), job.pk
    state = {"at": float("-inf"), "value": False}

    def is_cancelled() -> bool:
        now = time.monotonic()
        if not state["value"] and now - state["at"] >= CANCEL_POLL_S:
            state["value"] = model._default_manager.filter(pk=pk, cancel_requested=True).exists()
            state["at"] = now
        return bool(state["value"])

    return is_cancelled


# -- running -----------------------------------------------------------------------------


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _claim(model: type[LabJob], job_id: int) -> LabJob | None:
    """queued → running, once; None when the job was cancelled or already taken."""
    now = timezone.now()
    claimed = model._default_manager.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, worker=worker_name()
    )
    return model._default_manager.get(pk=job_id) if claimed else None


@contextlib.contextmanager
def heartbeat(job: LabJob, every_s: float | None = None) -> Iterator[None]:
    """Renew the job's heartbeat from a daemon thread while the body runs."""
    model, pk, stop = type(job), job.pk, threading.Event()
    interval = HEARTBEAT_S if every_s is None else every_s

    def beat() -> None:
        try:
            while not stop.wait(interval):
                model._default_manager.filter(pk=pk, status=JobStatus.RUNNING).update(
                    heartbeat_at=timezone.now())
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"lab-heartbeat-{pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=interval + 5)


def lab_reap_orphans(stale_after_s: float | None = None) -> list[str]:
    """Fail running jobs whose worker stopped renewing the heartbeat; returns "kind:id"s.

    Lab jobs are not re-run automatically (a quantization can take many minutes and its
    partial output is discarded): the job fails with the reason, and the user relaunches.
    """
    stale = STALE_AFTER_S if stale_after_s is None else stale_after_s
    cutoff = timezone.now() - timedelta(seconds=stale)
    reaped = []
    for model in (QuantizationJob, BenchmarkJob):
        for job in model._default_manager.filter(status=JobStatus.RUNNING, heartbeat_at__lt=cutoff):
            reason = (f"the worker running this job ({job.worker or 'unknown'}) stopped: no heartbeat "
                      f"since {job.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC. Launch the job again.")
            claimed = model._default_manager.filter(
                pk=job.pk, status=JobStatus.RUNNING, heartbeat_at=job.heartbeat_at
            ).update(status=JobStatus.FAILED, finished_at=timezone.now(), eta_s=None, error=reason,
                     log=[*job.log, f"failed: {reason}"][-LOG_LINES_MAX:])
            if claimed:
                if isinstance(job, QuantizationJob) and job.output_path:
                    Path(job.output_path).unlink(missing_ok=True)
                reaped.append(f"{model._meta.model_name}:{job.pk}")
    return reaped


def reap_forever(stop: threading.Event, every_s: float) -> None:
    """The worker's lab reaper loop (started by agents.lab.tasks on worker_ready)."""
    while not stop.wait(every_s):
        try:
            close_old_connections()
            lab_reap_orphans()
        except Exception:  # noqa: BLE001 - the reaper must outlive a database hiccup
            import logging

            logging.getLogger(__name__).exception("reaping orphaned lab jobs failed")


def _finish(job: LabJob, status: str, **fields: Any) -> None:
    job.refresh_from_db(fields=["log"])
    started: datetime | None = job.started_at
    now = timezone.now()
    elapsed = (now - started).total_seconds() if started else 0.0
    line = f"{status}: {fields.get('error')}" if fields.get("error") else status
    type(job)._default_manager.filter(pk=job.pk).update(
        status=status,
        finished_at=now,
        elapsed_s=round(elapsed, 3),
        eta_s=None,
        log=[*job.log, line][-LOG_LINES_MAX:],
        **fields,
    )


def configure_torch_threads() -> int:
    import torch

    torch.set_num_threads(max(1, int(settings.AXWEB_TORCH_THREADS)))
    return int(torch.get_num_threads())


def _constant(text: str) -> Callable[[], str]:
    def corpus() -> str:
        return text

    return corpus


@contextlib.contextmanager
def _uploaded_corpora(job: QuantizationJob) -> Iterator[dict[str, str]]:
    """Corpus names for the core; uploaded texts are registered under job-scoped names."""
    from agents.lab import corpora

    names, added = {}, []
    for role, corpus, text in (("calib", job.calib_corpus, job.calib_text), ("eval", job.eval_corpus, job.eval_text)):
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

    job = _claim(QuantizationJob, job_id)
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
        _finish(job, JobStatus.CANCELLED)
        return JobStatus.CANCELLED
    except Exception as exc:  # noqa: BLE001 - any failure ends the job with its message
        progress.flush()
        Path(job.output_path).unlink(missing_ok=True)
        _finish(job, JobStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
        return JobStatus.FAILED
    progress.flush()
    entry = compressed_model_register(job=job, result=result)
    _finish(job, JobStatus.SUCCEEDED, result=_jsonable(result), progress=1.0, registered_model=entry)
    return JobStatus.SUCCEEDED


def compressed_model_register(*, job: QuantizationJob, result: dict[str, Any]) -> ModelEntry:
    """Register the packed file as a builtin model of tier `compressed`."""
    name = f"smollm2-135m-{job.method}-w{job.bits}g{job.group_size}-job{job.pk}"
    keep = ("ppl_baseline", "ppl_quantized", "size_mb", "bits_per_weight", "decode_tok_s")
    entry, _ = ModelEntry.objects.update_or_create(
        provider=ModelEntry.Provider.BUILTIN,
        name=name,
        defaults={
            "tier": ModelEntry.Tier.COMPRESSED,
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


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


# -- benchmarks --------------------------------------------------------------------------


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


class WorkflowBenchmark:
    """N runs of a workflow, C at a time, through the real run service and workers."""

    POLL_S = 0.2

    def __init__(
        self,
        job: BenchmarkJob,
        progress: Callable[[dict[str, Any]], None],
        is_cancelled: Callable[[], bool],
        timeout_s: float = 600.0,
    ) -> None:
        self.job, self.progress, self.is_cancelled = job, progress, is_cancelled
        self.timeout_s = timeout_s
        self.inflight: list[Any] = []
        self.latencies: list[float] = []
        self.statuses: dict[str, int] = {}

    def run(self) -> dict[str, Any]:
        from agents.lab.jobs import Cancelled

        start, started = time.monotonic(), 0
        done = 0
        while done < self.job.requests:
            while started < self.job.requests and len(self.inflight) < self.job.concurrency:
                self.inflight.append(self._start().pk)
                started += 1
            time.sleep(self.POLL_S)
            done += self._collect()
            elapsed = time.monotonic() - start
            self.progress(
                {
                    "stage": "benchmark",
                    "layer": done,
                    "total": self.job.requests,
                    "elapsed_s": elapsed,
                    "eta_s": elapsed / done * (self.job.requests - done) if done else None,
                    "log": None,
                }
            )
            if self.is_cancelled():
                self._cancel_inflight()
                raise Cancelled("cancelled by the caller")
            if elapsed > self.timeout_s:
                self._cancel_inflight()
                raise TimeoutError(
                    f"{self.job.requests - done} runs did not finish in "
                    f"{self.timeout_s:.0f} s; is a worker serving the `runs` "
                    f"queue with a free slot?"
                )
        return self._result(time.monotonic() - start)

    def _start(self) -> Any:
        from workflows.runs.services import run_start

        assert self.job.workflow is not None
        return run_start(owner=self.job.owner, workflow=self.job.workflow, inputs=self.job.inputs)

    def _collect(self) -> int:
        from workflows.models import FINISHED_STATUSES, Run

        finished = list(Run.objects.filter(pk__in=self.inflight, status__in=FINISHED_STATUSES))
        for run in finished:
            self.inflight.remove(run.pk)
            self.statuses[run.status] = self.statuses.get(run.status, 0) + 1
            if run.status == "succeeded" and run.finished_at:
                self.latencies.append((run.finished_at - run.created_at).total_seconds())
            self.progress({"stage": "benchmark", "log": f"run {str(run.pk)[:8]} {run.status}"})
        return len(finished)

    def _cancel_inflight(self) -> None:
        from workflows.models import Run
        from workflows.runs.services import run_cancel

        for run in Run.objects.filter(pk__in=self.inflight):
            with contextlib.suppress(Exception):
                run_cancel(run=run)

    def _result(self, wall_s: float) -> dict[str, Any]:
        runs = self.job.requests
        succeeded = self.statuses.get("succeeded", 0)
        return {
            "workflow": self.job.workflow_id,
            "runs": runs,
            "concurrency": self.job.concurrency,
            "wall_s": wall_s,
            "throughput_runs_per_s": runs / wall_s if wall_s else None,
            "latency_p50_s": _percentile(self.latencies, 50),
            "latency_p95_s": _percentile(self.latencies, 95),
            "succeeded": succeeded,
            "failures": runs - succeeded,
            "statuses": self.statuses,
            "latencies_s": self.latencies,
        }


def _model_benchmark(job: BenchmarkJob, progress: Any, is_cancelled: Any) -> dict[str, Any]:
    from agents.lab.jobs import run_model_benchmark

    spec: dict[str, Any] = {
        "model_path": model_path(job.model_ref or BASE_MODEL_REF),
        "n_requests": job.requests,
        "max_new_tokens": job.max_new_tokens,
    }
    if job.prompts:
        spec["prompts"] = [str(p) for p in job.prompts]
    result = run_model_benchmark(spec, progress, is_cancelled)
    result["model_ref"] = job.model_ref or BASE_MODEL_REF
    if spec["model_path"]:
        result["size_mb"] = Path(spec["model_path"]).stat().st_size / 1e6
    return result


def benchmark_job_run(job_id: int) -> str:
    """Run one queued benchmark job to its end; returns the final status."""
    from agents.lab.jobs import Cancelled

    job = _claim(BenchmarkJob, job_id)
    if not isinstance(job, BenchmarkJob):
        return "skipped"
    progress, is_cancelled = JobProgress(job), cancel_checker(job)
    try:
        with heartbeat(job):
            if job.target == BenchmarkJob.Target.WORKFLOW:
                result = WorkflowBenchmark(job, progress, is_cancelled).run()
            else:
                progress({"stage": "load", "log": f"torch threads: {configure_torch_threads()}"})
                result = _model_benchmark(job, progress, is_cancelled)
    except Cancelled:
        progress.flush()
        _finish(job, JobStatus.CANCELLED)
        return JobStatus.CANCELLED
    except Exception as exc:  # noqa: BLE001 - any failure ends the job with its message
        progress.flush()
        _finish(job, JobStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
        return JobStatus.FAILED
    progress.flush()
    _finish(job, JobStatus.SUCCEEDED, result=_jsonable(result), progress=1.0)
    return JobStatus.SUCCEEDED


# -- results (for tables and plots) -----------------------------------------------------

QUANT_COLUMNS = (
    "ppl_baseline",
    "ppl_quantized",
    "size_mb",
    "bits_per_weight",
    "quant_s",
    "decode_tok_s",
    "peak_rss_mb",
)
BENCH_COLUMNS = ("latency_p50_s", "latency_p95_s", "tokens_per_s", "throughput_runs_per_s", "failures", "size_mb")


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
            "eval": {k: (j.result.get("quantized") or {}).get(k) for k in ("tokens", "window", "stride")},
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
