"""Lab jobs in the database: quantization and benchmark jobs with live progress and results.

The rows are the source of truth: a Celery message carries a job id only, the worker
reads the spec from the row and writes progress, log lines and the result back to it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

BASE_MODEL_REF = "builtin:smollm2-135m"
LOG_LINES_MAX = 200


class JobStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED = {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED}


class Corpus(models.TextChoices):
    PYDOC_TOPICS = "pydoc_topics", "Python's pydoc_data.topics"
    LICENSES = "licenses", "License texts (/usr/share/common-licenses)"
    UPLOADED = "uploaded", "Uploaded text"


class LabJob(models.Model):
    """Status, progress and result fields every lab job shares."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    stage = models.CharField(max_length=32, blank=True)
    progress = models.FloatField(default=0.0, help_text="0 to 1.")
    current_step = models.PositiveIntegerField(default=0, help_text="Layer (or request/run) done.")
    total_steps = models.PositiveIntegerField(default=0)
    elapsed_s = models.FloatField(default=0.0)
    eta_s = models.FloatField(null=True, blank=True)
    log = models.JSONField(default=list, blank=True, help_text=f"Last {LOG_LINES_MAX} log lines.")
    cancel_requested = models.BooleanField(default=False)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True, help_text="host:pid running it.")
    heartbeat_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Renewed while a worker runs the job; a stale one is reaped.",
    )

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    def progress_payload(self) -> dict[str, Any]:
        """What the live progress bar shows (admin page and API)."""
        return {
            "id": self.pk,
            "status": self.status,
            "stage": self.stage,
            "progress": self.progress,
            "current_step": self.current_step,
            "total_steps": self.total_steps,
            "elapsed_s": self.elapsed_s,
            "eta_s": self.eta_s,
            "log": self.log,
            "cancel_requested": self.cancel_requested,
            "error": self.error,
            "finished": self.finished,
        }


class QuantizationJob(LabJob):
    class Method(models.TextChoices):
        RTN = "rtn", "Round to nearest (RTN)"
        AWQ = "awq", "Activation-aware (AWQ)"
        GPTQ = "gptq", "GPTQ"

    base_model = models.CharField(
        max_length=200,
        default=BASE_MODEL_REF,
        choices=[(BASE_MODEL_REF, "SmolLM2-135M-Instruct")],
        help_text=(
            "The model to compress (the builtin model; its shipped Q4_1 weights dequantized)."
        ),
    )
    method = models.CharField(max_length=8, choices=Method.choices, default=Method.AWQ)
    bits = models.PositiveSmallIntegerField(default=4, help_text="Bits per weight code, 2 to 8.")
    group_size = models.PositiveSmallIntegerField(
        default=64,
        choices=[(32, "32"), (64, "64"), (128, "128")],
        help_text="Columns sharing one scale and zero point. Every layer's input width must be a "
        "multiple of it (SmolLM2's hidden size 576 is not a multiple of 128).",
    )
    calib_corpus = models.CharField(
        max_length=16,
        choices=Corpus.choices,
        default=Corpus.PYDOC_TOPICS,
        help_text="Calibration text for AWQ/GPTQ (RTN ignores it). When it is the evaluation text "
        "too, calibration starts after the evaluated tokens (held out).",
    )
    calib_text = models.TextField(blank=True, help_text="The uploaded calibration text.")
    eval_corpus = models.CharField(
        max_length=16,
        choices=Corpus.choices,
        default=Corpus.PYDOC_TOPICS,
        help_text="Text for perplexity: its first eval_tokens tokens are scored.",
    )
    eval_text = models.TextField(blank=True, help_text="The uploaded evaluation text.")
    options = models.JSONField(
        default=dict,
        blank=True,
        help_text='Method and evaluation options, e.g. {"alpha_grid": 20, "awq_clip": true, '
        '"eval_tokens": 20480, "eval_window": 512, "blocks": [0, 1]}.',
    )
    output_path = models.CharField(max_length=500, blank=True)
    registered_model = models.ForeignKey(
        "agents.ModelEntry",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta(LabJob.Meta):
        verbose_name = "quantization job"

    def __str__(self) -> str:
        return f"#{self.pk} {self.method} W{self.bits} g{self.group_size}"


class BenchmarkJob(LabJob):
    class Target(models.TextChoices):
        MODEL = "model", "A model (N prompts)"
        WORKFLOW = "workflow", "A workflow (N runs at concurrency C)"

    target = models.CharField(max_length=16, choices=Target.choices, default=Target.MODEL)
    model_ref = models.CharField(
        max_length=200,
        default=BASE_MODEL_REF,
        blank=True,
        help_text="`builtin:smollm2-135m` or a compressed model from the registry.",
    )
    workflow = models.ForeignKey(
        "workflows.Workflow",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    inputs = models.JSONField(default=dict, blank=True, help_text="Workflow run inputs.")
    prompts = models.JSONField(
        default=list, blank=True, help_text="Prompts, cycled (model target)."
    )
    requests = models.PositiveIntegerField(default=8, help_text="N: prompts or runs.")
    concurrency = models.PositiveIntegerField(default=1, help_text="C: runs in flight (workflow).")
    max_new_tokens = models.PositiveIntegerField(default=32)

    class Meta(LabJob.Meta):
        verbose_name = "benchmark job"

    def __str__(self) -> str:
        what = (
            self.model_ref if self.target == self.Target.MODEL else f"workflow {self.workflow_id}"
        )
        return f"#{self.pk} bench {what}"
