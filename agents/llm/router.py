"""The router: model reference or tier -> provider model, with fallback, cache and limits.

A reference is ``provider:model`` (e.g. ``ollama:llama3.2``) or a tier name (``local``,
``cloud``, ``compressed``) resolved through a ModelCatalog into a preference-ordered
chain. A call tries the chain in order and moves on when a model is Unreachable,
RateLimited or UnknownModel *before it produced any output*. Each finished call is
reported as a ``CallRecord`` (model, usage, cost, latency, cache hit, failed attempts).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field

from agents.llm.base import (
    ChatEvent,
    ChatModel,
    GenParams,
    Message,
    ModelError,
    RateLimited,
    ToolSpec,
    UnknownModel,
    Unreachable,
    Usage,
)
from agents.llm.cache import CacheStore, cache_key, decode_events, encode_events
from agents.llm.catalog import ModelCatalog, ModelInfo, default_catalog
from agents.llm.limits import Limit, Limiter, LocalLimiter
from agents.llm.providers.table import TIERS, provider

RETRYABLE = (Unreachable, RateLimited, UnknownModel)

Factory = Callable[[ModelInfo], ChatModel]


@dataclass(frozen=True)
class CallRecord:
    """What one routed call cost and where it went."""

    ref: str
    usage: Usage
    cost: float
    latency_s: float
    cached: bool
    attempts: tuple[tuple[str, str], ...] = ()  # (ref, error) of skipped models


def default_factory(info: ModelInfo) -> ChatModel:
    """The provider table's class for ``info.provider``, built with the model's options."""
    row = provider(info.provider)
    if row is None:
        raise UnknownModel(f"unknown provider {info.provider!r} in {info.ref!r}")
    model: ChatModel = row.model_class()(info.name, **dict(info.options))
    return model


@dataclass
class Router:
    """Routes chat calls; see the module docstring. Safe to share between tasks."""

    catalog: ModelCatalog = field(default_factory=default_catalog)
    factory: Factory = default_factory
    limiter: Limiter = field(default_factory=LocalLimiter)
    cache: CacheStore | None = None
    cache_ttl: float = 3600.0
    on_call: Callable[[CallRecord], None] | None = None
    _models: dict[str, ChatModel] = field(default_factory=dict, repr=False)

    def resolve(self, ref: str, fallbacks: Sequence[str] = ()) -> list[ModelInfo]:
        """The chain of models to try for ``ref`` then each fallback reference."""
        chain: list[ModelInfo] = []
        for item in (ref, *fallbacks):
            for info in self._lookup(item):
                if info.ref not in {c.ref for c in chain}:
                    chain.append(info)
        return chain

    def _lookup(self, ref: str) -> list[ModelInfo]:
        if ref in TIERS:
            found = self.catalog.for_tier(ref)
            if not found:
                raise UnknownModel(f"no model is registered for tier {ref!r}")
            return found
        provider, sep, name = ref.partition(":")
        if not sep or not provider or not name:
            raise UnknownModel(
                f"model reference {ref!r} is neither provider:model nor a tier ({', '.join(TIERS)})"
            )
        return [self.catalog.get(ref) or ModelInfo(provider, name, tier="")]

    def _model(self, info: ModelInfo) -> ChatModel:
        if info.ref not in self._models:
            self._models[info.ref] = self.factory(info)
        return self._models[info.ref]

    def model(self, ref: str, *, fallbacks: Sequence[str] = (), cache: bool = False) -> RoutedModel:
        """A ChatModel bound to ``ref`` (handy for agents)."""
        return RoutedModel(self, ref, tuple(fallbacks), cache)

    async def stream(
        self,
        ref: str,
        messages: Sequence[Message],
        *,
        tools: Sequence[ToolSpec] | None = None,
        params: GenParams | None = None,
        fallbacks: Sequence[str] = (),
        cache: bool = False,
        on_call: Callable[[CallRecord], None] | None = None,
    ) -> AsyncIterator[ChatEvent]:
        params = params or GenParams()
        attempts: list[tuple[str, str]] = []
        last: ModelError | None = None
        for info in self.resolve(ref, fallbacks):
            call = _Call(self, info, messages, tools, params, cache)
            try:
                async for event in call.run():
                    yield event
            except RETRYABLE as exc:
                if call.started:
                    raise
                attempts.append((info.ref, str(exc)))
                last = exc
                continue
            self._report(call.record(tuple(attempts)), on_call)
            return
        kind: type[ModelError] = type(last) if last is not None else UnknownModel
        raise kind("every model failed: " + "; ".join(f"{r}: {e}" for r, e in attempts))

    def _report(self, record: CallRecord, on_call: Callable[[CallRecord], None] | None) -> None:
        for hook in (self.on_call, on_call):
            if hook is not None:
                hook(record)


class _Call:
    """One attempt on one model: cache lookup, limits, streaming, cache store."""

    def __init__(
        self,
        router: Router,
        info: ModelInfo,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec] | None,
        params: GenParams,
        use_cache: bool,
    ) -> None:
        self.router, self.info, self.messages, self.tools, self.params = (
            router,
            info,
            messages,
            tools,
            params,
        )
        self.use_cache = use_cache and router.cache is not None
        self.started = self.cached = False
        self.usage = Usage(0, 0)
        self.t0 = time.perf_counter()

    async def run(self) -> AsyncIterator[ChatEvent]:
        key = cache_key(self.info.ref, self.messages, self.tools, self.params)
        store = self.router.cache
        if self.use_cache and store is not None and (raw := await store.get(key)) is not None:
            self.cached = True
            for event in decode_events(raw):
                self._seen(event)
                yield event
            return
        events: list[ChatEvent] = []
        limit = Limit(self.info.rpm, self.info.max_concurrent)
        async with self.router.limiter.acquire(self.info.ref, limit):
            model = self.router._model(self.info)
            async for event in model.stream(self.messages, tools=self.tools, params=self.params):
                self.started = True
                self._seen(event)
                events.append(event)
                yield event
        if self.use_cache and store is not None:
            await store.set(key, encode_events(events), self.router.cache_ttl)

    def _seen(self, event: ChatEvent) -> None:
        if isinstance(event, Usage):
            self.usage = event

    def record(self, attempts: tuple[tuple[str, str], ...]) -> CallRecord:
        cost = (
            0.0
            if self.cached
            else self.info.cost(self.usage.input_tokens, self.usage.output_tokens)
        )
        return CallRecord(
            self.info.ref, self.usage, cost, time.perf_counter() - self.t0, self.cached, attempts
        )


@dataclass
class RoutedModel:
    """A ChatModel that routes every call through ``router`` with fixed options."""

    router: Router
    ref: str
    fallbacks: tuple[str, ...] = ()
    cache: bool = False
    records: list[CallRecord] = field(default_factory=list)

    def stream(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[ToolSpec] | None = None,
        params: GenParams | None = None,
    ) -> AsyncIterator[ChatEvent]:
        return self.router.stream(
            self.ref,
            messages,
            tools=tools,
            params=params,
            fallbacks=self.fallbacks,
            cache=self.cache,
            on_call=self.records.append,
        )
