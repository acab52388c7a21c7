"""The models registry over the database, as the router sees it for one owner: provider info
(hosts, the owner's own keys), the model factory (scripted and compressed builtin models), and
``router_for``, the owner's router with its call records."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from agents.llm.base import (
    AuthError,
    ChatEvent,
    ChatModel,
    GenParams,
    Message,
    ModelError,
    ToolCall,
    ToolSpec,
)
from agents.llm.catalog import ModelInfo
from agents.llm.providers import table
from agents.llm.providers.table import Provider
from agents.llm.router import CallRecord, Router, default_factory
from agents.models import ModelEntry
from axweb.env import env_bool, env_str


def no_key(row: Provider) -> str:
    return (
        f"{row.name}: you have no {row.label} API key. Store your own key on the "
        f"Credentials page (the server's {row.credential} serves other users only when "
        "the operator sets AXWEB_SHARE_SERVER_KEYS=true)."
    )


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
    return ModelInfo(
        entry.provider,
        entry.name,
        entry.tier,
        float(entry.cost_in_per_1k),
        float(entry.cost_out_per_1k),
        entry.config.get("rpm"),
        entry.config.get("max_concurrent"),
        tuple(options.items()),
    )


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
        infos = [
            i
            for ref in refs
            for i in ([self.entries[ref]] if ref in self.entries else self.tiers.get(ref, []))
        ]
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

    async def stream(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[ToolSpec] | None = None,
        params: GenParams | None = None,
    ) -> AsyncIterator[ChatEvent]:
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
        return Reply(
            text=f"{parts.path}: {last}",
            delay=delay,
            chunks=chunks,
            chunk_delay=delay / max(chunks, 1),
        )

    return ScriptedModel(responder=respond)


_redis_limiter: Any = None


def _limiter() -> Any:
    global _redis_limiter
    if _redis_limiter is None:
        from agents.llm.limits import LoopLocalRedisLimiter

        _redis_limiter = LoopLocalRedisLimiter()  # the runs of a worker each have their own loop
    return _redis_limiter


def router_for(owner_id: int) -> tuple[Router, list[CallRecord]]:
    calls: list[CallRecord] = []
    catalog = DatabaseCatalog.load(owner_id)
    router = Router(catalog=catalog, factory=_factory, limiter=_limiter(), on_call=calls.append)
    return router, calls
