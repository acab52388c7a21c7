"""Streaming helpers shared by model calls and agent runs: forward each text delta as it
passes, close a provider stream left early, map node parameters, add up usage and cost."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from agents.llm.base import ChatEvent, GenParams, Message, TextDelta, ToolSpec
from agents.llm.base import Usage as LlmUsage
from agents.llm.router import CallRecord
from workflows.engine import Usage

OnToken = Callable[[str], Awaitable[None]]
Checkpoint = Callable[[], Awaitable[None]]


class StreamingModel:
    """A ChatModel that forwards each text delta to `on_token` as it passes through, and
    awaits `checkpoint` after each one (raising there closes the stream: generation stops)."""

    def __init__(self, inner: Any, on_token: OnToken, checkpoint: Checkpoint | None = None) -> None:
        self.inner, self.on_token, self.checkpoint = inner, on_token, checkpoint

    async def stream(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[ToolSpec] | None = None,
        params: GenParams | None = None,
    ) -> AsyncIterator[ChatEvent]:
        events = self.inner.stream(messages, tools=tools, params=params)
        try:
            async for event in events:
                if isinstance(event, TextDelta):
                    await self.on_token(event.text)
                    if self.checkpoint is not None:
                        await self.checkpoint()
                yield event
        finally:
            await close_stream(events)


async def close_stream(stream: AsyncIterator[ChatEvent]) -> None:
    """Close a provider stream we leave early, so its generation stops now, not at GC."""
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        await aclose()


def gen_params(params: dict[str, Any]) -> GenParams:
    allowed = {
        k: params[k]
        for k in ("max_tokens", "temperature", "top_p", "seed")
        if params.get(k) is not None
    }
    if params.get("stop"):
        allowed["stop"] = tuple(params["stop"])
    return GenParams(**allowed)


def calls_usage(calls: list[CallRecord], fallback: LlmUsage) -> Usage:
    if not calls:
        return Usage(fallback.input_tokens, fallback.output_tokens, 0.0)
    return Usage(
        sum(c.usage.input_tokens for c in calls),
        sum(c.usage.output_tokens for c in calls),
        sum(c.cost for c in calls),
    )
