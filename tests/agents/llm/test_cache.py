from __future__ import annotations

import asyncio
import os
import uuid

import pytest
import redis.asyncio as aioredis

from agents.llm.base import Done, GenParams, Message, TextDelta, ToolCall, Usage, complete
from agents.llm.cache import MemoryCache, RedisCache, cache_key, decode_events, encode_events
from agents.llm.catalog import InMemoryCatalog
from agents.llm.providers.scripted import Reply, ScriptedModel
from agents.llm.router import Router

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def test_events_survive_encoding() -> None:
    events = [TextDelta("hi"), ToolCall("c1", "add", {"a": [1, 2]}), Usage(3, 4), Done("tool_use")]
    assert decode_events(encode_events(events)) == events


def test_the_key_changes_with_model_messages_tools_and_params() -> None:
    base = cache_key("a:m", [Message("user", "hi")], None, GenParams())
    assert base == cache_key("a:m", [Message("user", "hi")], None, GenParams())
    assert (
        len(
            {
                base,
                cache_key("a:n", [Message("user", "hi")], None, GenParams()),
                cache_key("a:m", [Message("user", "ho")], None, GenParams()),
                cache_key("a:m", [Message("user", "hi")], None, GenParams(seed=2)),
            }
        )
        == 4
    )


@pytest.mark.asyncio
async def test_memory_entries_expire() -> None:
    cache = MemoryCache()
    await cache.set("k", b"v", ttl=0.05)
    assert await cache.get("k") == b"v"
    await asyncio.sleep(0.1)
    assert await cache.get("k") is None


@pytest.mark.asyncio
async def test_a_redis_cache_hit_skips_the_provider_across_routers() -> None:
    client = aioredis.from_url(REDIS_URL)
    prefix = f"axweb-test:{uuid.uuid4().hex}:"
    try:
        first_model = ScriptedModel.of([Reply("from redis", usage=Usage(5, 2))])
        second_model = ScriptedModel.of([])

        def router(model: ScriptedModel) -> Router:
            return Router(
                catalog=InMemoryCatalog(),
                factory=lambda info: model,
                cache=RedisCache(client, prefix=prefix),
            )

        one = await complete(
            router(first_model).model("scripted:m", cache=True), [Message("user", "q")]
        )
        two = await complete(
            router(second_model).model("scripted:m", cache=True), [Message("user", "q")]
        )
        assert one == two and two.text == "from redis"
        assert second_model.calls == []
        assert (
            await client.pttl(
                prefix + cache_key("scripted:m", [Message("user", "q")], None, GenParams())
            )
            > 0
        )
    finally:
        keys = [k async for k in client.scan_iter(f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
