"""When a schedule fires: cron expressions or fixed intervals, in a time zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from rest_framework.exceptions import ValidationError

MIN_INTERVAL_S = 1
MAX_INTERVAL_S = 366 * 86400
EPOCH = datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC"))


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            {"timezone": [f"'{name}' is not a time zone; use a name like UTC or Europe/Paris."]}
        ) from None


def schedule_check(*, cron: str, interval_s: int | None, timezone: str) -> None:
    """A field error unless exactly one of `cron` / `interval_s` is given and it is valid."""
    zone_of(timezone)
    if bool(cron) == bool(interval_s):
        raise ValidationError({"cron": ["Give a cron expression or an interval, not both."]})
    if cron and not croniter.is_valid(cron):
        raise ValidationError(
            {"cron": [f"'{cron}' is not a cron expression (minute hour day month weekday)."]}
        )
    if interval_s is not None and not MIN_INTERVAL_S <= interval_s <= MAX_INTERVAL_S:
        raise ValidationError(
            {"interval_s": [f"The interval is {MIN_INTERVAL_S} s to {MAX_INTERVAL_S} s (a year)."]}
        )
    if cron:
        try:  # valid fields can still never match (30 February): say so now, not at fire time
            croniter(cron).get_next(datetime)
        except Exception:  # croniter raises several kinds for dates it cannot find
            raise ValidationError({"cron": [f"'{cron}' never matches a date."]}) from None


def next_after(*, cron: str, interval_s: int | None, timezone: str, after: datetime) -> datetime:
    """The first tick strictly after `after` (an aware datetime; the result is UTC-aware).

    Intervals count from the Unix epoch, so every process agrees on the ticks and "every 300 s"
    fires on the five minutes; cron ticks are read on the wall clock of `timezone`."""
    if interval_s:
        steps = int((after - EPOCH).total_seconds() // interval_s) + 1
        return EPOCH + timedelta(seconds=steps * interval_s)
    local = after.astimezone(zone_of(timezone))
    nxt: datetime = croniter(cron, local).get_next(datetime)
    return nxt.astimezone(ZoneInfo("UTC"))


def next_times(*, after: datetime, count: int = 5, **schedule: Any) -> list[datetime]:
    """The next `count` ticks after `after` (for the preview)."""
    times: list[datetime] = []
    moment = after
    for _ in range(count):
        moment = next_after(after=moment, **schedule)
        times.append(moment)
    return times
