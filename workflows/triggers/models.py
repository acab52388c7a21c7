"""Triggers (a webhook or a schedule of one workflow) and the history of what each fired."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from workflows.models import Run, Workflow


class Trigger(models.Model):
    class Kind(models.TextChoices):
        WEBHOOK = "webhook"
        SCHEDULE = "schedule"

    class Auth(models.TextChoices):
        HMAC = "hmac"  # X-AXWeb-Signature: sha256=HMAC(secret, "<timestamp>.<body>")
        BEARER = "bearer"  # Authorization: Bearer <secret>

    class Mode(models.TextChoices):
        ASYNC = "async"
        WAIT = "wait"

    class CatchUp(models.TextChoices):
        SKIP = "skip"  # ticks missed while nothing ran are dropped
        ONCE = "once"  # missed ticks become one run

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="triggers")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=200, blank=True)
    enabled = models.BooleanField(default=True)
    version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The pinned workflow version; null runs the latest."
    )
    input_mapping = models.JSONField(
        default=dict, blank=True, help_text="Input name → expression over the payload."
    )
    # Webhooks
    auth = models.CharField(max_length=8, choices=Auth.choices, default=Auth.HMAC)
    secret_hash = models.CharField(max_length=64, blank=True)
    secret_encrypted = models.BinaryField(blank=True, default=b"")
    secret_last4 = models.CharField(max_length=4, blank=True)
    response_mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.ASYNC)
    wait_timeout_s = models.PositiveIntegerField(default=30)
    rate_limit_per_min = models.PositiveIntegerField(default=60)
    # Schedules
    cron = models.CharField(max_length=200, blank=True)
    interval_s = models.PositiveIntegerField(null=True, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    catch_up = models.CharField(max_length=8, choices=CatchUp.choices, default=CatchUp.SKIP)
    no_overlap = models.BooleanField(default=False)
    next_fire_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["workflow", "created_at"]
        indexes = [models.Index(fields=["kind", "enabled", "next_fire_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.name or str(self.id)[:8]} of {self.workflow}"


class TriggerFire(models.Model):
    """One time a trigger fired: the run it started, or why it started none."""

    class Status(models.TextChoices):
        STARTED = "started"
        SKIPPED = "skipped"  # no-overlap: the previous run was still going
        REFUSED = "refused"  # the inputs did not map or the run was refused

    trigger = models.ForeignKey(Trigger, on_delete=models.CASCADE, related_name="fires")
    run = models.ForeignKey(Run, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices)
    detail = models.TextField(blank=True)
    tick_at = models.DateTimeField(null=True, blank=True, help_text="The schedule's tick.")
    idempotency_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Two beat processes that both see a tick: only one fire row (and run) can exist.
            models.UniqueConstraint(
                fields=["trigger", "tick_at"],
                condition=Q(tick_at__isnull=False),
                name="triggerfire_unique_tick",
            ),
            models.UniqueConstraint(
                fields=["trigger", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="triggerfire_unique_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trigger} fire ({self.status})"
