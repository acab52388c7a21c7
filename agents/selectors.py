"""Reads of the agents app for other apps (they do not query its models themselves)."""

from __future__ import annotations

from agents.models import Agent, ModelEntry


def agent_names(*, owner_id: int) -> set[str]:
    """The names of the owner's agents."""
    return set(Agent.objects.filter(owner_id=owner_id).values_list("name", flat=True))


def model_refs() -> list[str]:
    """The references (`provider:model`) of every model in the registry."""
    return [entry.ref for entry in ModelEntry.objects.all()]
