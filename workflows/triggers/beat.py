"""The Celery beat scheduler whose schedule is the triggers table.

`celery -A axweb beat -S workflows.triggers.beat:TriggerScheduler` (the `beat` line of the
Procfile). Each tick it fires the due schedules itself (ticks.py: run_start, so the worker
gets an ordinary run) and sleeps until the next due tick, at most a second, so a schedule
saved meanwhile is seen within a second. Why not django-celery-beat: its rows would be a
second copy of the schedule, and its "one periodic task per row" still needs the
exactly-once claim below when two beats run; the claim on our own table is all we need.
"""

from __future__ import annotations

import logging
from typing import Any

from celery.beat import Scheduler
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from workflows.triggers.ticks import schedules_fire_due, schedules_next_due

log = logging.getLogger(__name__)
MAX_SLEEP_S = 1.0
MIN_SLEEP_S = 0.01


class TriggerScheduler(Scheduler):  # type: ignore[misc]  # celery ships no types
    def tick(self, *args: Any, **kwargs: Any) -> float:
        static = super().tick(*args, **kwargs)  # entries of CELERY_BEAT_SCHEDULE, if any
        close_old_connections()
        try:
            schedules_fire_due(timezone.now())
            due = schedules_next_due()
        except DatabaseError:  # a locked or restarting database: try again shortly
            log.exception("firing schedules failed; retrying")
            return MAX_SLEEP_S
        wait = MAX_SLEEP_S if due is None else (due - timezone.now()).total_seconds()
        return max(MIN_SLEEP_S, min(float(static), MAX_SLEEP_S, wait))
