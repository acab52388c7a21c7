"""API shapes of lab jobs; validation messages come from the lab services."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from agents.lab.models import BenchmarkJob, QuantizationJob
from agents.lab.services import validation
from axweb.ownership import OwnedPrimaryKeyRelatedField
from workflows.models import Workflow

JOB_STATE_FIELDS = [
    "status",
    "stage",
    "progress",
    "current_step",
    "total_steps",
    "elapsed_s",
    "eta_s",
    "log",
    "cancel_requested",
    "result",
    "error",
    "created_at",
    "started_at",
    "finished_at",
]


def _raise(errors: dict[str, list[str]]) -> None:
    errors = {field: problems for field, problems in errors.items() if problems}
    if errors:
        raise serializers.ValidationError(errors)


class QuantizationJobSerializer(serializers.ModelSerializer[QuantizationJob]):
    owner = serializers.ReadOnlyField(source="owner.username")
    options = serializers.DictField(
        required=False, help_text="Method options, e.g. AWQ alpha grid, clipping."
    )
    registered_model = serializers.SerializerMethodField()

    class Meta:
        model = QuantizationJob
        fields = [
            "id",
            "owner",
            "base_model",
            "method",
            "bits",
            "group_size",
            "calib_corpus",
            "calib_text",
            "eval_corpus",
            "eval_text",
            "options",
            "output_path",
            "registered_model",
            *JOB_STATE_FIELDS,
        ]
        read_only_fields = ["output_path", *JOB_STATE_FIELDS]
        extra_kwargs = {"calib_text": {"write_only": True}, "eval_text": {"write_only": True}}

    def get_registered_model(self, job: QuantizationJob) -> str | None:
        return job.registered_model.ref if job.registered_model else None

    def validate_bits(self, value: int) -> int:
        return self._check("bits", value)

    def validate_group_size(self, value: int) -> int:
        return self._check("group_size", value)

    def _check(self, field: str, value: int) -> int:
        problems = validation.quantization_validate({field: value}).get(field)
        if problems:
            raise serializers.ValidationError(problems)
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        checked = {k: v for k, v in attrs.items() if k not in ("bits", "group_size")}
        _raise(validation.quantization_validate(checked))
        return attrs


class BenchmarkJobSerializer(serializers.ModelSerializer[BenchmarkJob]):
    owner = serializers.ReadOnlyField(source="owner.username")
    workflow = OwnedPrimaryKeyRelatedField(
        queryset=Workflow.objects.all(), required=False, allow_null=True
    )
    requests = serializers.IntegerField(min_value=1, max_value=10000, required=False)
    concurrency = serializers.IntegerField(min_value=1, max_value=64, required=False)
    max_new_tokens = serializers.IntegerField(min_value=1, max_value=2048, required=False)
    prompts = serializers.ListField(child=serializers.CharField(), required=False)
    inputs = serializers.DictField(required=False)

    class Meta:
        model = BenchmarkJob
        fields = [
            "id",
            "owner",
            "target",
            "model_ref",
            "workflow",
            "inputs",
            "prompts",
            "requests",
            "concurrency",
            "max_new_tokens",
            *JOB_STATE_FIELDS,
        ]
        read_only_fields = JOB_STATE_FIELDS

    def validate_requests(self, value: int) -> int:
        problems = validation.benchmark_requests_problems(value)
        if problems:
            raise serializers.ValidationError(problems)
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        _raise(validation.benchmark_validate(attrs))
        _raise(validation.benchmark_capacity_problems())
        return attrs
