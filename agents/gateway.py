"""Where runs meet the model layer: the database catalog, the router, and the agent loop.

The workflow run context calls `model_call` and `agent_run`; both return the engine's
ModelResult (text, tool calls, usage with cost) and stream text through `on_token`/`emit`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings

from agents.llm.agent_loop import AgentSpec, AgentTeam
from agents.llm.base import (
    AuthError,
    ChatEvent,
    ChatModel,
    GenParams,
    Message,
    ModelError,
    TextDelta,
    ToolCall,
    ToolSpec,
)
from agents.llm.base import Usage as LlmUsage
from agents.llm.catalog import ModelInfo
from agents.llm.context_fit import FittingModel, Trim, builtin_tokens, estimate_tokens, fit
from agents.llm.providers import table
from agents.llm.providers.table import Provider
from agents.llm.router import CallRecord, Router, default_factory
from agents.models import Agent, ModelEntry
from axweb.env import env_bool, env_str
from workflows.engine import ModelResult, Usage
from workflows.engine import ToolCall as EngineToolCall

OnToken = Callable[[str], Awaitable[None]]
Emit = Callable[[str, dict[str, Any]], Awaitable[None]]
Checkpoint = Callable[[], Awaitable[None]]
ToolRunner = Callable[[str, dict[str, Any], str], Awaitable[Any]]


# -- the catalog over the database ---------------------------------------------------------

def no_key(row: Provider) -> str:
    return (f"{row.name}: you have no {row.label} API key. Store your own key on the "
            f"Credentials page (the server's {row.credential} serves other users only when "
            "the operator sets AXWEB_SHARE_SERVER_KEYS=true).")


def provider_key(row: Provider, owner_id: int, owner_is_staff: bool) -> str:
    """The owner's stored key, else the server's when they are staff or the operator shares it."""
    from agents.credentials import provider_secret

    own = provider_secret(owner_id, row.name)
    if own:
        return own
    shared = owner_is_staff or settings.AXWEB_SHARE_SERVER_KEYS
    return _setting(str(row.credential)) if shared else ""


def _setting(var: str) -> str:
    """A provider's setting: Django's settings when they define it, else the environment."""
    return str(getattr(settings, var) or "") if hasattr(settings, var) else env_str(var)


def _info(entry: ModelEntry, owner_id: int, owner_is_staff: bool = False) -> ModelInfo:
    row = table.provider(entry.provider)
    options = row.options(entry.config, _setting) if row else {}
    if row and row.credential:
        # "" never falls back to the environment
        options["api_key"] = provider_key(row, owner_id, owner_is_staff)
    return ModelInfo(entry.provider, entry.name, entry.tier, float(entry.cost_in_per_1k),
                     float(entry.cost_out_per_1k), entry.config.get("rpm"), entry.config.get("max_concurrent"),
                     tuple(options.items()))


@dataclass
class DatabaseCatalog:
    """The models registry, as the router sees it for one owner (their own provider keys)."""

    owner_id: int
    entries: dict[str, ModelInfo]
    tiers: dict[str, list[ModelInfo]]
    contexts: dict[str, int] = field(default_factory=dict)  # ref -> context length in tokens
    owner_is_staff: bool = False

    @classmethod
    def load(cls, owner_id: int) -> DatabaseCatalog:
        from django.contrib.auth import get_user_model

        staff = get_user_model().objects.filter(pk=owner_id, is_staff=True).exists()
        rows = list(ModelEntry.objects.order_by("pk"))
        infos = [_info(entry, owner_id, staff) for entry in rows]
        tiers: dict[str, list[ModelInfo]] = {}
        for info in infos:
            tiers.setdefault(info.tier, []).append(info)
        contexts = {info.ref: row.context_length for info, row in zip(infos, rows, strict=True)}
        return cls(owner_id, {info.ref: info for info in infos}, tiers, contexts, staff)

    def window(self, refs: Sequence[str]) -> tuple[int | None, bool]:
        """The smallest registered context over ``refs`` (tiers expand to their models) and
        whether the first choice runs on the builtin runtime (then its tokenizer counts;
        loading it only to count for another provider would cost a model load)."""
        infos = [i for ref in refs for i in ([self.entries[ref]] if ref in self.entries else self.tiers.get(ref, []))]
        lengths = [self.contexts[i.ref] for i in infos if self.contexts.get(i.ref)]
        first = infos[0].provider if infos else refs[0].partition(":")[0] if refs else ""
        return (min(lengths) if lengths else None), first == "builtin"

    def get(self, ref: str) -> ModelInfo | None:
        info = self.entries.get(ref)
        provider, _, name = ref.partition(":")
        if info is None and table.provider(provider) is not None:
            # unregistered models of a known provider still get their host/key
            entry = ModelEntry(provider=provider, name=name, config={})
            return _info(entry, self.owner_id, self.owner_is_staff)
        return info

    def for_tier(self, tier: str) -> list[ModelInfo]:
        return self.tiers.get(tier, [])


def _factory(info: ModelInfo) -> ChatModel:
    if info.provider == "scripted" and env_bool("AXWEB_SCRIPTED_MODELS"):
        return _scripted(info.name)
    row = table.provider(info.provider)
    if row and row.credential and not dict(info.options).get("api_key"):
        return _Refusing(AuthError(no_key(row)))
    return default_factory(info)


class _Refusing:
    """A ChatModel that fails every call with `error` (a provider the owner may not use)."""

    def __init__(self, error: ModelError) -> None:
        self.error = error

    async def stream(self, messages: Sequence[Message], *, tools: Sequence[ToolSpec] | None = None,
                     params: GenParams | None = None) -> AsyncIterator[ChatEvent]:
        raise self.error
        yield  # pragma: no cover - makes this an async generator


def _scripted(name: str) -> ChatModel:
    """Deterministic models for tests and demos without inference (AXWEB_SCRIPTED_MODELS=1):
    `scripted:<name>?delay=S&chunks=N` answers "<name>: <last user message>"; with
    `&tool=T&args=<json>` it first calls tool T, then answers "<name>: <tool result>"; with
    `&repeat=1` too it calls T again every turn."""
    from urllib.parse import parse_qs, urlsplit

    from agents.llm.providers.scripted import Reply, ScriptedModel

    parts = urlsplit(name)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    delay, chunks = float(query.get("delay", 0)), int(query.get("chunks", 3))

    def respond(messages: Any, tools: Any) -> Reply:
        again = query.get("repeat") == "1"  # a stuck agent: the same tool call every turn
        if query.get("tool") and (again or not any(m.role == "tool" for m in messages)):
            call = ToolCall("call-1", query["tool"], json.loads(query.get("args", "{}")))
            return Reply(tool_calls=(call,), delay=delay)
        last = next((m.content for m in reversed(messages) if m.role in ("user", "tool")), "")
        return Reply(text=f"{parts.path}: {last}", delay=delay, chunks=chunks, chunk_delay=delay / max(chunks, 1))

    return ScriptedModel(responder=respond)


_redis_limiter: Any = None


def _limiter() -> Any:
    global _redis_limiter
    if _redis_limiter is None:
        from agents.llm.limits import RedisLimiter

        _redis_limiter = RedisLimiter.from_env()
    return _redis_limiter


def router_for(owner_id: int) -> tuple[Router, list[CallRecord]]:
    calls: list[CallRecord] = []
    catalog = DatabaseCatalog.load(owner_id)
    router = Router(catalog=catalog, factory=_factory, limiter=_limiter(), on_call=calls.append)
    return router, calls


# -- context windows -----------------------------------------------------------------------

def _window(router: Router, refs: Sequence[str]) -> tuple[int | None, Any]:
    catalog = router.catalog
    if not isinstance(catalog, DatabaseCatalog):
        return None, estimate_tokens
    length, builtin = catalog.window(refs)
    return length, (builtin_tokens if builtin else estimate_tokens)


def _trim_note(on_token: OnToken, model: str, length: int) -> Callable[[Trim], Awaitable[None]]:
    async def note(trim: Trim) -> None:  # the trace shows it in the node's text
        await on_token(f"[{trim.describe(model, length)}]\n")
    return note


def fitted(model: ChatModel, router: Router, refs: Sequence[str], on_token: OnToken) -> ChatModel:
    """``model`` trimmed to the smallest context among ``refs`` (unchanged if none is registered)."""
    length, count = _window(router, refs)
    if length is None:
        return model
    return FittingModel(model, context_length=length, count=count, name=refs[0],
                        on_trim=_trim_note(on_token, refs[0], length))


# -- streaming helpers ---------------------------------------------------------------------

class StreamingModel:
    """A ChatModel that forwards each text delta to `on_token` as it passes through, and
    awaits `checkpoint` after each one (raising there closes the stream: generation stops)."""

    def __init__(self, inner: Any, on_token: OnToken, checkpoint: Checkpoint | None = None) -> None:
        self.inner, self.on_token, self.checkpoint = inner, on_token, checkpoint

    async def stream(self, messages: Sequence[Message], *, tools: Sequence[ToolSpec] | None = None,
                     params: GenParams | None = None) -> AsyncIterator[ChatEvent]:
        events = self.inner.stream(messages, tools=tools, params=params)
        try:
            async for event in events:
                if isinstance(event, TextDelta):
                    await self.on_token(event.text)
                    if self.checkpoint is not None:
                        await self.checkpoint()
                yield event
        finally:
            await _close(events)


async def _close(stream: AsyncIterator[ChatEvent]) -> None:
    """Close a provider stream we leave early, so its generation stops now, not at GC."""
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        await aclose()


def _params(params: dict[str, Any]) -> GenParams:
    allowed = {k: params[k] for k in ("max_tokens", "temperature", "top_p", "seed") if params.get(k) is not None}
    if params.get("stop"):
        allowed["stop"] = tuple(params["stop"])
    return GenParams(**allowed)


def _usage(calls: list[CallRecord], fallback: LlmUsage) -> Usage:
    if not calls:
        return Usage(fallback.input_tokens, fallback.output_tokens, 0.0)
    return Usage(sum(c.usage.input_tokens for c in calls), sum(c.usage.output_tokens for c in calls),
                 sum(c.cost for c in calls))


# -- what the run context calls ------------------------------------------------------------------

async def model_call(*, owner_id: int, model_ref: str, messages: list[dict[str, Any]], tools: Any,
                     params: dict[str, Any], fallback: str | None, on_token: OnToken,
                     checkpoint: Checkpoint | None = None) -> ModelResult:
    """One model call through the router; the prompt is trimmed to the model's context.
    `checkpoint` is awaited after each streamed delta (it raises to stop the call)."""
    router, calls = await sync_to_async(router_for)(owner_id)
    chat = [Message(role=m["role"], content=str(m.get("content", ""))) for m in messages]
    text: list[str] = []
    tool_calls: list[EngineToolCall] = []
    usage = LlmUsage(0, 0)
    fallbacks = (fallback,) if fallback else ()
    gen = _params(params)
    length, count = _window(router, (model_ref, *fallbacks))
    if length is not None:
        trim = await asyncio.to_thread(fit, chat, context_length=length, reply_tokens=gen.max_tokens,
                                       count=count, model=model_ref)
        if trim.dropped:
            await _trim_note(on_token, model_ref, length)(trim)
        chat = trim.messages
    events = router.stream(model_ref, chat, params=gen, fallbacks=fallbacks, cache=bool(params.get("cache")))
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
        await _close(events)
    return ModelResult("".join(text), tool_calls, _usage(calls, usage))


def _agents_of(owner_id: int) -> dict[str, Agent]:
    return {a.name: a for a in Agent.objects.filter(owner_id=owner_id).prefetch_related("tools")}


def _tool_specs(agent: Agent) -> tuple[ToolSpec, ...]:
    from tools.registry import builtin, tool_from_definition
    from tools.services import tool_definition

    tools = [builtin(name) for name in agent.builtin_tools]
    tools += [tool_from_definition(tool_definition(row)) for row in agent.tools.all()]
    return tuple(ToolSpec(t.name, t.description, t.input_schema) for t in tools)


def _team(owner_id: int, router: Router, on_token: OnToken, fallback: str | None,
          checkpoint: Checkpoint | None = None) -> dict[str, AgentSpec]:
    specs: dict[str, AgentSpec] = {}
    for name, agent in _agents_of(owner_id).items():
        fallbacks = tuple(agent.fallback_models or ()) + ((fallback,) if fallback else ())
        streaming = StreamingModel(router.model(agent.model, fallbacks=fallbacks,
                                                cache=bool(agent.parameters.get("cache"))), on_token,
                                   checkpoint)
        model = fitted(streaming, router, (agent.model, *fallbacks), on_token)
        specs[name] = AgentSpec(name=name, model=model, role=agent.role or "assistant",
                                system_prompt=agent.system_prompt, tools=_tool_specs(agent),
                                delegates=tuple(agent.parameters.get("delegates", ())),
                                max_steps=int(agent.parameters.get("max_steps", 6)),
                                params=_params(agent.parameters))
    return specs


async def agent_run(*, owner_id: int, agent_ref: str, prompt: str, fallback: str | None, run_id: str,
                    node_id: str, emit: Emit, tool_runner: ToolRunner,
                    checkpoint: Checkpoint | None = None) -> ModelResult:
    """Run the owner's agent `agent_ref` (its tools, delegates and model) on `prompt`.

    `checkpoint` is awaited between model turns and tool calls; it raises to stop the agent
    (the run context raises RunCancelled once the run is cancelled)."""
    router, calls = await sync_to_async(router_for)(owner_id)
    specs = await sync_to_async(_team)(owner_id, router, lambda t: emit("node.token", {"text": t}), fallback,
                                       checkpoint)
    if agent_ref not in specs:
        names = ", ".join(sorted(specs)) or "none yet"
        raise LookupError(f"There is no agent named '{agent_ref}'. Your agents: {names}.")
    counter = iter(range(1, 1_000_000))

    async def execute(call: ToolCall) -> str:
        key = f"{run_id}/{node_id}/call-{next(counter)}"
        await emit("node.tool_call", {"call_id": call.id, "tool": call.name, "arguments": dict(call.arguments)})
        try:
            result = await tool_runner(call.name, dict(call.arguments), key)
        except Exception as exc:
            await emit("node.tool_result", {"call_id": call.id, "result": None, "error": str(exc)})
            raise
        await emit("node.tool_result", {"call_id": call.id, "result": result, "error": None})
        return result if isinstance(result, str) else json.dumps(result, default=str)

    async def refused(call: ToolCall, error: str) -> None:  # the trace shows it as a failed tool call
        await emit("node.tool_call", {"call_id": call.id, "tool": call.name, "arguments": dict(call.arguments)})
        await emit("node.tool_result", {"call_id": call.id, "result": None, "error": error})

    team = AgentTeam(specs, executor=execute, checkpoint=checkpoint, on_refused=refused)
    result = await team.run(agent_ref, prompt)
    return ModelResult(result.text, [], _usage(calls, result.usage))

