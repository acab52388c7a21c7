from __future__ import annotations

import pytest

from agents.llm.critic import aggregate, critic_panel, parse_verdict
from agents.llm.providers.scripted import ScriptedModel


def critic(*replies: str) -> ScriptedModel:
    return ScriptedModel.of(list(replies))


@pytest.mark.asyncio
async def test_the_panel_averages_scores_and_takes_the_majority_vote() -> None:
    panel = [
        ("strict", critic('{"score": 4, "approve": false, "reasons": "too vague"}')),
        ("kind", critic('Sure! {"score": 9, "approve": true, "reasons": "clear"}')),
        ("terse", critic("score: 8 - fine")),
    ]
    result = await critic_panel("draft v1", panel, task="write")
    assert result.final.mean_score == pytest.approx(7.0)
    assert result.final.approvals == 2 and result.approved
    assert [v.reasons for v in result.final.verdicts][:2] == ["too vague", "clear"]
    assert "approved: 2/3 approve, mean score 7.0/10" in result.summary()


@pytest.mark.asyncio
async def test_unreadable_critics_abstain_from_the_score_but_count_as_no() -> None:
    panel = [
        ("a", critic('{"score": 10, "approve": true, "reasons": "great"}')),
        ("b", critic("I cannot judge this.")),
    ]
    result = await critic_panel("draft", panel)
    assert result.final.mean_score == 10.0
    assert not result.approved  # 1 of 2 is not a majority
    assert result.final.verdicts[1].score is None


@pytest.mark.asyncio
async def test_reflection_revises_a_rejected_draft_and_rescores_it() -> None:
    panel = [
        (
            "a",
            critic(
                '{"score": 3, "approve": false, "reasons": "add numbers"}',
                '{"score": 8, "approve": true, "reasons": "good now"}',
            ),
        )
    ]
    author = ScriptedModel.of(["draft v2 with numbers"])
    result = await critic_panel("draft v1", panel, task="report", author=author, reflect=True)
    assert [r.approved for r in result.rounds] == [False, True]
    assert result.draft == "draft v2 with numbers"
    assert "add numbers" in author.calls[0].messages[-1].content


@pytest.mark.asyncio
async def test_an_approved_draft_is_not_revised() -> None:
    author = ScriptedModel.of([])
    panel = [("a", critic('{"score": 9, "approve": true, "reasons": "ok"}'))]
    result = await critic_panel("fine", panel, author=author, reflect=True)
    assert len(result.rounds) == 1 and author.calls == []


def test_a_verdict_without_a_vote_uses_the_threshold_and_clamps_the_score() -> None:
    assert parse_verdict("c", '{"score": 12}', threshold=7).approve
    assert parse_verdict("c", '{"score": 12}', threshold=7).score == 10.0
    assert not parse_verdict("c", '{"score": 5}', threshold=7).approve


def test_an_empty_panel_rejects() -> None:
    assert not aggregate("d", []).approved
