"""Critic panel: several agents vote on a draft; an optional reviser reflects and retries."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from workflows.engine.kinds.base import KindConfig, NodeKind, formatted, gather_in_order
from workflows.engine.ports import Port
from workflows.engine.templates import as_text

AgentRef = Annotated[str, Field(min_length=1, json_schema_extra={"format": "agent"})]
REVIEW = (
    "Review the answer below. Start your reply with APPROVE or REJECT, then give your "
    "reasons.\n\nAnswer:\n{draft}"
)
REVISE = (
    "Improve the answer below using the reviewers' feedback. Reply with the improved "
    "answer only.\n\nAnswer:\n{draft}\n\nFeedback:\n{feedback}"
)


class CriticPanelConfig(KindConfig):
    critics: list[AgentRef] = Field(min_length=1, max_length=12)
    reviser: str | None = formatted("agent", None, description="Rewrites after a rejection.")
    prompt: str = formatted("prompt", REVIEW, description="Review prompt; {draft} is the answer.")
    rounds: int = Field(1, ge=1, le=5)
    threshold: float = Field(0.5, gt=0.0, le=1.0, description="Share of approvals needed.")


def vote(text: str) -> bool:
    """APPROVE/REJECT on the first word wins; otherwise look for the words."""
    head = text.strip().split(maxsplit=1)[0].upper().strip(".:!,*") if text.strip() else ""
    if head in ("APPROVE", "APPROVED", "YES"):
        return True
    if head in ("REJECT", "REJECTED", "NO"):
        return False
    lowered = text.lower()
    return "approve" in lowered and "reject" not in lowered


class CriticPanelKind(NodeKind):
    kind = "critic_panel"
    title = "Critic panel"
    category = "AI"
    description = (
        "Critic agents review the input in parallel and vote; if too few approve "
        "and a reviser is set, it revises and the panel votes again."
    )
    color = "#d946ef"
    Config = CriticPanelConfig
    inputs = [Port("in", "text")]
    outputs = [Port("out", "text"), Port("approved", "bool"), Port("reviews", "json")]

    async def run(self, ctx: Any, node: Any, inputs: dict[str, Any]) -> dict[str, Any]:
        config: CriticPanelConfig = node.config
        draft, reviews, approved = as_text(inputs.get("in")), [], False
        for round_no in range(config.rounds):
            prompt = config.prompt.replace("{draft}", draft)
            results = await gather_in_order(
                *(ctx.run_agent(critic, prompt, inputs) for critic in config.critics)
            )
            votes = []
            for critic, result in zip(config.critics, results, strict=True):
                votes.append(vote(result.text))
                reviews.append(
                    {"round": round_no, "critic": critic, "approve": votes[-1], "text": result.text}
                )
                await ctx.post_message(ctx.node_id, critic, result.text)
            approved = sum(votes) / len(votes) >= config.threshold
            if approved or not config.reviser or round_no == config.rounds - 1:
                break
            feedback = "\n".join(r["text"] for r in reviews if r["round"] == round_no)
            revision = await ctx.run_agent(
                config.reviser, REVISE.format(draft=draft, feedback=feedback), inputs
            )
            draft = revision.text
        return {"out": draft, "approved": approved, "reviews": reviews}
