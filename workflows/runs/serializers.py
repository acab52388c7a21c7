from __future__ import annotations

from typing import Any

from rest_framework import serializers

from workflows.models import Approval, Run


class RunSerializer(serializers.ModelSerializer[Run]):
    workflow_name = serializers.ReadOnlyField(source="workflow.name")
    version = serializers.ReadOnlyField(source="version.number")
    draft = serializers.ReadOnlyField(source="version.draft")  # a playground run of the draft
    owner = serializers.ReadOnlyField(source="owner.username")

    class Meta:
        model = Run
        fields = [
            "id",
            "workflow",
            "workflow_name",
            "version",
            "draft",
            "status",
            "inputs",
            "outputs",
            "error",
            "usage",
            "budgets",
            "owner",
            "created_at",
            "started_at",
            "finished_at",
            "last_seq",
            "rerun_of",
            "rerun_from_node",
            "parent",
            "parent_node",
        ]
        read_only_fields = fields


class RunCreateSerializer(serializers.Serializer[Any]):
    workflow = serializers.IntegerField(min_value=1)
    version = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    inputs = serializers.DictField(required=False, default=dict)
    budgets = serializers.DictField(required=False, default=dict)


class RerunSerializer(serializers.Serializer[Any]):
    from_node = serializers.CharField(max_length=100)


class ApprovalSerializer(serializers.ModelSerializer[Approval]):
    decided_by = serializers.ReadOnlyField(source="decided_by.username", default=None)

    class Meta:
        model = Approval
        fields = [
            "id",
            "run",
            "node_id",
            "prompt",
            "payload",
            "status",
            "comment",
            "decided_by",
            "deadline",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields


class DecisionSerializer(serializers.Serializer[Any]):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
