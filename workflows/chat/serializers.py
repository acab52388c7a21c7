from __future__ import annotations

from typing import Any

from rest_framework import serializers

from workflows.chat.models import ChatSession

PREVIEW_CHARS = 200
BIGGEST = 2**31 - 1  # ids and version numbers past this are refused, not looked up


class SessionSerializer(serializers.ModelSerializer[ChatSession]):
    workflow_name = serializers.ReadOnlyField(source="workflow.name")
    message_count = serializers.SerializerMethodField()
    last_message = serializers.SerializerMethodField()

    class Meta:
        model = ChatSession
        fields = [
            "id",
            "workflow",
            "workflow_name",
            "version",
            "draft",
            "title",
            "created_at",
            "updated_at",
            "message_count",
            "last_message",
        ]
        read_only_fields = fields

    def get_message_count(self, obj: Any) -> int:
        counted = getattr(obj, "message_count", None)
        return int(counted) if counted is not None else obj.messages.count()

    def get_last_message(self, obj: Any) -> str:
        return obj.leaf.content[:PREVIEW_CHARS] if obj.leaf else ""


class SessionCreateSerializer(serializers.Serializer[Any]):
    workflow = serializers.IntegerField(min_value=1, max_value=BIGGEST)
    version = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=BIGGEST
    )
    draft = serializers.BooleanField(required=False, default=False)
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class SessionUpdateSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    version = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=BIGGEST
    )


class MessageSendSerializer(serializers.Serializer[Any]):
    content = serializers.CharField(allow_blank=True, trim_whitespace=False)
    parent = serializers.IntegerField(  # type: ignore[assignment]
        required=False, allow_null=True, min_value=1, max_value=BIGGEST
    )


class FeedbackSerializer(serializers.Serializer[Any]):
    rating = serializers.ChoiceField(choices=["up", "down"], allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class MemoryPutSerializer(serializers.Serializer[Any]):
    scope = serializers.ChoiceField(choices=["session", "user"])
    key = serializers.CharField(max_length=200)
    value = serializers.JSONField(allow_null=True)


class MemoryItemSerializer(serializers.Serializer[Any]):
    scope = serializers.CharField()
    key = serializers.CharField()
    value = serializers.JSONField()
    updated_at = serializers.DateTimeField()


class ToolCallSummarySerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    ok = serializers.BooleanField()
    summary = serializers.CharField()


class MessageSerializer(serializers.Serializer[Any]):
    """A message as the API shows it (workflows.chat.selectors.message_json)."""

    id = serializers.IntegerField()
    parent = serializers.IntegerField(allow_null=True)  # type: ignore[assignment]
    siblings = serializers.ListField(
        child=serializers.IntegerField(), help_text="The versions of this message, oldest first."
    )
    role = serializers.ChoiceField(choices=["user", "assistant"])
    content = serializers.CharField()
    run = serializers.UUIDField(allow_null=True)
    status = serializers.ChoiceField(choices=["streaming", "done", "failed", "stopped"])
    error = serializers.CharField()
    stream_nodes = serializers.ListField(child=serializers.CharField())
    tokens = serializers.IntegerField()
    cost = serializers.FloatField()
    tool_calls = ToolCallSummarySerializer(many=True)
    approvals = serializers.ListField(child=serializers.DictField())
    feedback = serializers.DictField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class SentSerializer(serializers.Serializer[Any]):
    user_message = MessageSerializer()
    assistant_message = MessageSerializer()
