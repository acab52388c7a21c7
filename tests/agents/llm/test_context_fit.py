"""Conversations longer than the model's context are trimmed, oldest turns first."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from agents.llm.agent_loop import AgentSpec, AgentTeam
from agents.llm.base import GenParams, Message, ToolCall, ToolSpec
from agents.llm.context_fit import ContextTooLong, FittingModel, Trim, estimate_tokens, fit
from agents.llm.providers.scripted import ScriptedModel


def words(messages: Sequence[Message], tools: Sequence[ToolSpec] = ()) -> int:
    """A countable 'tokenizer' for tests: one token per word."""
    return sum(len(m.content.split()) for m in messages)


def turn(role: str, n: int, tag: str) -> Message:
    return Message(role, " ".join([tag] * n))  # type: ignore[arg-type]


def conversation() -> list[Message]:
    return [
        turn("system", 10, "sys"),
        turn("user", 30, "u1"),
        turn("assistant", 30, "a1"),
        turn("user", 30, "u2"),
        turn("assistant", 30, "a2"),
        turn("user", 20, "u3"),
    ]


def tags(messages: Sequence[Message]) -> list[str]:
    return [m.content.split()[0] for m in messages]


def test_a_conversation_that_fits_is_left_alone() -> None:
    trim = fit(conversation(), context_length=500, reply_tokens=100, count=words)
    assert (trim.dropped, len(trim.messages)) == (0, 6)


def test_the_oldest_turns_go_first_and_the_system_prompt_and_latest_user_turn_stay() -> None:
    trim = fit(conversation(), context_length=200, reply_tokens=100, count=words)
    assert tags(trim.messages) == ["sys", "u2", "a2", "u3"]  # 90 tokens + 100 for the reply
    assert (trim.dropped, trim.tokens_before, trim.tokens_after) == (2, 150, 90)
    assert "dropped the 2 oldest message(s) (150 → 90 prompt tokens)" in trim.describe("m", 200)


def test_the_turns_after_the_latest_user_message_go_last() -> None:
    messages = [
        turn("system", 10, "sys"),
        turn("user", 30, "u1"),
        turn("assistant", 30, "step1"),
        turn("assistant", 30, "step2"),
    ]
    trim = fit(messages, context_length=160, reply_tokens=80, count=words)
    assert tags(trim.messages) == ["sys", "u1", "step2"]


def test_a_tool_call_is_dropped_together_with_its_results() -> None:
    call = ToolCall("c1", "search", {"q": "x"})
    messages = [
        turn("system", 5, "sys"),
        turn("user", 5, "u1"),
        Message("assistant", "calling", tool_calls=(call,)),
        turn("tool", 40, "r1"),
        turn("tool", 40, "r2"),
        turn("assistant", 5, "a1"),
        turn("user", 5, "u2"),
    ]
    trim = fit(messages, context_length=60, reply_tokens=30, count=words)
    assert tags(trim.messages) == ["sys", "a1", "u2"]
    assert not any(m.role == "tool" for m in trim.messages)


def test_the_minimum_that_still_leaves_room_for_a_short_reply_is_sent() -> None:
    messages = [turn("system", 40, "sys"), turn("assistant", 10, "a0"), turn("user", 40, "u1")]
    trim = fit(messages, context_length=120, reply_tokens=256, count=words)
    assert tags(trim.messages) == ["sys", "u1"]  # 80 + 32 for the reply ≤ 120


def test_when_even_the_system_prompt_and_latest_turn_do_not_fit_the_error_says_so() -> None:
    messages = [turn("system", 60, "sys"), turn("user", 60, "u1")]
    with pytest.raises(ContextTooLong, match=r"take 120 tokens; builtin:smollm2-135m holds 128"):
        fit(
            messages, context_length=128, reply_tokens=16, count=words, model="builtin:smollm2-135m"
        )


def test_the_estimate_errs_on_the_high_side_for_english() -> None:
    text = "The quick brown fox jumps over the lazy dog. " * 20  # ~200 BPE tokens
    assert estimate_tokens([Message("user", text)]) >= 250


@pytest.mark.asyncio
async def test_an_agent_with_a_long_history_is_trimmed_and_the_trim_is_reported() -> None:
    model = ScriptedModel.of(["fine"])
    trims: list[Trim] = []

    async def on_trim(trim: Trim) -> None:
        trims.append(trim)

    fitted = FittingModel(model, context_length=150, count=words, on_trim=on_trim, name="tiny")
    team = AgentTeam({"a": AgentSpec("a", fitted, params=GenParams(max_tokens=40))})
    history = [turn("user", 50, "old"), turn("assistant", 50, "reply")] * 2
    result = await team.run("a", "now what", history=history)
    assert result.text == "fine"
    sent = model.calls[0].messages
    assert [m.content.split()[0] for m in sent] == ["You", "old", "reply", "now"]  # 108 + 40 ≤ 150
    assert len(trims) == 1 and trims[0].dropped == 2


@pytest.mark.asyncio
async def test_an_agent_whose_task_alone_overflows_fails_with_the_reason() -> None:
    model = ScriptedModel.of(["never"])
    fitted = FittingModel(model, context_length=64, count=words, name="tiny")
    team = AgentTeam({"a": AgentSpec("a", fitted)})
    with pytest.raises(ContextTooLong, match="tiny holds 64"):
        await team.run("a", " ".join(["word"] * 100))
    assert model.calls == []
