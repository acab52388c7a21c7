"""Ollama provider over the official ``ollama`` client (``/api/chat``).

Host: the ``host`` argument, else OLLAMA_HOST, else the client's default
(http://127.0.0.1:11434). Streams NDJSON chunks; tool calls arrive whole in a chunk's
``message.tool_calls`` (Ollama gives no call ids, so we mint them).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx
import ollama

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

_STOP_REASONS = {"stop": "end", "length": "max_tokens"}


def _message(m: Message) -> dict[str, Any]:
    out: dict[str, Any] = {"role": m.role, "content": m.content}
    if m.tool_calls:
        out["tool_calls"] = [
            {"function": {"name": c.name, "arguments": c.arguments}} for c in m.tool_calls
        ]
    if m.role == "tool" and m.name:
        out["tool_name"] = m.name
    return out


def _tool(spec: ToolSpec) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": spec.name,
            "description": spec.description,
            "parameters": spec.input_schema,
        },
    }


def _options(p: GenParams) -> dict[str, Any]:
    opts: dict[str, Any] = {
        "num_predict": p.max_tokens,
        "temperature": p.temperature,
        "top_p": p.top_p,
    }
    if p.stop:
        opts["stop"] = list(p.stop)
    if p.seed is not None:
        opts["seed"] = p.seed
    return opts


def translate_error(exc: BaseException, model: str, host: str) -> ModelError:
    """Map an ollama/httpx failure to our ModelError hierarchy, keeping the reason."""
    where = f"ollama {host} model {model!r}"
    if isinstance(exc, ollama.ResponseError):
        reason, status = exc.error, exc.status_code
        if status == 404 or "not found" in str(reason).lower():
            return UnknownModel(f"{where}: {reason}")
        if status in (401, 403):
            return AuthError(f"{where}: {reason}")
        if status == 429:
            return RateLimited(f"{where}: {reason}")
        return BadResponse(f"{where}: HTTP {status}: {reason}")
    if isinstance(exc, (ConnectionError, httpx.TransportError)):
        return Unreachable(f"{where}: cannot reach the server ({exc or type(exc).__name__})")
    return BadResponse(f"{where}: {type(exc).__name__}: {exc}")


class OllamaModel:
    """ChatModel backed by an Ollama server. See base.ChatModel for the contract."""

    def __init__(
        self, model: str, *, host: str | None = None, stream: bool = True, timeout: float = 300.0
    ) -> None:
        self.model = model
        self.host = host or env_str("OLLAMA_HOST") or "http://127.0.0.1:11434"
        self.use_stream = stream
        self.timeout = timeout

    async def stream(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[ToolSpec] | None = None,
        params: GenParams | None = None,
    ) -> AsyncIterator[ChatEvent]:
        client = ollama.AsyncClient(host=self.host, timeout=self.timeout)
        request: dict[str, Any] = {
            "model": self.model,
            "messages": [_message(m) for m in messages],
            "tools": [_tool(t) for t in tools or ()],
            "options": _options(params or GenParams()),
        }
        reader = _ChunkReader()
        try:
            if self.use_stream:
                chunks = await client.chat(**request, stream=True)
                async for chunk in chunks:
                    for event in reader.events(chunk):
                        yield event
            else:
                for event in reader.events(await client.chat(**request, stream=False)):
                    yield event
        except ModelError:
            raise
        except (ollama.ResponseError, ConnectionError, httpx.HTTPError, ValueError) as exc:
            raise translate_error(exc, self.model, self.host) from exc
        finally:
            await client.close()  # type: ignore[no-untyped-call]


class _ChunkReader:
    """Per-call state: turns ChatResponse chunks into ChatEvents."""

    def __init__(self) -> None:
        self.called = False

    def events(self, chunk: Any) -> list[ChatEvent]:
        events: list[ChatEvent] = []
        message = chunk.message
        if message is not None and message.content:
            events.append(TextDelta(message.content))
        for call in (message.tool_calls or ()) if message is not None else ():
            self.called = True
            events.append(
                ToolCall(
                    f"call_{uuid.uuid4().hex[:12]}",
                    call.function.name,
                    dict(call.function.arguments or {}),
                )
            )
        if chunk.done:
            events.append(Usage(chunk.prompt_eval_count or 0, chunk.eval_count or 0))
            reason = _STOP_REASONS.get(chunk.done_reason or "stop", chunk.done_reason or "end")
            events.append(Done("tool_use" if self.called else reason))
        return events
