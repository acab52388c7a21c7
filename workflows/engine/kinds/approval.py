"""Approval: a person approves or rejects; the run pauses until they decide."""

from __future__ import annotations

from typing import Any

from workflows.engine.kinds.base import KindConfig, NodeKind, formatted
from workflows.engine.ports import Port
from workflows.engine.templates import render


class ApprovalConfig(KindConfig):
    prompt: str = formatted("prompt", "Please review and approve.",
                            description="What the reviewer is asked; {{in}} is the input.")


class ApprovalKind(NodeKind):
    kind = "approval"
    title = "Approval"
    category = "Human"
    description = ("Pauses the run until a person approves or rejects; the input goes out on "
                   "approved or rejected.")
    color = "#ef4444"
    Config = ApprovalConfig
    inputs = [Port("in", "any")]
    outputs = [Port("approved", "any"), Port("rejected", "any")]

    async def run(self, ctx: Any, node: Any, inputs: dict[str, Any]) -> dict[str, Any]:
        value = inputs.get("in")
        prompt = render(node.config.prompt, inputs, append=None)
        decision = await ctx.request_approval(prompt, value)
        return {"approved" if decision.approved else "rejected": value}
