"""Anthropic provider over the official ``anthropic`` client (``/v1/messages``).

API key: the ``api_key`` argument, else ANTHROPIC_API_KEY. ``base_url`` is overridable
(tests point it at a local server speaking the same wire protocol). Streaming reads the
raw SSE events: text deltas are forwarded as they come, ``tool_use`` blocks are
assembled from their ``input_json_delta`` pieces and emitted when the block stops.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

import anthropic

from agents.llm.base import (
    AuthError,
    BadResponse,
    ChatEvent,
    Done,
    GenParams,
    Message,
    ModelError,
    RateLimited,
    TextDelta,
    ToolCall,
    ToolSpec,
    UnknownModel,
    Unreachable,
    Usage,
)
from axweb.env import env_str

_STOP_REASONS = {
    "end_turn": "end",
    "max_tokens": "max_tokens",
    "stop_sequence": "stop_sequence",
    "tool_use": "tool_use",
}
_ERROR_TYPES: dict[str, type[ModelError]] = {
    "authentication_error": AuthError,
    "permission_error": AuthError,
    "not_found_error": UnknownModel,
    "rate_limit_error": RateLimited,
    "overloaded_error": RateLimited,
}
_STATUS: dict[int, type[ModelError]] = {
    401: AuthError,
    403: AuthError,
    404: UnknownModel,
    429: RateLimited,
    529: RateLimited,
}


def _blocks(m: Message) -> list[dict[str, Any]]:
    if m.role == "tool":
        return [{"type": "tool_result", "tool_use_id": m.tool_call_id, "content": m.content}]
    blocks: list[dict[str, Any]] = [{"type": "text", "text": m.content}] if m.content else []
    blocks += [
        {"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments} for c in m.tool_calls
    ]
    return blocks


def to_wire(messages: Sequence[Message]) -> tuple[str, list[dict[str, Any]]]:
    """(system text, messages) in Anthropic's shape; same-role turns are merged."""
    system = "\n\n".join(m.content for m in messages if m.role == "system")
    wire: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "system":
            continue
        role = "assistant" if m.role == "assistant" else "user"
        if wire and wire[-1]["role"] == role:
            wire[-1]["content"] += _blocks(m)
        else:
            wire.append({"role": role, "content": _blocks(m)})
    return system, wire


def _reason(exc: anthropic.APIStatusError) -> tuple[str, str]:
    body = exc.body if isinstance(exc.body, dict) else {}
    error = body.get("error", body) if isinstance(body.get("error", body), dict) else {}
    return str(error.get("type", "")), str(error.get("message") or exc.message)


def translate_error(exc: BaseException, model: str) -> ModelError:
    """Map an anthropic SDK exception to our ModelError hierarchy, keeping the reason."""
    where = f"anthropic model {model!r}"
    if isinstance(exc, anthropic.APIConnectionError):
        return Unreachable(f"{where}: cannot reach the server ({exc.__cause__ or exc.message})")
    if isinstance(exc, anthropic.APIStatusError):
        kind, message = _reason(exc)
        status = exc.status_code
        cls = _ERROR_TYPES.get(kind) or _STATUS.get(status, BadResponse)
        text = f"{where}: {kind or 'error'} (HTTP {status}): {message}"
        if cls is RateLimited:
            retry = exc.response.headers.get("retry-after")
            return RateLimited(text, float(retry) if retry and retry.isdigit() else None)
        return cls(text)
    return BadResponse(f"{where}: {type(exc).__name__}: {exc}")


