"""Chat sessions and their messages. Messages form a tree (``parent``): editing an earlier
message or regenerating an answer adds a sibling branch; ``ChatSession.leaf`` is the last
message of the active branch. Nothing is deleted when the conversation branches."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from workflows.models import Run, Workflow


class ChatSession(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_sessions"
    )
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="chat_sessions")
    version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The version number each turn runs; null: the newest."
    )
    draft = models.BooleanField(default=False, help_text="A playground: turns run the draft.")
    title = models.CharField(max_length=200, blank=True)
    leaf = models.ForeignKey(
        "ChatMessage", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["owner", "workflow", "-updated_at"])]

    def __str__(self) -> str:
        return self.title or str(self.id)


class ChatMessage(models.Model):
    class Role(models.TextChoices):
        USER = "user"
        ASSISTANT = "assistant"

    class Status(models.TextChoices):
        STREAMING = "streaming"
        DONE = "done"
        FAILED = "failed"
        STOPPED = "stopped"

    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="messages")
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    content = models.TextField(blank=True)
    run = models.ForeignKey(
        Run, on_delete=models.SET_NULL, null=True, blank=True, related_name="chat_messages"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DONE)
    error = models.TextField(blank=True)
    stream_nodes = models.JSONField(default=list, blank=True)
    tokens = models.PositiveIntegerField(default=0)
    cost = models.FloatField(default=0.0)
    tool_calls = models.JSONField(default=list, blank=True)
    rating = models.CharField(max_length=8, blank=True)  # "up" | "down" | "" (none)
    comment = models.TextField(blank=True)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "id"]

    def __str__(self) -> str:
        return f"{self.role}: {self.content[:40]}"
