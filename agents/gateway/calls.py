"""One model call from a run's llm node: through the owner's router, trimmed to the context."""

from __future__ import annotations

import asyncio
from typing import Any

from asgiref.sync import sync_to_async

from agents.gateway.catalog import router_for
from agents.gateway.fitting import context_window, trim_note
from agents.gateway.streaming import Checkpoint, OnToken, calls_usage, close_stream, gen_params
from agents.llm.base import Message, TextDelta, ToolCall
from agents.llm.base import Usage as LlmUsage
from agents.llm.context_fit import fit
from workflows.engine import ModelResult
from workflows.engine import ToolCall as EngineToolCall


async def model_call(
    *,
    owner_id: int,
    model_ref: str,
    messages: list[dict[str, Any]],
    tools: Any,
    params: dict[str, Any],
    fallback: str | None,
    on_token: OnToken,
    checkpoint: Checkpoint | None = None,
) -> ModelResult:
    """One model call through the router; the prompt is trimmed to the model's context.
    `checkpoint` is awaited after each streamed delta (it raises to stop the call)."""
    router, calls = await sync_to_async(router_for)(owner_id)
    chat = [Message(role=m["role"], content=str(m.get("content", ""))) for m in messages]
    text: list[str] = []
    tool_calls: list[EngineToolCall] = []
    usage = LlmUsage(0, 0)
    fallbacks = (fallback,) if fallback else ()
    gen = gen_params(params)
    length, count = context_window(router, (model_ref, *fallbacks))
    if length is not None:
        trim = await asyncio.to_thread(
            fit,
            chat,
            context_length=length,
            reply_tokens=gen.max_tokens,
            count=count,
            model=model_ref,
        )
        if trim.dropped:
            await trim_note(on_token, model_ref, length)(trim)
        chat = trim.messages
    events = router.stream(
        model_ref, chat, params=gen, fallbacks=fallbacks, cache=bool(params.get("cache"))
    )
    try:
        async for event in events:
            if isinstance(event, TextDelta):
                text.append(event.text)
                await on_token(event.text)
                if checkpoint is not None:
                    await checkpoint()
            elif isinstance(event, ToolCall):
                tool_calls.append(EngineToolCall(event.id, event.name, dict(event.arguments)))
            elif isinstance(event, LlmUsage):
                usage = event
    finally:
        await close_stream(events)
    return ModelResult("".join(text), tool_calls, calls_usage(calls, usage))
