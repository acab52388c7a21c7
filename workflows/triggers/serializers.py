from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from axweb.ownership import OwnedPrimaryKeyRelatedField
from workflows.models import Workflow
from workflows.triggers.models import Trigger, TriggerFire
from workflows.triggers.selectors import schedule_preview

MAX_WAIT_S = 120
WRITABLE = [
    "workflow",
    "kind",
    "name",
    "enabled",
    "version",
    "input_mapping",
    "auth",
    "response_mode",
    "wait_timeout_s",
    "rate_limit_per_min",
    "cron",
    "interval_s",
    "timezone",
    "catch_up",
    "no_overlap",
]


class TriggerSerializer(serializers.ModelSerializer[Trigger]):
    workflow = OwnedPrimaryKeyRelatedField(queryset=Workflow.objects.all())
    wait_timeout_s = serializers.IntegerField(min_value=1, max_value=MAX_WAIT_S, default=30)
    rate_limit_per_min = serializers.IntegerField(min_value=1, max_value=100_000, default=60)
    version = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, allow_null=True, required=False
    )
    url = serializers.SerializerMethodField()
    next_times = serializers.SerializerMethodField()

    class Meta:
        model = Trigger
        fields = [
            "id",
            *WRITABLE,
            "secret_last4",
            "next_fire_at",
            "url",
            "next_times",
            "created_at",
        ]
        read_only_fields = ["id", "secret_last4", "next_fire_at", "created_at"]

    def get_url(self, trigger: Trigger) -> str | None:
        if trigger.kind != Trigger.Kind.WEBHOOK:
            return None
        path = reverse("webhook", args=[trigger.id])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_next_times(self, trigger: Trigger) -> list[str]:
        if trigger.kind != Trigger.Kind.SCHEDULE or not trigger.enabled:
            return []
        times = schedule_preview(
            cron=trigger.cron,
            interval_s=trigger.interval_s,
            timezone_name=trigger.timezone,
        )
        return [t.isoformat() for t in times]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            for fixed in ("kind", "workflow"):
                if fixed in attrs and attrs[fixed] != getattr(self.instance, fixed):
                    message = f"A trigger's {fixed} cannot change; make a new trigger."
                    raise serializers.ValidationError({fixed: [message]})
        return attrs


class TriggerCreatedSerializer(TriggerSerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown once, at creation.")

    class Meta(TriggerSerializer.Meta):
        fields = [*TriggerSerializer.Meta.fields, "secret"]


class SecretSerializer(serializers.Serializer[Any]):
    secret = serializers.CharField(read_only=True)


class PreviewSerializer(serializers.Serializer[Any]):
    cron = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    interval_s = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=366 * 86400
    )
    timezone = serializers.CharField(required=False, default="UTC", max_length=64)


class FireSerializer(serializers.ModelSerializer[TriggerFire]):
    run_status = serializers.CharField(source="run.status", default=None, read_only=True)

    class Meta:
        model = TriggerFire
        fields = [
            "id",
            "status",
            "detail",
            "run",
            "run_status",
            "tick_at",
            "idempotency_key",
            "created_at",
        ]
