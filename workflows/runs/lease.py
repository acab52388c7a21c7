"""Run leases: who executes a run, renewed from a thread of its own, fenced by an epoch.

A worker acquires a run's lease (status running, `lease_owner`, `lease_expires_at`) and bumps
`lease_epoch`; every commit of progress names that epoch (see events._reserve_seqs), so a
worker that stalled past its lease and was replaced cannot write. The lease is renewed by a
`LeaseKeeper` thread with its own database connection, so a worker whose event loop is busy
(a builtin model generating at 100% CPU) keeps it.

Taking over a lease that expired means the previous worker died: the nodes then in flight
are counted in `worker_losses`; at AXWEB_RESUME_CAP losses on one node the run fails with
`worker.lost` instead of crash-looping every worker that picks it up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from workflows.models import NodeRun, Run, RunEvent, RunStatus
from workflows.runs import events as ev

log = logging.getLogger(__name__)


def lease_s() -> float:
    return float(settings.AXWEB_RUN_LEASE_S)


def heartbeat_s() -> float:
    return lease_s() / 4


def lease_acquire(run_id: UUID | str, worker: str) -> int | None:
    """Take the run's lease; return its new epoch, or None (held elsewhere, finished, or failed
    here because its workers keep dying on the same node)."""
    now = timezone.now()
    free = Q(lease_owner="") | Q(lease_expires_at__lt=now) | Q(lease_owner=worker)
    with transaction.atomic():  # on SQLite this holds the write lock: no query it can spare
        found = (
            Run.objects.select_for_update(of=("self",))  # PostgreSQL: the run's row only
            .select_related("workflow", "version")  # for the broadcast's list item
            .filter(free, pk=run_id, status__in=[RunStatus.QUEUED, RunStatus.RUNNING])
            .order_by()[:1]  # one row by key: no ORDER BY to compile
        )
        run = found[0] if found else None
        if run is None:
            return None
        if run.lease_owner not in ("", worker) and _count_worker_loss(run):
            return None
        run.lease_owner, run.lease_expires_at = worker, now + timedelta(seconds=lease_s())
        run.lease_epoch += 1
        run.status = RunStatus.RUNNING
        run.started_at = run.started_at or now
        run.save(
            update_fields=[
                "lease_owner",
                "lease_expires_at",
                "lease_epoch",
                "status",
                "started_at",
                "worker_losses",
            ]
        )
        ev.run_broadcast_status(run)
    return run.lease_epoch


def in_flight_nodes(run: Run) -> set[str]:
    """Nodes that started and never committed a record."""
    started = set(
        RunEvent.objects.filter(run=run, type="node.started").values_list("node", flat=True)
    )
    return started - set(NodeRun.objects.filter(run=run).values_list("node_id", flat=True))


def _count_worker_loss(run: Run) -> bool:
    """The previous holder died: count it against the nodes in flight; fail the run (and
    return True) when one of them reached the resume cap."""
    losses = dict(run.worker_losses or {})
    for node in sorted(in_flight_nodes(run)):
        losses[node] = int(losses.get(node, 0)) + 1
    run.worker_losses = losses
    cap = int(settings.AXWEB_RESUME_CAP)
    worst = max(losses.items(), key=lambda item: item[1], default=("", 0))
    if worst[1] < cap:
        return False
    node, count = worst
    error = (
        f"worker.lost: the worker executing node '{node}' stopped {count} times (resume cap "
        f"{cap}, AXWEB_RESUME_CAP); the run is not resumed again."
    )
    run.status, run.error, run.finished_at = RunStatus.FAILED, error, timezone.now()
    run.lease_owner, run.lease_expires_at = "", None
    run.save(
        update_fields=[
            "status",
            "error",
            "finished_at",
            "lease_owner",
            "lease_expires_at",
            "worker_losses",
        ]
    )
    ev.events_append(
        run.id, [("run.failed", None, {"error": error, "code": "worker.lost", "node": node})]
    )
    ev.run_broadcast_status(run)
    log.error("run %s: %s", run.id, error)
    return True


def lease_renew(run_id: UUID | str, worker: str, epoch: int | None = None) -> bool:
    expires = timezone.now() + timedelta(seconds=lease_s())
    held = Run.objects.filter(pk=run_id, lease_owner=worker)
    if epoch is not None:
        held = held.filter(lease_epoch=epoch)
    return held.update(lease_expires_at=expires) == 1


class LeaseKeeper:
    """Renews a lease every heartbeat_s() from a daemon thread (its own DB connection);
    calls `on_lost` (from that thread) once when the lease turned out to be someone else's."""

    def __init__(self, run_id: UUID, worker: str, epoch: int, on_lost: Callable[[], None]) -> None:
        self.run_id, self.worker, self.epoch, self.on_lost = run_id, worker, epoch, on_lost
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{run_id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=heartbeat_s() + 5)

    def _beat(self) -> None:
        try:
            while not self._stop.wait(heartbeat_s()):
                try:
                    held = lease_renew(self.run_id, self.worker, self.epoch)
                except DatabaseError:  # transient: the lease lasts a while yet; try again next beat
                    log.warning(
                        "run %s: renewing the lease failed; retrying", self.run_id, exc_info=True
                    )
                    connection.close()
                    continue
                if not held:
                    self.on_lost()
                    return
        finally:
            connection.close()
