from django.contrib import admin

from agents.knowledge.models import KnowledgeChunk, KnowledgeCollection, KnowledgeDocument


@admin.register(KnowledgeCollection)
class KnowledgeCollectionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "owner", "embedding_model", "revision", "created_at"]
    list_filter = ["embedding_model", "created_at"]
    search_fields = ["name", "description", "owner__username"]
    readonly_fields = ["revision", "created_at"]


@admin.register(KnowledgeDocument)
class KnowledgeDocumentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "title",
        "collection",
        "format",
        "status",
        "progress",
        "chunk_count",
        "created_at",
    ]
    list_filter = ["status", "format", "created_at"]
    search_fields = ["title", "collection__name", "collection__owner__username"]
    list_select_related = ["collection"]
    readonly_fields = ["status", "progress", "error", "chunk_count", "created_at", "updated_at"]


@admin.register(KnowledgeChunk)
class KnowledgeChunkAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["document", "index", "heading", "collection"]
    list_filter = ["collection"]
    search_fields = ["text", "heading", "document__title"]
    list_select_related = ["document", "collection"]
    exclude = ["embedding"]
    readonly_fields = ["document", "collection", "index", "start", "end"]
