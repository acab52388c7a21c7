"""Keeping a conversation inside a model's context window.

``fit`` drops the oldest non-system turns until the prompt plus the reply budget fits
``context_length``. The system prompt(s) and the latest user turn are always kept; an
assistant turn that called tools is dropped together with its tool results, so no tool
result is left without the call it answers. When even that minimum leaves fewer than
``MIN_REPLY_TOKENS`` for the reply, ``ContextTooLong`` says so with the figures.

``FittingModel`` applies ``fit`` before every call of a wrapped ChatModel and reports
each trim through ``on_trim`` (the gateway writes it into the run's trace).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass

from agents.llm.base import ChatEvent, ChatModel, GenParams, Message, ModelError, ToolSpec

MIN_REPLY_TOKENS = 32
Counter = Callable[[Sequence[Message], Sequence[ToolSpec]], int]


class ContextTooLong(ModelError):
    """Even the system prompt and the latest user turn do not fit the model's context."""


@dataclass(frozen=True)
class Trim:
    """What ``fit`` did: the messages to send and how many turns it dropped."""

    messages: list[Message]
    dropped: int
    tokens_before: int
    tokens_after: int

    def describe(self, model: str, context_length: int) -> str:
        return (
            f"context trimmed: dropped the {self.dropped} oldest message(s) "
            f"({self.tokens_before} → {self.tokens_after} prompt tokens) to fit the "
            f"{context_length}-token context of {model}"
        )


def estimate_tokens(messages: Sequence[Message], tools: Sequence[ToolSpec] = ()) -> int:
    """A deliberately high estimate for models whose tokenizer we do not hold:
    one token per 3 bytes of UTF-8 (English BPE averages ~4) plus 8 per message."""
    size = sum(
        len(m.content.encode())
        + sum(len(json.dumps(c.arguments)) + len(c.name) for c in m.tool_calls)
        for m in messages
    )
    size += sum(len(json.dumps(t.input_schema)) + len(t.name) + len(t.description) for t in tools)
    return size // 3 + 8 * len(messages) + 16


def builtin_tokens(messages: Sequence[Message], tools: Sequence[ToolSpec] = ()) -> int:
    """Exact prompt length for the builtin runtime: its chat template through its tokenizer
    (loads the builtin model on first use, as its first generation would)."""
    from agents.llm.providers.builtin import get_engine, render_prompt

    return len(get_engine().encode(render_prompt(messages, tools or None)))


def _groups(messages: Sequence[Message]) -> list[list[int]]:
    """Indexes of droppable turns, oldest first: each non-system message with the tool
    results that follow it; the latest user message is never in a group."""
    last_user = max((i for i, m in enumerate(messages) if m.role == "user"), default=-1)
    groups: list[list[int]] = []
    for i, m in enumerate(messages):
        if m.role == "system" or i == last_user:
            continue
        if m.role == "tool" and groups and groups[-1][-1] == i - 1:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def fit(
    messages: Sequence[Message],
    *,
    context_length: int,
    reply_tokens: int,
    count: Counter,
    tools: Sequence[ToolSpec] = (),
    model: str = "the model",
) -> Trim:
    """Drop the oldest turns until prompt + reply fits; see the module docstring."""
    before = count(messages, tools)
    budget = context_length - min(reply_tokens, context_length // 2)
    groups = _groups(messages)

    def without(k: int) -> list[Message]:  # the messages left after dropping k oldest groups
        gone = {i for group in groups[:k] for i in group}
        return [m for i, m in enumerate(messages) if i not in gone]

    # The prompt shrinks as more groups go: binary-search the fewest drops that fit
    # (log2(turns) tokenizations instead of one per dropped turn).
    low, high = 0, len(groups)
    sizes = {0: before}
    while low < high:
        mid = (low + high) // 2
        sizes[mid] = count(without(mid), tools)
        low, high = (low, mid) if sizes[mid] <= budget else (mid + 1, high)
    kept = without(low)
    used = sizes[low] if low in sizes else count(kept, tools)
    if used + MIN_REPLY_TOKENS > context_length:
        raise ContextTooLong(
            f"the system prompt and the latest message alone take {used} tokens; {model} holds "
            f"{context_length} (with at least {MIN_REPLY_TOKENS} left for the reply). Shorten "
            "the prompt or the input, or use a model with a longer context."
        )
    return Trim(kept, len(messages) - len(kept), before, used)


OnTrim = Callable[[Trim], Awaitable[None]]


class FittingModel:
    """A ChatModel that trims the conversation to ``context_length`` before each call."""

    def __init__(
        self,
        inner: ChatModel,
        *,
        context_length: int,
        count: Counter,
        on_trim: OnTrim | None = None,
        name: str = "the model",
    ) -> None:
        self.inner, self.context_length, self.count = inner, context_length, count
        self.on_trim, self.name = on_trim, name

    async def fit(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec] | None,
        params: GenParams | None,
    ) -> list[Message]:
        reply = (params or GenParams()).max_tokens
        # counting may tokenize (or load a tokenizer): keep it off the event loop
        trim = await asyncio.to_thread(
            fit,
            messages,
            context_length=self.context_length,
            reply_tokens=reply,
            count=self.count,
            tools=tuple(tools or ()),
            model=self.name,
        )
        if trim.dropped and self.on_trim is not None:
            await self.on_trim(trim)
        return trim.messages

    async def stream(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[ToolSpec] | None = None,
        params: GenParams | None = None,
    ) -> AsyncIterator[ChatEvent]:
        kept = await self.fit(messages, tools, params)
        async for event in self.inner.stream(kept, tools=tools, params=params):
            yield event
