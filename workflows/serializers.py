from __future__ import annotations

from typing import Any

from rest_framework import serializers

from workflows.models import Workflow, WorkflowVersion
from workflows.selectors import LATEST


class VersionSummarySerializer(serializers.ModelSerializer[WorkflowVersion]):
    created_by = serializers.ReadOnlyField(source="created_by.username", default=None)

    class Meta:
        model = WorkflowVersion
        fields = ["number", "message", "created_at", "created_by"]


class VersionSerializer(VersionSummarySerializer):
    class Meta(VersionSummarySerializer.Meta):
        fields = [*VersionSummarySerializer.Meta.fields, "schema_version", "graph"]


class GraphField(serializers.JSONField):
    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            raise serializers.ValidationError("Must be a graph object with 'nodes' and 'edges'.")
        return value


class VersionCreateSerializer(serializers.Serializer[Any]):
    graph = GraphField()
    message = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class DraftSerializer(serializers.Serializer[Any]):
    graph = GraphField()
    updated_at = serializers.DateTimeField(read_only=True, source="draft_updated_at")


class WorkflowSerializer(serializers.ModelSerializer[Workflow]):
    owner = serializers.ReadOnlyField(source="owner.username")
    slug = serializers.ReadOnlyField()
    latest_version = serializers.SerializerMethodField()
    graph = GraphField(
        write_only=True, required=False, help_text="Optional initial graph; saved as version 1."
    )

    class Meta:
        model = Workflow
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "expose_as_tool",
            "owner",
            "created_at",
            "updated_at",
            "latest_version",
            "graph",
        ]

    def get_latest_version(self, obj: Workflow) -> dict[str, Any] | None:
        prefetched = getattr(obj, LATEST, None)  # workflows.selectors.workflows_with_latest_version
        if prefetched is not None:
            latest = prefetched[0] if prefetched else None
        else:
            latest = obj.versions.order_by("-number").first()
        return VersionSummarySerializer(latest).data if latest else None


class ImportSerializer(serializers.Serializer[Any]):
    axweb_export = serializers.IntegerField(min_value=1, max_value=1)
    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(
        max_length=220, required=False, help_text="import_workflow: a new version of this slug."
    )
    description = serializers.CharField(required=False, allow_blank=True, default="")
    graph = GraphField()


class ValidateSerializer(serializers.Serializer[Any]):
    graph = GraphField()
