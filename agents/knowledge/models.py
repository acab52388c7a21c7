"""Long-term knowledge store: collections of documents, cut into embedded chunks."""

from __future__ import annotations

from django.conf import settings
from django.db import models

EMBEDDING_MODEL = "all-MiniLM-L6-v2"


class KnowledgeCollection(models.Model):
    """A named set of documents owned by one user; searched as one vector matrix.

    ``revision`` is bumped whenever a chunk is added or removed, so every process can
    tell whether its cached matrix of this collection is still current.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="knowledge_collections"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    embedding_model = models.CharField(max_length=100, default=EMBEDDING_MODEL)
    # the Embedder dtype its chunks were embedded with, which its queries use as well
    # (``int8`` vectors differ from float ones by a cosine of ~0.999); set on creation from
    # the CPU (``resolve_dtype("auto")``); collections older than the field are float
    embedding_dtype = models.CharField(max_length=16, default="float32")
    revision = models.PositiveBigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "name"], name="knowledge_collection_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class KnowledgeDocument(models.Model):
    class Format(models.TextChoices):
        TEXT = "text", "Plain text"
        MARKDOWN = "markdown", "Markdown"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        IMPORTING = "importing", "Importing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    collection = models.ForeignKey(
        KnowledgeCollection, on_delete=models.CASCADE, related_name="documents"
    )
    title = models.CharField(max_length=300)
    format = models.CharField(max_length=16, choices=Format.choices, default=Format.TEXT)
    source = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    progress = models.FloatField(default=0.0)
    error = models.TextField(blank=True, default="")
    chunk_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["collection", "status"])]

    def __str__(self) -> str:
        return self.title


class KnowledgeChunk(models.Model):
    """A span of a document and its unit embedding (float32 little-endian bytes)."""

    document = models.ForeignKey(KnowledgeDocument, on_delete=models.CASCADE, related_name="chunks")
    collection = models.ForeignKey(
        KnowledgeCollection, on_delete=models.CASCADE, related_name="chunks"
    )
    index = models.PositiveIntegerField()
    text = models.TextField()
    heading = models.CharField(max_length=500, blank=True, default="")
    start = models.PositiveIntegerField(default=0)
    end = models.PositiveIntegerField(default=0)
    embedding = models.BinaryField()

    class Meta:
        ordering = ["document", "index"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "index"], name="knowledge_chunk_unique_index"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document_id}#{self.index}"
