"""A scripted ChatModel for tests: replies and tool calls come from a script.

Each ``stream`` call consumes the next ``Reply`` (or asks a callable for one). Replies
may carry delays, split their text into several deltas, or raise a ModelError. Every
call is recorded in ``calls`` so tests can assert on what the model was sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field

from agents.llm.base import (
    ChatEvent,
    Done,
    GenParams,
    Message,
    ModelError,
    TextDelta,
    ToolCall,
    ToolSpec,
    Usage,
)


@dataclass(frozen=True)
class Reply:
    """One scripted answer. ``chunks`` splits ``text`` into that many deltas."""

    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    delay: float = 0.0  # before the first event
    chunk_delay: float = 0.0  # between deltas
    chunks: int = 1
    error: ModelError | None = None
    usage: Usage | None = None


@dataclass(frozen=True)
class RecordedCall:
    messages: tuple[Message, ...]
    tools: tuple[ToolSpec, ...]
    params: GenParams


Responder = Callable[[Sequence[Message], Sequence[ToolSpec]], Reply | str]


def _pieces(text: str, chunks: int) -> list[str]:
    if not text:
        return []
    size = max(1, -(-len(text) // max(1, chunks)))
    return [text[i : i + size] for i in range(0, len(text), size)]


@dataclass
class ScriptedModel:
    """ChatModel whose answers are scripted (see module docstring)."""

    script: list[Reply | str] = field(default_factory=list)
    responder: Responder | None = None
    repeat_last: bool = False
    calls: list[RecordedCall] = field(default_factory=list)

    @classmethod
    def of(cls, replies: Iterable[Reply | str], *, repeat_last: bool = False) -> ScriptedModel:
        return cls(script=list(replies), repeat_last=repeat_last)

    def _next(self, messages: Sequence[Message], tools: Sequence[ToolSpec]) -> Reply:
        if self.responder is not None:
            reply: Reply | str = self.responder(messages, tools)
        elif self.script:
            reply = (
                self.script[0]
                if self.repeat_last and len(self.script) == 1
                else (self.script.pop(0))
            )
        else:
            raise ModelError("scripted model: the script is exhausted")
        return Reply(text=reply) if isinstance(reply, str) else reply

    async def stream(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[ToolSpec] | None = None,
        params: GenParams | None = None,
    ) -> AsyncIterator[ChatEvent]:
        params = params or GenParams()
        self.calls.append(RecordedCall(tuple(messages), tuple(tools or ()), params))
        reply = self._next(messages, tools or ())
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.error is not None:
            raise reply.error
        for i, piece in enumerate(_pieces(reply.text, reply.chunks)):
            if i and reply.chunk_delay:
                await asyncio.sleep(reply.chunk_delay)
            yield TextDelta(piece)
        for call in reply.tool_calls:
            yield call
        prompt = sum(len(m.content.split()) for m in messages)
        yield reply.usage or Usage(prompt, len(reply.text.split()))
        yield Done("tool_use" if reply.tool_calls else "end")
