from __future__ import annotations

from typing import Any

from rest_framework import serializers

from agents.knowledge.models import KnowledgeCollection, KnowledgeDocument
from agents.knowledge.selectors import MAX_K


class CollectionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    document_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = KnowledgeCollection
        fields = ["id", "name", "description", "document_count", "embedding_model", "created_at"]
        read_only_fields = ["embedding_model", "created_at"]

    def validate_name(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("This field may not be blank.")
        request = self.context.get("request")
        owner = self.instance.owner if self.instance else getattr(request, "user", None)
        clash = KnowledgeCollection.objects.filter(owner=owner, name=value)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if owner is not None and clash.exists():
            raise serializers.ValidationError("You already have a collection with this name.")
        return value


class DocumentSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    text = serializers.CharField(
        source="source", write_only=True, trim_whitespace=False, max_length=5_000_000
    )
    format = serializers.ChoiceField(
        choices=KnowledgeDocument.Format.choices, default=KnowledgeDocument.Format.TEXT
    )
    length = serializers.SerializerMethodField()

    class Meta:
        model = KnowledgeDocument
        fields = [
            "id",
            "collection",
            "title",
            "format",
            "text",
            "length",
            "status",
            "progress",
            "error",
            "chunk_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "collection",
            "status",
            "progress",
            "error",
            "chunk_count",
            "created_at",
            "updated_at",
        ]

    def get_length(self, document: KnowledgeDocument) -> int:
        return len(document.source)

    def validate_text(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("This field may not be blank.")
        return value


class SearchQuerySerializer(serializers.Serializer):  # type: ignore[type-arg]
    q = serializers.CharField(max_length=2000)
    k = serializers.IntegerField(min_value=1, max_value=MAX_K, default=5)


class SearchHitSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """One search result (documents the response shape)."""

    document = serializers.IntegerField()
    chunk = serializers.IntegerField()
    score = serializers.FloatField()
    text = serializers.CharField()
    title = serializers.CharField()
    heading = serializers.CharField()

    def to_representation(self, instance: Any) -> Any:
        return instance
