"""Where runs meet the model layer: resolve references, stream tokens, run agents.

The workflow run context calls `model_call` and `agent_run`; both return the engine's
ModelResult and stream text through `on_token` / `emit`.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings

from agents.llm.base import ChatModel, GenParams, Message, ModelError, TextDelta, ToolCall, UnknownModel
from agents.llm.base import Usage as LlmUsage
from agents.models import Agent
from workflows.engine import ModelResult, Usage
from workflows.engine import ToolCall as EngineToolCall

OnToken = Callable[[str], Awaitable[None]]


def _scripted(name: str) -> ChatModel:
    """Deterministic models for tests and demos without inference (AXWEB_SCRIPTED_MODELS=1)."""
    from urllib.parse import parse_qs, urlsplit

    from agents.llm.providers.scripted import Reply, ScriptedModel

    parts = urlsplit(name)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    delay, chunks = float(query.get("delay", 0)), int(query.get("chunks", 3))

    def respond(messages: Any, tools: Any) -> Reply:
        last = next((m.content for m in reversed(messages) if m.role == "user"), "")
        return Reply(text=f"{parts.path}: {last}", delay=delay, chunks=chunks, chunk_delay=delay / max(chunks, 1))

    return ScriptedModel(responder=respond)


def model_for(ref: str) -> ChatModel:
    provider, _, name = ref.partition(":")
    if provider == "builtin":
        from agents.llm.providers.builtin import BuiltinModel

        return BuiltinModel(name)
    if provider == "ollama":
        from agents.llm.providers.ollama import OllamaModel

        return OllamaModel(name, host=settings.OLLAMA_HOST)
    if provider == "anthropic":
        from agents.llm.providers.anthropic import AnthropicModel

        return AnthropicModel(name, api_key=settings.ANTHROPIC_API_KEY or None)
    if provider == "scripted" and os.environ.get("AXWEB_SCRIPTED_MODELS") == "1":
        return _scripted(name)
    raise UnknownModel(f"Unknown model reference '{ref}'; use builtin:, ollama: or anthropic:.")


def _params(params: dict[str, Any]) -> GenParams:
    allowed = {k: params[k] for k in ("max_tokens", "temperature", "top_p", "seed") if k in params}
    if "stop" in params:
        allowed["stop"] = tuple(params["stop"])
    return GenParams(**allowed)


async def _stream(model: ChatModel, messages: list[Message], params: GenParams, on_token: OnToken) -> ModelResult:
    text: list[str] = []
    calls: list[EngineToolCall] = []
    usage = LlmUsage(0, 0)
    async for event in model.stream(messages, params=params):
        if isinstance(event, TextDelta):
            text.append(event.text)
            await on_token(event.text)
        elif isinstance(event, ToolCall):
            calls.append(EngineToolCall(event.id, event.name, dict(event.arguments)))
        elif isinstance(event, LlmUsage):
            usage = event
    return ModelResult("".join(text), calls, Usage(usage.input_tokens, usage.output_tokens, 0.0))


async def model_call(*, owner_id: int, model_ref: str, messages: list[dict[str, Any]], tools: Any,
                     params: dict[str, Any], fallback: str | None, on_token: OnToken) -> ModelResult:
    chat = [Message(role=m["role"], content=str(m.get("content", ""))) for m in messages]
    refs = [model_ref, *([fallback] if fallback else [])]
    last_error: ModelError | None = None
    for ref in refs:
        try:
            return await _stream(model_for(ref), chat, _params(params), on_token)
        except ModelError as exc:
            last_error = exc
    assert last_error is not None
    raise last_error


def _agent_lookup(owner_id: int, ref: str) -> Agent:
    agents = Agent.objects.filter(owner_id=owner_id)
    agent = agents.filter(name=ref).first() or (agents.filter(pk=int(ref)).first() if ref.isdigit() else None)
    if agent is None:
        names = ", ".join(agents.values_list("name", flat=True)) or "none yet"
        raise LookupError(f"There is no agent named '{ref}'. Your agents: {names}.")
    return agent


async def agent_run(*, owner_id: int, agent_ref: str, prompt: str, fallback: str | None, run_id: str,
                    node_id: str, emit: Any, tool_runner: Any, is_cancelled: Any) -> ModelResult:
    agent = await sync_to_async(_agent_lookup)(owner_id, agent_ref)
    role = f"Your role: {agent.role}." if agent.role else ""
    system = "\n".join(part for part in (role, agent.system_prompt) if part)
    messages = [*([{"role": "system", "content": system}] if system else []), {"role": "user", "content": prompt}]
    fallback = fallback or next(iter(agent.fallback_models or []), None)
    return await model_call(owner_id=owner_id, model_ref=agent.model, messages=messages, tools=None,
                            params=agent.parameters, fallback=fallback,
                            on_token=lambda text: emit("node.token", {"text": text}))
