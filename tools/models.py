from __future__ import annotations

from django.conf import settings
from django.db import models


class Tool(models.Model):
    """A user-defined tool: sandboxed Python code, an HTTP endpoint or an MCP server (whose
    discovered tools are stored in `config.tools`); builtins live in code."""

    class Kind(models.TextChoices):
        PYTHON = "python", "Python code (sandboxed)"
        HTTP = "http", "HTTP endpoint"
        MCP = "mcp", "MCP server"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tools"
    )
    name = models.SlugField(max_length=64, help_text="Identifier models call the tool by.")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    description = models.TextField(blank=True)
    input_schema = models.JSONField(default=dict, blank=True)
    output_schema = models.JSONField(default=dict, blank=True)
    config = models.JSONField(default=dict, blank=True)
    timeout_s = models.FloatField(default=10.0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="tool_unique_name")]

    def __str__(self) -> str:
        return self.name


class ToolCallRecord(models.Model):
    """The result of a tool call, keyed by its idempotency key (`run/node/attempt[/call]`):
    a redelivered or resumed node gets the stored result instead of running the tool twice."""

    key = models.CharField(max_length=300, unique=True)
    # Deleted with its run (retention, a user deleting a workflow): no record outlives the trace.
    run = models.ForeignKey("workflows.Run", on_delete=models.CASCADE, related_name="tool_calls")
    tool = models.CharField(max_length=64)
    arguments = models.JSONField(default=dict)
    result = models.JSONField(null=True)
    state = models.CharField(
        max_length=16,
        default="done",
        help_text="started: recorded before the call ran; done: result stored.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key
