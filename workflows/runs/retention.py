"""Retention: the trace details of old finished runs are deleted (AXWEB_RETENTION_DAYS).

A run finished more than `days` ago keeps its row (status, inputs, outputs, usage, error:
what run lists and totals show) and loses its events, node runs and tool-call records, the
bulk of the data. Runs still queued, running or paused are never touched. 0 days (the
default) keeps everything forever. Called by `manage.py prune_runs` and hourly by the
worker's reaper thread (workflows/tasks.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tools.models import ToolCallRecord
from workflows.models import FINISHED_STATUSES, NodeRun, Run, RunEvent

BATCH = 200  # runs per transaction: short locks, bounded memory
PRUNE_EVERY_S = 3600.0


def retention_cutoff(days: int, now: datetime | None = None) -> datetime | None:
    """Runs finished before this instant are pruned; None when retention is off (0 days)."""
    return (now or timezone.now()) - timedelta(days=days) if days > 0 else None


def _prunable(cutoff: datetime) -> Any:
    return (
        Run.objects.filter(status__in=FINISHED_STATUSES, finished_at__lt=cutoff)
        .filter(events__isnull=False)
        .values_list("id", flat=True)
        .distinct()
    )


def _prune_batch(run_ids: list[Any]) -> dict[str, int]:
    with transaction.atomic():
        events, _ = RunEvent.objects.filter(run_id__in=run_ids).delete()
        nodes, _ = NodeRun.objects.filter(run_id__in=run_ids).delete()
        calls, _ = ToolCallRecord.objects.filter(run_id__in=run_ids).delete()
    return {"runs": len(run_ids), "events": events, "node_runs": nodes, "tool_calls": calls}


def runs_prune(days: int | None = None, now: datetime | None = None) -> dict[str, int]:
    """Delete events, node runs and tool-call records of runs finished over `days` days ago."""
    days = settings.AXWEB_RETENTION_DAYS if days is None else days
    totals = {"runs": 0, "events": 0, "node_runs": 0, "tool_calls": 0}
    cutoff = retention_cutoff(days, now)
    if cutoff is None:
        return totals
    while run_ids := list(_prunable(cutoff)[:BATCH]):
        for key, count in _prune_batch(run_ids).items():
            totals[key] += count
    return totals
