from __future__ import annotations

from django.conf import settings
from django.db import models

from agents.llm.providers.table import credential_kind_choices, provider_choices, tier_choices


class ModelEntry(models.Model):
    """One model an agent can use, of a provider in the provider table
    (agents/llm/providers/table.py).

    The choices are callables, so adding a provider to the table needs no migration."""

    provider = models.CharField(max_length=16, choices=provider_choices)
    name = models.CharField(max_length=128)
    tier = models.CharField(max_length=16, choices=tier_choices, default="local")
    context_length = models.PositiveIntegerField(default=2048)
    cost_in_per_1k = models.DecimalField(max_digits=10, decimal_places=6, default=0)
    cost_out_per_1k = models.DecimalField(max_digits=10, decimal_places=6, default=0)
    config = models.JSONField(
        default=dict, blank=True, help_text="Provider options, e.g. a weights path."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["provider", "name"]
        verbose_name = "model"
        constraints = [
            models.UniqueConstraint(fields=["provider", "name"], name="model_unique_ref")
        ]

    @property
    def ref(self) -> str:
        return f"{self.provider}:{self.name}"

    def __str__(self) -> str:
        return self.ref


class Agent(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agents"
    )
    name = models.CharField(max_length=100)
    role = models.CharField(max_length=200, blank=True)
    system_prompt = models.TextField(blank=True)
    model = models.CharField(
        max_length=200,
        default="builtin:smollm2-135m",
        help_text="A model reference `provider:model` or a tier (local, cloud, compressed).",
    )
    fallback_models = models.JSONField(default=list, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    tools = models.ManyToManyField("tools.Tool", blank=True, related_name="agents")
    builtin_tools = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="agent_unique_name")]

    def __str__(self) -> str:
        return self.name


class Credential(models.Model):
    """A provider key or a tool's token (`provider` "token", sent by an MCP tool that names it),
    encrypted at rest; the API never returns the secret."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="credentials"
    )
    provider = models.CharField(max_length=16, choices=credential_kind_choices)
    label = models.CharField(max_length=100, blank=True)
    secret_encrypted = models.BinaryField()
    last4 = models.CharField(max_length=4)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["provider", "label"]

    def __str__(self) -> str:
        return f"{self.provider} …{self.last4}"
