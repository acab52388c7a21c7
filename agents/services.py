"""Writes of the agents app that other apps call (they do not create agent rows themselves)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agents.models import Agent


def agent_ensure(
    *,
    owner: Any,
    name: str,
    role: str,
    system_prompt: str,
    model: str,
    parameters: dict[str, Any],
    builtin_tools: Sequence[str] = (),
    tool_ids: Sequence[int] = (),
) -> bool:
    """Give `owner` an agent named `name` unless they have one (theirs is kept as it is);
    True when it was created."""
    agent, created = Agent.objects.get_or_create(
        owner=owner,
        name=name,
        defaults={
            "role": role,
            "system_prompt": system_prompt,
            "model": model,
            "parameters": parameters,
            "builtin_tools": list(builtin_tools),
        },
    )
    if created and tool_ids:
        agent.tools.set(tool_ids)
    return created
