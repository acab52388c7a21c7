"""The reaper: re-enqueues runs whose worker died and work whose Celery message was lost.

Every worker runs the loop; a Redis lock lets one of them reap per tick. Each item is sent
again at most once per throttle period (a Redis key per item): a run whose lease expired at
most once per lease, a queued run (lab job, knowledge import) at most once per
max(lease, AXWEB_QUEUED_GRACE_S). A second delivery is harmless (the lease, or the job's
claim, lets one copy run), but a flood of them is not.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any
from uuid import UUID

import redis
from django.conf import settings
from django.db import close_old_connections
from django.db.models import Q
from django.utils import timezone

from workflows.models import Run, RunStatus
from workflows.runs import approvals, retention
from workflows.runs.lease import lease_s

log = logging.getLogger(__name__)
LOCK_KEY = "axweb:reaper:lock"
_client: redis.Redis[bytes] | None = None


def redis_client() -> redis.Redis[bytes]:
    global _client
    if _client is None:
        _client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
        )
    return _client


def reaper_lock(worker: str, hold_s: float) -> bool:
    """True for the one worker that reaps this tick (the lock expires before the next)."""
    return bool(redis_client().set(LOCK_KEY, worker, nx=True, px=max(1, int(hold_s * 1000))))


def _first_in_period(kind: str, ident: Any, period_s: float) -> bool:
    return bool(
        redis_client().set(
            f"axweb:requeued:{kind}:{ident}", 1, nx=True, px=max(1, int(period_s * 1000))
        )
    )


def queued_period_s() -> float:
    return max(lease_s(), float(settings.AXWEB_QUEUED_GRACE_S))


def throttled(
    kind: str, ids: Iterable[Any], period_s: float, send: Callable[[Any], None]
) -> list[Any]:
    """Send each id not already sent within `period_s`; return those sent."""
    sent = []
    for ident in ids:
        if _first_in_period(kind, ident, period_s):
            send(ident)
            sent.append(ident)
    return sent


def runs_reap(send: Callable[[UUID], None]) -> list[UUID]:
    """Runs whose lease expired, and queued runs older than the grace period."""
    now = timezone.now()
    expired = Run.objects.filter(
        status=RunStatus.RUNNING, lease_expires_at__lt=now, parent__isnull=True
    )
    grace = timedelta(seconds=float(settings.AXWEB_QUEUED_GRACE_S))
    stale = Run.objects.filter(
        Q(status=RunStatus.QUEUED, lease_owner="", created_at__lt=now - grace), parent__isnull=True
    )
    return [
        *throttled("run", expired.values_list("id", flat=True), lease_s(), send),
        *throttled("run", stale.values_list("id", flat=True), queued_period_s(), send),
    ]


def lab_reap() -> list[str]:
    """Queued lab jobs and pending knowledge imports whose message was lost."""
    from agents.knowledge.models import KnowledgeDocument
    from agents.knowledge.tasks import document_import_task
    from agents.lab import tasks as lab_tasks
    from agents.lab.models import BenchmarkJob, JobStatus, QuantizationJob

    cutoff = timezone.now() - timedelta(seconds=float(settings.AXWEB_QUEUED_GRACE_S))
    period = queued_period_s()
    queued = {
        "quantization": (QuantizationJob, lab_tasks.run_quantization_job),
        "benchmark": (BenchmarkJob, lab_tasks.run_benchmark_job),
    }
    sent: list[str] = []
    for kind, (model, task) in queued.items():
        ids = model._default_manager.filter(
            status=JobStatus.QUEUED, created_at__lt=cutoff
        ).values_list("pk", flat=True)
        sent += [f"{kind}:{pk}" for pk in throttled(kind, ids, period, _lab_sender(task))]
    pending = KnowledgeDocument.objects.filter(
        status=KnowledgeDocument.Status.PENDING, created_at__lt=cutoff
    )
    sent += [
        f"document:{pk}"
        for pk in throttled(
            "document", pending.values_list("pk", flat=True), period, document_import_task.delay
        )
    ]
    return sent


def _lab_sender(task: Any) -> Callable[[Any], None]:
    def send(pk: Any) -> None:
        task.apply_async(args=[pk], queue="lab")

    return send


def reap_once(worker: str, send_run: Callable[[UUID], None]) -> list[Any]:
    """One tick: reap when this worker holds the lock this tick; return what was re-enqueued."""
    if not reaper_lock(worker, float(settings.AXWEB_REAP_EVERY_S) * 0.9):
        return []
    approvals.approvals_expire_due(send_run)  # paused runs whose approval deadline passed go on
    return [*runs_reap(send_run), *lab_reap()]


def reap_forever(stop: threading.Event, worker: str, send_run: Callable[[UUID], None]) -> None:
    next_prune = time.monotonic()  # retention: once at start, then every PRUNE_EVERY_S
    while not stop.wait(float(settings.AXWEB_REAP_EVERY_S)):
        try:
            close_old_connections()
            resumed = reap_once(worker, send_run)
            if resumed:
                log.info("re-enqueued: %s", ", ".join(map(str, resumed)))
            if time.monotonic() >= next_prune:
                next_prune = time.monotonic() + retention.PRUNE_EVERY_S
                _prune_old_runs()
        except Exception:  # the reaper must outlive a database or Redis hiccup
            log.exception("reaping failed")


def _prune_old_runs() -> None:
    pruned = retention.runs_prune()
    if pruned["runs"]:
        log.info("retention: pruned %s", pruned)
