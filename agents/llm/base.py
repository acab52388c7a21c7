"""The one chat-model contract every provider implements.

A provider turns a list of ``Message`` (+ optional ``ToolSpec`` list and ``GenParams``)
into an async stream of ``ChatEvent``: any number of ``TextDelta`` and ``ToolCall``,
at most one ``Usage``, and exactly one final ``Done``. Failures raise a ``ModelError``
subclass whose message carries the provider's own reason. Cancelling the consuming task
(or closing the iterator) must stop generation promptly.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

Role = Literal["system", "user", "assistant", "tool"]


@dataclass(frozen=True)
class ToolCall:
    """The model asks to call tool ``name`` with ``arguments``; ``id`` pairs the result."""

    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Message:
    """One chat turn. ``tool`` messages answer the assistant tool call ``tool_call_id``."""

    role: Role
    content: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class ToolSpec:
    """A tool the model may call: name, description and JSON-Schema of its input."""

    name: str
    description: str
    input_schema: dict[str, Any] = field(default_factory=lambda: {"type": "object"})


@dataclass(frozen=True)
class GenParams:
    """Generation settings; ``None`` means the provider's default."""

    max_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    stop: tuple[str, ...] = ()
    seed: int | None = None


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class Usage:
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True)
class Done:
    """Last event. stop_reason: "end", "max_tokens", "stop_sequence" or "tool_use"."""

    stop_reason: str


ChatEvent = TextDelta | ToolCall | Usage | Done


@dataclass(frozen=True)
class ChatResult:
    text: str
    tool_calls: tuple[ToolCall, ...]
    usage: Usage
    stop_reason: str


class ModelError(Exception):
    """Base of every model-layer failure; the message includes the provider's reason."""


class Unreachable(ModelError):  # noqa: N818 - names fixed by the design
    """The provider could not be contacted (connection refused, DNS, timeout)."""


class AuthError(ModelError):
    """The provider refused the credentials."""


class UnknownModel(ModelError):  # noqa: N818 - names fixed by the design
    """The provider does not know the requested model."""


class RateLimited(ModelError):  # noqa: N818 - names fixed by the design
    """The provider (or our global limiter) refused the call for now."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BadResponse(ModelError):  # noqa: N818 - names fixed by the design
    """The provider answered with something we cannot use (malformed, server error)."""


@runtime_checkable
class ChatModel(Protocol):
    """A chat model. ``stream`` yields ChatEvents and ends with one ``Done``.

    Implementations raise ModelError subclasses (never raw transport errors) and stop
    generating promptly when the consuming task is cancelled.
    """

    def stream(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[ToolSpec] | None = None,
        params: GenParams | None = None,
    ) -> AsyncIterator[ChatEvent]: ...


async def complete(
    model: ChatModel,
    messages: Sequence[Message],
    *,
    tools: Sequence[ToolSpec] | None = None,
    params: GenParams | None = None,
) -> ChatResult:
    """Run ``model.stream`` to the end and collect the events into a ChatResult."""
    parts: list[str] = []
    calls: list[ToolCall] = []
    usage = Usage(0, 0)
    stop_reason = "end"
    async for event in model.stream(messages, tools=tools, params=params):
        if isinstance(event, TextDelta):
            parts.append(event.text)
        elif isinstance(event, ToolCall):
            calls.append(event)
        elif isinstance(event, Usage):
            usage = event
        elif isinstance(event, Done):
            stop_reason = event.stop_reason
    return ChatResult("".join(parts), tuple(calls), usage, stop_reason)
