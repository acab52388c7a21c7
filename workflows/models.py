from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models

GRAPH_SCHEMA_VERSION = 1


def empty_graph() -> dict[str, Any]:
    return {"schema_version": GRAPH_SCHEMA_VERSION, "nodes": [], "edges": []}


class Workflow(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workflows"
    )
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220)
    description = models.TextField(blank=True)
    draft = models.JSONField(default=empty_graph, blank=True)
    draft_updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "slug"], name="workflow_unique_slug")
        ]

    def __str__(self) -> str:
        return self.name


class ImmutableError(Exception):
    pass


class NumberedVersions(models.Manager["WorkflowVersion"]):
    """The numbered versions only: a draft snapshot (a playground run's graph) is no version."""

    def get_queryset(self) -> models.QuerySet[WorkflowVersion]:
        return super().get_queryset().filter(draft=False)


class WorkflowVersion(models.Model):
    """A saved graph. Never changed after creation: a run pins the version it ran.

    ``draft`` rows (number 0) are snapshots of the saved draft that a playground chat ran; the
    default manager (and so ``workflow.versions``) leaves them out, a run still reaches its own."""

    objects = NumberedVersions()
    every: models.Manager[WorkflowVersion] = models.Manager()
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    schema_version = models.PositiveIntegerField(default=GRAPH_SCHEMA_VERSION)
    graph = models.JSONField()
    message = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    draft = models.BooleanField(default=False)

    class Meta:
        ordering = ["workflow", "-number"]
        base_manager_name = "every"
        constraints = [
            models.UniqueConstraint(
                fields=["workflow", "number"],
                condition=models.Q(draft=False),
                name="version_unique_number",
            )
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ImmutableError("Workflow versions are immutable; save a new version instead.")
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.workflow} v{self.number}"


class RunStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED_STATUSES = {RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED}


def zero_usage() -> dict[str, Any]:
    return {"input_tokens": 0, "output_tokens": 0, "cost": 0.0}


class Run(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="runs"
    )
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="runs")
    version = models.ForeignKey(WorkflowVersion, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    inputs = models.JSONField(default=dict, blank=True)
    outputs = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    usage = models.JSONField(default=zero_usage, blank=True)
    budgets = models.JSONField(default=dict, blank=True)
    cancel_requested = models.BooleanField(default=False)
    rerun_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reruns"
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="subruns",
        help_text="The run whose subflow node started this run.",
    )
    parent_node = models.CharField(max_length=100, blank=True)
    rerun_from_node = models.CharField(max_length=100, blank=True)
    session = models.UUIDField(
        null=True, blank=True, help_text="The chat session this run answers (its session memory)."
    )
    last_seq = models.PositiveBigIntegerField(default=0)
    lease_owner = models.CharField(max_length=200, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    lease_epoch = models.PositiveBigIntegerField(
        default=0,
        help_text="Bumped at each lease acquisition; a commit by an older holder is refused.",
    )
    worker_losses = models.JSONField(
        default=dict,
        blank=True,
        help_text="Node id → how many workers died while it was in flight.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"]), models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.workflow} run {str(self.id)[:8]}"


class NodeRun(models.Model):
    """One committed execution of a node: written before its successors start."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="node_runs")
    node_id = models.CharField(max_length=100)
    attempt = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=16)
    inputs = models.JSONField(default=dict, blank=True)
    outputs = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    usage = models.JSONField(default=zero_usage, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    record = models.JSONField(
        default=dict, blank=True, help_text="The engine's NodeRecord, replayed on resume."
    )

    class Meta:
        ordering = ["run", "started_at"]
        constraints = [
            models.UniqueConstraint(fields=["run", "node_id"], name="noderun_unique_node")
        ]

    def __str__(self) -> str:
        return f"{self.node_id} ({self.status})"


class RunEvent(models.Model):
    """A persisted trace event; `seq` is gap-free per run."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveBigIntegerField()
    type = models.CharField(max_length=40)
    node = models.CharField(max_length=100, blank=True)
    ts = models.DateTimeField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["run", "seq"]
        constraints = [models.UniqueConstraint(fields=["run", "seq"], name="event_unique_seq")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.type}"


class Approval(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        APPROVED = "approved"
        REJECTED = "rejected"
        EXPIRED = "expired"  # nobody decided before the deadline (workflows/runs/approvals.py)

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="approvals")
    node_id = models.CharField(max_length=100)
    prompt = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    comment = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    deadline = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["run", "node_id"], name="approval_unique_node")
        ]

    def __str__(self) -> str:
        return f"approval {self.node_id} ({self.status})"


class MemoryEntry(models.Model):
    """One key of shared memory: a run's blackboard (scope run), or kept across the turns of a
    chat session (scope session, scope_key the session id) or across one user's sessions of a
    workflow (scope user, scope_key "<user id>:<workflow id>")."""

    class Scope(models.TextChoices):
        RUN = "run"
        SESSION = "session"
        USER = "user"

    run = models.ForeignKey(
        Run, on_delete=models.CASCADE, related_name="memory", null=True, blank=True
    )
    scope = models.CharField(max_length=16, choices=Scope.choices, default=Scope.RUN)
    scope_key = models.CharField(max_length=100, blank=True)
    key = models.CharField(max_length=200)
    value = models.JSONField(null=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["run", "key"]
        constraints = [
            models.UniqueConstraint(fields=["run", "key"], name="memory_unique_key"),
            models.UniqueConstraint(
                fields=["scope", "scope_key", "key"],
                condition=models.Q(run__isnull=True),
                name="memory_unique_scoped_key",
            ),
        ]

    def __str__(self) -> str:
        return self.key


class AgentMessage(models.Model):
    """A message an agent posted on a named channel of a run."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="messages")
    channel = models.CharField(max_length=100)
    sender = models.CharField(max_length=100)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run", "id"]
        indexes = [models.Index(fields=["run", "channel"])]

    def __str__(self) -> str:
        return f"{self.channel}: {self.sender}"
