from __future__ import annotations

import pytest

from agents.llm.base import (
    ChatModel,
    GenParams,
    Message,
    RateLimited,
    TextDelta,
    UnknownModel,
    Unreachable,
    Usage,
    complete,
)
from agents.llm.cache import MemoryCache
from agents.llm.catalog import InMemoryCatalog, ModelInfo
from agents.llm.providers.ollama import OllamaModel
from agents.llm.providers.scripted import Reply, ScriptedModel
from agents.llm.router import CallRecord, Router, default_factory

HI = [Message("user", "hi")]


def router_with(
    models: dict[str, ChatModel], catalog: InMemoryCatalog | None = None, **kw: object
) -> Router:
    return Router(catalog=catalog or InMemoryCatalog(), factory=lambda info: models[info.ref], **kw)  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_falls_back_to_the_next_model_when_a_provider_is_unreachable(dead_url: str) -> None:
    backup = ScriptedModel.of(["from the backup"])
    router = router_with(
        {"ollama:llama3": OllamaModel("llama3", host=dead_url), "scripted:backup": backup}
    )
    records: list[CallRecord] = []
    text = [
        e.text
        async for e in router.stream(
            "ollama:llama3", HI, on_call=records.append, fallbacks=["scripted:backup"]
        )
        if isinstance(e, TextDelta)
    ]
    assert "".join(text) == "from the backup"
    assert records[0].ref == "scripted:backup"
    assert records[0].attempts[0][0] == "ollama:llama3"
    assert "connect" in records[0].attempts[0][1].lower()


@pytest.mark.asyncio
@pytest.mark.parametrize("error", [RateLimited("slow down"), UnknownModel("no such model")])
async def test_rate_limited_and_unknown_models_also_fall_back(error: Exception) -> None:
    router = router_with(
        {
            "scripted:a": ScriptedModel.of([Reply(error=error)]),  # type: ignore[arg-type]
            "scripted:b": ScriptedModel.of(["b answers"]),
        }
    )
    result = await complete(router.model("scripted:a", fallbacks=["scripted:b"]), HI)
    assert result.text == "b answers"


@pytest.mark.asyncio
async def test_when_every_model_fails_the_error_lists_each_reason(dead_url: str) -> None:
    router = router_with(
        {
            "scripted:a": ScriptedModel.of([Reply(error=Unreachable("a down"))]),
            "scripted:b": ScriptedModel.of([Reply(error=Unreachable("b down"))]),
        }
    )
    with pytest.raises(Unreachable, match="scripted:a: a down; scripted:b: b down"):
        await complete(router.model("scripted:a", fallbacks=["scripted:b"]), HI)


@pytest.mark.asyncio
async def test_no_fallback_once_output_has_started() -> None:
    class BreaksMidway:
        async def stream(self, messages, *, tools=None, params=None):  # type: ignore[no-untyped-def]
            yield TextDelta("partial")
            raise Unreachable("connection dropped")

    backup = ScriptedModel.of(["never"])
    router = router_with({"x:broken": BreaksMidway(), "scripted:b": backup})  # type: ignore[dict-item]
    with pytest.raises(Unreachable, match="connection dropped"):
        await complete(router.model("x:broken", fallbacks=["scripted:b"]), HI)
    assert backup.calls == []


@pytest.mark.asyncio
async def test_a_tier_resolves_through_the_catalog_in_preference_order() -> None:
    catalog = InMemoryCatalog(
        [
            ModelInfo("scripted", "first", "cloud"),
            ModelInfo("scripted", "second", "cloud"),
            ModelInfo("scripted", "tiny", "local"),
        ]
    )
    first = ScriptedModel.of([Reply(error=Unreachable("down"))])
    router = router_with(
        {
            "scripted:first": first,
            "scripted:second": ScriptedModel.of(["2nd"]),
            "scripted:tiny": ScriptedModel.of(["tiny"]),
        },
        catalog,
    )
    assert [m.ref for m in router.resolve("cloud")] == ["scripted:first", "scripted:second"]
    assert (await complete(router.model("cloud"), HI)).text == "2nd"
    with pytest.raises(UnknownModel, match="tier 'compressed'"):
        router.resolve("compressed")
    with pytest.raises(UnknownModel, match="neither provider:model nor a tier"):
        router.resolve("gpt")


@pytest.mark.asyncio
async def test_a_cache_hit_skips_the_provider_and_costs_nothing() -> None:
    model = ScriptedModel.of([Reply("cached answer", usage=Usage(1000, 2000))])
    catalog = InMemoryCatalog([ModelInfo("scripted", "m", "cloud", 3.0, 15.0)])
    router = router_with({"scripted:m": model}, catalog, cache=MemoryCache())
    routed = router.model("scripted:m", cache=True)
    first = await complete(routed, HI, params=GenParams(seed=1))
    second = await complete(routed, HI, params=GenParams(seed=1))
    assert second == first and second.text == "cached answer"
    assert len(model.calls) == 1
    assert [(r.cached, r.cost) for r in routed.records] == [(False, 3.0 + 30.0), (True, 0.0)]


@pytest.mark.asyncio
async def test_the_cache_key_includes_messages_and_params() -> None:
    model = ScriptedModel.of(["one", "two", "three"])
    router = router_with({"scripted:m": model}, cache=MemoryCache())
    routed = router.model("scripted:m", cache=True)
    await complete(routed, HI)
    await complete(routed, [Message("user", "hello")])
    await complete(routed, HI, params=GenParams(temperature=0.7))
    assert len(model.calls) == 3


@pytest.mark.asyncio
async def test_without_opting_in_nothing_is_cached() -> None:
    model = ScriptedModel.of(["one", "two"])
    router = router_with({"scripted:m": model}, cache=MemoryCache())
    await complete(router.model("scripted:m"), HI)
    await complete(router.model("scripted:m"), HI)
    assert len(model.calls) == 2


def test_the_default_factory_builds_each_provider_and_refuses_unknown_ones() -> None:
    assert type(default_factory(ModelInfo("ollama", "llama3"))).__name__ == "OllamaModel"
    assert type(default_factory(ModelInfo("anthropic", "claude"))).__name__ == "AnthropicModel"
    assert type(default_factory(ModelInfo("builtin", "smollm2-135m"))).__name__ == "BuiltinModel"
    with pytest.raises(UnknownModel, match="unknown provider 'openai'"):
        default_factory(ModelInfo("openai", "gpt"))
