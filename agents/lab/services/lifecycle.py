"""A lab job's life: launch and cancel, claim (queued → running, once), heartbeat, finish,
and the reaper that fails a running job whose worker is gone."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from agents.lab.models import LOG_LINES_MAX, BenchmarkJob, JobStatus, LabJob, QuantizationJob
from axweb.env import env_float

# A running job's worker renews heartbeat_at every HEARTBEAT_S from a side thread (a single
# torch step can outlast many progress events); a job whose heartbeat is older than
# STALE_AFTER_S lost its worker (killed, OOM, machine gone) and is failed by the reaper.
HEARTBEAT_S = env_float("AXWEB_LAB_HEARTBEAT_S", 10.0)
STALE_AFTER_S = env_float("AXWEB_LAB_STALE_AFTER_S", 60.0)


def job_enqueue_on_commit(job: LabJob) -> None:
    """Send the job to the `lab` queue once the row is committed."""
    from agents.lab import tasks

    task = (
        tasks.run_quantization_job if isinstance(job, QuantizationJob) else tasks.run_benchmark_job
    )
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


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(model: type[LabJob], job_id: int) -> LabJob | None:
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
                    heartbeat_at=timezone.now()
                )
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
            reason = (
                f"the worker running this job ({job.worker or 'unknown'}) stopped: no heartbeat "
                f"since {job.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC. Launch the job again."
            )
            claimed = model._default_manager.filter(
                pk=job.pk, status=JobStatus.RUNNING, heartbeat_at=job.heartbeat_at
            ).update(
                status=JobStatus.FAILED,
                finished_at=timezone.now(),
                eta_s=None,
                error=reason,
                log=[*job.log, f"failed: {reason}"][-LOG_LINES_MAX:],
            )
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


def finish(job: LabJob, status: str, **fields: Any) -> None:
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


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)
