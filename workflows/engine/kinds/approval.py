"""Approval: a person approves or rejects; the run pauses until they decide."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from workflows.engine.errors import PermanentFailure
from workflows.engine.kinds.base import KindConfig, NodeKind, formatted
from workflows.engine.ports import Port
from workflows.engine.templates import render


class ApprovalConfig(KindConfig):
    prompt: str = formatted(
        "prompt",
        "Please review and approve.",
        description="What the reviewer is asked; {{in}} is the input.",
    )
    deadline_s: float | None = Field(
        None,
        gt=0,
        description="Seconds the reviewer has; past them the approval expires. Empty: no deadline.",
    )
    on_expire: Literal["reject", "fail"] = Field(
        "reject", description="When it expires: take the rejected path, or fail the node."
    )


class ApprovalKind(NodeKind):
    kind = "approval"
    title = "Approval"
    category = "Human"
    description = (
        "Pauses the run until a person approves or rejects; the input goes out on "
        "approved or rejected."
    )
    color = "#ef4444"
    Config = ApprovalConfig
    inputs = [Port("in", "any")]
    outputs = [Port("approved", "any"), Port("rejected", "any")]

    async def run(self, ctx: Any, node: Any, inputs: dict[str, Any]) -> dict[str, Any]:
        value = inputs.get("in")
        prompt = render(node.config.prompt, inputs, append=None)
        decision = await ctx.request_approval(prompt, value, node.config.deadline_s)
        if decision.decision == "expire" and node.config.on_expire == "fail":
            raise PermanentFailure(
                f"Nobody decided on the approval within its deadline of "
                f"{node.config.deadline_s:g} s (on_expire: fail)."
            )
        return {"approved" if decision.approved else "rejected": value}
