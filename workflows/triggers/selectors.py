"""Reading triggers and their history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from axweb.ownership import owned
from workflows.triggers.models import Trigger, TriggerFire
from workflows.triggers.schedules import next_times, schedule_check


def triggers_visible(user: Any) -> QuerySet[Trigger]:
    return owned(Trigger.objects.select_related("workflow"), user)


def trigger_fires(trigger: Trigger, limit: int = 50) -> QuerySet[TriggerFire]:
    return trigger.fires.select_related("run").order_by("-created_at")[:limit]


def schedule_preview(*, cron: str, interval_s: int | None, timezone_name: str) -> list[datetime]:
    """The next five ticks of a schedule (checked first: a bad one is a field error)."""
    schedule_check(cron=cron, interval_s=interval_s, timezone=timezone_name)
    return next_times(
        after=timezone.now(), cron=cron, interval_s=interval_s, timezone=timezone_name
    )