class _StreamReader:
    """Per-call state: folds raw SSE events into ChatEvents."""

    def __init__(self) -> None:
        self.tools: dict[int, dict[str, Any]] = {}
        self.input_tokens = self.output_tokens = 0
        self.stop_reason = "end"

    def feed(self, event: Any) -> list[ChatEvent]:
        kind = event.type
        if kind == "message_start":
            self.input_tokens = event.message.usage.input_tokens or 0
            self.output_tokens = event.message.usage.output_tokens or 0
        elif kind == "content_block_start" and event.content_block.type == "tool_use":
            block = event.content_block
            self.tools[event.index] = {"id": block.id, "name": block.name, "json": ""}
        elif kind == "content_block_delta":
            return self._delta(event)
        elif kind == "content_block_stop" and event.index in self.tools:
            return [self._tool_call(self.tools.pop(event.index))]
        elif kind == "message_delta":
            self.output_tokens = event.usage.output_tokens or self.output_tokens
            self.stop_reason = _STOP_REASONS.get(event.delta.stop_reason or "", "end")
        return []

    def _delta(self, event: Any) -> list[ChatEvent]:
        delta = event.delta
        if delta.type == "text_delta" and delta.text:
            return [TextDelta(delta.text)]
        if delta.type == "input_json_delta" and event.index in self.tools:
            self.tools[event.index]["json"] += delta.partial_json
        return []

    @staticmethod
    def _tool_call(block: dict[str, Any]) -> ToolCall:
        try:
            args = json.loads(block["json"]) if block["json"].strip() else {}
        except json.JSONDecodeError as exc:
            raise BadResponse(
                f"anthropic: tool_use {block['name']} input is not JSON: {exc}"
            ) from exc
        return ToolCall(block["id"], block["name"], args)

    def finish(self) -> list[ChatEvent]:
        return [Usage(self.input_tokens, self.output_tokens), Done(self.stop_reason)]


def _message_events(msg: Any) -> list[ChatEvent]:
    events: list[ChatEvent] = []
    for block in msg.content:
        if block.type == "text" and block.text:
            events.append(TextDelta(block.text))
        elif block.type == "tool_use":
            events.append(ToolCall(block.id, block.name, dict(block.input or {})))
    events.append(Usage(msg.usage.input_tokens or 0, msg.usage.output_tokens or 0))
    events.append(Done(_STOP_REASONS.get(msg.stop_reason or "", "end")))
    return events


class AnthropicModel:
    """ChatModel backed by the Anthropic Messages API. See base.ChatModel."""

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        stream: bool = True,
        timeout: float = 300.0,
        send_sampling: bool = False,
    ) -> None:
        self.model = model
        # Current Claude models pick their own sampling and the SDK no longer takes
        # temperature/top_p; opt in to send them (as extra body fields) for older models.
        self.send_sampling = send_sampling
        # None: the process environment (standalone use); the gateway always passes the key it
        # resolved.
        self.api_key = env_str("ANTHROPIC_API_KEY") if api_key is None else api_key
        self.base_url = base_url or env_str("ANTHROPIC_BASE_URL") or None
        self.use_stream = stream
        self.timeout = timeout

    def __repr__(self) -> str:  # never the key
        key = "set" if self.api_key else "unset"
        return f"AnthropicModel(model={self.model!r}, api_key={key}, base_url={self.base_url!r})"

    def _request(
        self, messages: Sequence[Message], tools: Sequence[ToolSpec] | None, p: GenParams
    ) -> dict[str, Any]:
        system, wire = to_wire(messages)
        request: dict[str, Any] = {
            "model": self.model,
            "messages": wire,
            "max_tokens": p.max_tokens,
        }
        if system:
            request["system"] = system
        if self.send_sampling:
            sampling = {"temperature": p.temperature}
            request["extra_body"] = sampling if p.top_p >= 1.0 else {**sampling, "top_p": p.top_p}
        if p.stop:
            request["stop_sequences"] = list(p.stop)
        if tools:
            request["tools"] = [
                {"name": t.name, "description": t.description, "input_schema": t.input_schema}
                for t in tools
            ]
        return request

    async def stream(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[ToolSpec] | None = None,
        params: GenParams | None = None,
    ) -> AsyncIterator[ChatEvent]:
        if not self.api_key:
            raise AuthError("anthropic: no API key (pass api_key or set ANTHROPIC_API_KEY)")
        client = anthropic.AsyncAnthropic(
            api_key=self.api_key, base_url=self.base_url, max_retries=0, timeout=self.timeout
        )
        request = self._request(messages, tools, params or GenParams())
        try:
            if not self.use_stream:
                for event in _message_events(await client.messages.create(**request)):
                    yield event
                return
            reader = _StreamReader()
            stream = await client.messages.create(**request, stream=True)
            async with stream:
                async for raw in stream:
                    for event in reader.feed(raw):
                        yield event
            for event in reader.finish():
                yield event
        except ModelError:
            raise
        except anthropic.AnthropicError as exc:
            raise translate_error(exc, self.model) from exc
        finally:
            await client.close()
