"""The critic panel: N critic models score a draft (0-10), vote and give reasons.

Each critic is asked for ``{"score": <0-10>, "approve": <bool>, "reasons": "..."}``;
replies are parsed leniently (a JSON object anywhere, else "score: N" in prose). The
panel's score is the mean of the parsable scores, the verdict is a majority of approving
votes. With ``reflect=True`` and an author model, a rejected draft is revised once using
the critics' reasons and the panel scores the revision.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from agents.llm.base import ChatModel, GenParams, Message, complete

CRITIC_PROMPT = (
    "You are a critic on a review panel. Judge the draft below for the task. Reply with "
    'ONLY a JSON object: {"score": <0-10>, "approve": <true|false>, "reasons": "<why>"}.'
)
_SCORE = re.compile(r"score\W{0,3}(\d+(?:\.\d+)?)", re.IGNORECASE)


@dataclass(frozen=True)
class Verdict:
    critic: str
    score: float | None  # None when the reply could not be read
    approve: bool
    reasons: str


@dataclass(frozen=True)
class PanelRound:
    draft: str
    verdicts: tuple[Verdict, ...]
    mean_score: float | None
    approvals: int
    approved: bool


@dataclass(frozen=True)
class PanelResult:
    """The final round's figures plus every round (the first, then a revision's)."""

    rounds: tuple[PanelRound, ...] = field(default_factory=tuple)

    @property
    def final(self) -> PanelRound:
        return self.rounds[-1]

    @property
    def approved(self) -> bool:
        return self.final.approved

    @property
    def draft(self) -> str:
        return self.final.draft

    def summary(self) -> str:
        r = self.final
        score = "n/a" if r.mean_score is None else f"{r.mean_score:.1f}/10"
        lines = [
            f"{'approved' if r.approved else 'rejected'}: {r.approvals}/{len(r.verdicts)} "
            f"approve, mean score {score}"
        ]
        lines += [
            f"- {v.critic}: {v.score if v.score is not None else '?'} "
            f"{'✓' if v.approve else '✗'} {v.reasons}"
            for v in r.verdicts
        ]
        return "\n".join(lines)


def parse_verdict(critic: str, text: str, threshold: float) -> Verdict:
    """Read a critic's reply; unreadable replies count as abstentions (score None)."""
    for start in (i for i, ch in enumerate(text) if ch == "{"):
        try:
            obj, _ = json.JSONDecoder().raw_decode(text, start)
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict) and isinstance(obj.get("score"), (int, float)):
            score = max(0.0, min(10.0, float(obj["score"])))
            approve = obj.get("approve")
            return Verdict(
                critic,
                score,
                approve if isinstance(approve, bool) else score >= threshold,
                str(obj.get("reasons", "")).strip(),
            )
    match = _SCORE.search(text)
    if match:
        score = max(0.0, min(10.0, float(match.group(1))))
        return Verdict(critic, score, score >= threshold, text.strip()[:500])
    return Verdict(critic, None, False, f"unreadable reply: {text.strip()[:200]}")


def aggregate(draft: str, verdicts: Sequence[Verdict]) -> PanelRound:
    scores = [v.score for v in verdicts if v.score is not None]
    mean = sum(scores) / len(scores) if scores else None
    approvals = sum(v.approve for v in verdicts)
    return PanelRound(draft, tuple(verdicts), mean, approvals, approvals * 2 > len(verdicts))


async def _judge(
    name: str, model: ChatModel, task: str, draft: str, threshold: float, params: GenParams
) -> Verdict:
    messages = [
        Message("system", CRITIC_PROMPT),
        Message("user", f"Task:\n{task}\n\nDraft:\n{draft}"),
    ]
    reply = await complete(model, messages, params=params)
    return parse_verdict(name, reply.text, threshold)


async def score_draft(
    draft: str,
    critics: Sequence[tuple[str, ChatModel]],
    *,
    task: str = "",
    threshold: float = 7.0,
    params: GenParams | None = None,
) -> PanelRound:
    """One round: every critic judges ``draft`` concurrently."""
    verdicts = await asyncio.gather(
        *(_judge(n, m, task, draft, threshold, params or GenParams()) for n, m in critics)
    )
    return aggregate(draft, verdicts)


async def critic_panel(
    draft: str,
    critics: Sequence[tuple[str, ChatModel]],
    *,
    task: str = "",
    author: ChatModel | None = None,
    reflect: bool = False,
    threshold: float = 7.0,
    params: GenParams | None = None,
) -> PanelResult:
    """Score ``draft``; if rejected and ``reflect``, let ``author`` revise once, re-score."""
    first = await score_draft(draft, critics, task=task, threshold=threshold, params=params)
    if first.approved or not reflect or author is None:
        return PanelResult((first,))
    feedback = "\n".join(f"- {v.critic} ({v.score}): {v.reasons}" for v in first.verdicts)
    revision = await complete(
        author,
        [
            Message(
                "system", "Revise your draft to address the critics. Reply with the new draft only."
            ),
            Message("user", f"Task:\n{task}\n\nYour draft:\n{draft}\n\nCritics said:\n{feedback}"),
        ],
        params=params,
    )
    second = await score_draft(
        revision.text, critics, task=task, threshold=threshold, params=params
    )
    return PanelResult((first, second))
