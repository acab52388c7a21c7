"""Run one benchmark job to its end: a model (tokens/s, latency) or a workflow (N runs, C at a
time, through the real run service and workers)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agents.lab.models import BASE_MODEL_REF, BenchmarkJob, JobStatus
from agents.lab.services.lifecycle import (
    claim,
    configure_torch_threads,
    finish,
    heartbeat,
    jsonable,
)
from agents.lab.services.progress import JobProgress, cancel_checker
from agents.lab.services.validation import model_path


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

    job = claim(BenchmarkJob, job_id)
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
        finish(job, JobStatus.CANCELLED)
        return JobStatus.CANCELLED
    except Exception as exc:  # noqa: BLE001 - any failure ends the job with its message
        progress.flush()
        finish(job, JobStatus.FAILED, error=f"{type(exc).__name__}: {exc}")
        return JobStatus.FAILED
    progress.flush()
    finish(job, JobStatus.SUCCEEDED, result=jsonable(result), progress=1.0)
    return JobStatus.SUCCEEDED
