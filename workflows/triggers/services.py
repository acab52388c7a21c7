"""Creating, changing and deleting triggers; the secret of a webhook is returned only here."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from workflows.models import Workflow
from workflows.triggers import signing
from workflows.triggers.mapping import mapping_check
from workflows.triggers.models import Trigger
from workflows.triggers.schedules import schedule_check
from workflows.triggers.ticks import schedule_next

SCHEDULE_FIELDS = ("cron", "interval_s", "timezone")


def _version_check(workflow: Workflow, version: int | None) -> None:
    if version is not None and not workflow.versions.filter(number=version).exists():
        raise ValidationError({"version": [f"Version {version} of this workflow does not exist."]})


def _schedule_from(trigger: Trigger) -> None:
    schedule_check(cron=trigger.cron, interval_s=trigger.interval_s, timezone=trigger.timezone)
    trigger.next_fire_at = schedule_next(trigger, timezone.now())


def _secret_set(trigger: Trigger) -> str:
    secret = signing.secret_new()
    trigger.secret_hash = signing.secret_hash(secret)
    trigger.secret_encrypted = signing.secret_seal(secret)
    trigger.secret_last4 = secret[-4:]
    return secret


def trigger_create(*, owner: Any, workflow: Workflow, data: dict[str, Any]) -> tuple[Trigger, str]:
    """A new trigger and, for a webhook, its secret (shown to the user this once)."""
    trigger = Trigger(owner=owner, workflow=workflow, **data)
    _version_check(workflow, trigger.version)
    mapping_check(trigger.input_mapping)
    secret = ""
    if trigger.kind == Trigger.Kind.WEBHOOK:
        secret = _secret_set(trigger)
    else:
        _schedule_from(trigger)
    trigger.save()
    return trigger, secret


def trigger_update(*, trigger: Trigger, data: dict[str, Any]) -> Trigger:
    for name, value in data.items():
        setattr(trigger, name, value)
    _version_check(trigger.workflow, trigger.version)
    mapping_check(trigger.input_mapping)
    if trigger.kind == Trigger.Kind.SCHEDULE and (
        set(data) & {*SCHEDULE_FIELDS, "enabled"}
    ):  # a new schedule, or back on: count from now, never fire for the time it was off
        _schedule_from(trigger)
    trigger.save()
    return trigger


def trigger_rotate_secret(*, trigger: Trigger) -> str:
    if trigger.kind != Trigger.Kind.WEBHOOK:
        raise ValidationError({"kind": ["Only a webhook has a secret."]})
    with transaction.atomic():
        secret = _secret_set(trigger)
        trigger.save(update_fields=["secret_hash", "secret_encrypted", "secret_last4"])
    return secret


def trigger_delete(*, trigger: Trigger) -> None:
    trigger.delete()
