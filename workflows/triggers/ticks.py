"""Firing due schedules. Each tick fires exactly once, however many schedulers look at it: a
scheduler owns a tick only if its conditional UPDATE moved `next_fire_at` off that tick (and
a unique (trigger, tick) fire row backs it up)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Min
from rest_framework.exceptions import ValidationError

from workflows.models import FINISHED_STATUSES
from workflows.triggers.fires import fire_skip, trigger_fire
from workflows.triggers.models import Trigger, TriggerFire
from workflows.triggers.schedules import next_after

log = logging.getLogger(__name__)


def schedule_next(trigger: Trigger, after: datetime) -> datetime:
    return next_after(
        cron=trigger.cron,
        interval_s=trigger.interval_s,
        timezone=trigger.timezone,
        after=after,
    )


def _busy(trigger: Trigger) -> bool:
    last = TriggerFire.objects.filter(trigger=trigger, run__isnull=False).select_related("run")
    latest = last.order_by("-created_at").first()
    return (
        latest is not None
        and latest.run is not None
        and latest.run.status not in (FINISHED_STATUSES)
    )


def _fire_tick(trigger: Trigger, tick: datetime, now: datetime) -> None:
    missed = now - tick > timedelta(seconds=settings.AXWEB_SCHEDULE_MISFIRE_S)
    if missed and trigger.catch_up == Trigger.CatchUp.SKIP:
        fire_skip(trigger, tick, "Missed while no scheduler ran; the catch-up policy skips it.")
    elif trigger.no_overlap and _busy(trigger):
        fire_skip(trigger, tick, "The previous run had not finished (no overlap).")
    else:
        scheduled = {"scheduled_for": tick.isoformat(), "trigger": trigger.name}
        try:
            trigger_fire(trigger, {}, tick_at=tick, extra=scheduled)
        except ValidationError:
            pass  # recorded as a refused fire; the schedule goes on


def schedule_fire(trigger: Trigger, now: datetime) -> bool:
    """Fire the due tick of `trigger` if this process claims it; True when it did."""
    tick = trigger.next_fire_at
    if tick is None:
        return False
    following = schedule_next(trigger, max(tick, now))
    try:
        with transaction.atomic():
            claimed = Trigger.objects.filter(pk=trigger.pk, enabled=True, next_fire_at=tick).update(
                next_fire_at=following
            )
            if not claimed:
                return False
            _fire_tick(trigger, tick, now)
    except IntegrityError:
        return False  # another scheduler recorded this tick first
    return True


def schedules_fire_due(now: datetime) -> int:
    """Fire every enabled schedule whose tick has come; returns how many ticks fired here."""
    due = Trigger.objects.filter(
        kind=Trigger.Kind.SCHEDULE, enabled=True, next_fire_at__lte=now
    ).select_related("workflow", "owner")
    return sum(schedule_fire(trigger, now) for trigger in due)


def schedules_next_due() -> datetime | None:
    found: datetime | None = Trigger.objects.filter(
        kind=Trigger.Kind.SCHEDULE, enabled=True
    ).aggregate(at=Min("next_fire_at"))["at"]
    return found
