"""The builtin runtime gets a conversation longer than its 2048-token context: trimmed, it
answers."""

from __future__ import annotations

import pytest

from agents.llm.base import GenParams, Message, ModelError, complete
from agents.llm.context_fit import FittingModel, Trim, builtin_tokens
from agents.llm.providers.builtin import BuiltinModel

pytestmark = pytest.mark.slow

PARAMS = GenParams(max_tokens=8, temperature=0.0)


def long_conversation() -> list[Message]:
    chatter = "Tell me more about the history of the old harbour town and its many bridges. " * 6
    turns = [Message("system", "You are a helpful assistant.")]
    for i in range(24):
        turns += [Message("user", f"{i}: {chatter}"), Message("assistant", chatter)]
    return [*turns, Message("user", "What is the capital of France?")]


@pytest.mark.asyncio
async def test_a_conversation_over_the_builtin_context_is_trimmed_and_answered() -> None:
    messages = long_conversation()
    assert builtin_tokens(messages, ()) > 2048
    with pytest.raises(ModelError, match="2048-token context"):
        await complete(BuiltinModel(), messages, params=PARAMS)  # what happened before trimming
    trims: list[Trim] = []

    async def on_trim(trim: Trim) -> None:
        trims.append(trim)

    fitted = FittingModel(
        BuiltinModel(), context_length=2048, count=builtin_tokens, on_trim=on_trim
    )
    reply = await complete(fitted, messages, params=PARAMS)
    assert reply.usage.input_tokens + reply.usage.output_tokens <= 2048
    assert reply.usage.output_tokens >= 1
    assert trims[0].tokens_before > 2048 >= trims[0].tokens_after + PARAMS.max_tokens
