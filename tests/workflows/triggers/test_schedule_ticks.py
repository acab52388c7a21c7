"""Schedule ticks without a scheduler process: claims, catch-up policy, no-overlap."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.workflows.triggers.helpers import echo_graph
from workflows.models import Run
from workflows.services import workflow_create
from workflows.triggers.models import Trigger, TriggerFire
from workflows.triggers.services import trigger_create
from workflows.triggers.ticks import schedule_fire, schedules_fire_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def schedule(owner):
    flow = workflow_create(owner=owner, name="Echo", graph=echo_graph())

    def make(**data):
        data = {
            "kind": "schedule",
            "interval_s": 60,
            "input_mapping": {"question": "'tick'"},
        } | data
        return trigger_create(owner=owner, workflow=flow, data=data)[0]

    return make


def test_a_due_tick_starts_one_run_and_moves_to_the_next_tick(schedule):
    trigger = schedule()
    tick = trigger.next_fire_at
    assert schedules_fire_due(tick + timedelta(seconds=0.2)) == 1
    fire = TriggerFire.objects.get(trigger=trigger)
    assert fire.tick_at == tick and fire.run.inputs == {"question": "tick"}
    trigger.refresh_from_db()
    assert trigger.next_fire_at == tick + timedelta(seconds=60)
    assert schedules_fire_due(tick + timedelta(seconds=1)) == 0


def test_a_tick_is_fired_by_one_claimant_only(schedule):
    trigger = schedule()
    seen_by_a, seen_by_b = Trigger.objects.get(pk=trigger.pk), Trigger.objects.get(pk=trigger.pk)
    now = trigger.next_fire_at + timedelta(seconds=0.1)
    assert schedule_fire(seen_by_a, now) is True
    assert schedule_fire(seen_by_b, now) is False  # it read the same tick before a moved it
    assert Run.objects.count() == 1


def test_missed_ticks_are_skipped_or_run_once_by_policy(schedule):
    skip, once = schedule(catch_up="skip"), schedule(catch_up="once")
    later = timezone.now() + timedelta(hours=3)  # 180 ticks missed
    schedules_fire_due(later)
    assert TriggerFire.objects.get(trigger=skip).status == "skipped"
    assert TriggerFire.objects.get(trigger=once).status == "started"
    for trigger in (skip, once):
        trigger.refresh_from_db()
        assert later < trigger.next_fire_at <= later + timedelta(seconds=60)


def test_no_overlap_skips_a_tick_while_the_previous_run_is_going(schedule):
    trigger = schedule(no_overlap=True)
    first = trigger.next_fire_at
    schedules_fire_due(first + timedelta(seconds=0.1))
    schedules_fire_due(first + timedelta(seconds=60.1))
    statuses = list(
        TriggerFire.objects.filter(trigger=trigger)
        .order_by("tick_at")
        .values_list("status", flat=True)
    )
    assert statuses == ["started", "skipped"]
    Run.objects.update(status="succeeded")
    schedules_fire_due(first + timedelta(seconds=120.1))
    assert TriggerFire.objects.filter(trigger=trigger, status="started").count() == 2


def test_a_disabled_schedule_does_not_fire(schedule):
    trigger = schedule()
    Trigger.objects.filter(pk=trigger.pk).update(enabled=False)
    assert schedules_fire_due(trigger.next_fire_at + timedelta(seconds=1)) == 0


def test_a_tick_whose_inputs_the_flow_refuses_is_recorded_and_the_schedule_goes_on(schedule):
    trigger = schedule(input_mapping={})
    tick = trigger.next_fire_at
    assert schedules_fire_due(tick + timedelta(seconds=0.1)) == 1
    fire = TriggerFire.objects.get(trigger=trigger)
    assert fire.status == "refused" and "inputs.question" in fire.detail
    trigger.refresh_from_db()
    assert trigger.next_fire_at > tick


def test_cron_ticks_follow_the_wall_clock_of_the_time_zone_across_a_dst_change():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from workflows.triggers.schedules import next_times

    start = datetime(2026, 3, 27, 12, 0, tzinfo=ZoneInfo("UTC"))  # Paris moves to CEST on the 29th
    ticks = next_times(after=start, cron="0 9 * * *", interval_s=None, timezone="Europe/Paris")
    assert [t.day for t in ticks] == [28, 29, 30, 31, 1]
    assert [t.hour for t in ticks] == [8, 7, 7, 7, 7]  # 09:00 CET is 08:00 UTC; CEST, 07:00
