"""Opt-in response cache: key = model + messages + tools + params; value = the reply.

Stores are pluggable (``CacheStore``): ``MemoryCache`` per process, ``RedisCache``
shared by every worker. A cached reply is replayed as the same ChatEvents.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any, Protocol

from agents.llm.base import (
    ChatEvent,
    Done,
    GenParams,
    Message,
    TextDelta,
    ToolCall,
    ToolSpec,
    Usage,
)


class CacheStore(Protocol):
    """Bytes by key with a time-to-live. ``get`` returns None on a miss."""

    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl: float) -> None: ...


class MemoryCache:
    """A per-process CacheStore (dict with expiry)."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[float, bytes]] = {}

    async def get(self, key: str) -> bytes | None:
        hit = self._data.get(key)
        if hit is None or hit[0] < time.monotonic():
            self._data.pop(key, None)
            return None
        return hit[1]

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        self._data[key] = (time.monotonic() + ttl, value)


class RedisCache:
    """A CacheStore in Redis (``redis.asyncio`` client), keys under ``prefix``."""

    def __init__(self, client: Any, prefix: str = "axweb:llm:cache:") -> None:
        self.client, self.prefix = client, prefix

    async def get(self, key: str) -> bytes | None:
        value = await self.client.get(self.prefix + key)
        return bytes(value) if value is not None else None

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        await self.client.set(self.prefix + key, value, px=max(1, int(ttl * 1000)))


def cache_key(
    ref: str, messages: Sequence[Message], tools: Sequence[ToolSpec] | None, params: GenParams
) -> str:
    """A stable digest of everything that determines the reply."""
    doc = {
        "model": ref,
        "messages": [asdict(m) for m in messages],
        "tools": [asdict(t) for t in tools or ()],
        "params": asdict(params),
    }
    raw = json.dumps(doc, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def encode_events(events: Sequence[ChatEvent]) -> bytes:
    out: list[dict[str, Any]] = []
    for e in events:
        out.append({"kind": type(e).__name__, **asdict(e)})
    return json.dumps(out).encode()


_KINDS: dict[str, Any] = {
    "TextDelta": TextDelta,
    "ToolCall": ToolCall,
    "Usage": Usage,
    "Done": Done,
}


def decode_events(raw: bytes) -> list[ChatEvent]:
    events: list[ChatEvent] = []
    for item in json.loads(raw):
        kind = _KINDS[item.pop("kind")]
        events.append(kind(**item))
    return events
