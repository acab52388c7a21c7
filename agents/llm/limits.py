"""Global per-``provider:model`` limits: requests per minute and concurrent calls.

``RedisLimiter`` shares both limits between every process through two Lua scripts (a
token bucket and a lease set, both timed by the Redis server clock so hosts may
disagree about the time). ``LocalLimiter`` is the same contract inside one process.
Callers wait for capacity up to ``max_wait`` seconds, then get RateLimited.
"""

from __future__ import annotations

import asyncio
import time
import uuid
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from agents.llm.base import RateLimited
from axweb.env import env_str

# KEYS[1] bucket hash; ARGV: capacity, refill per ms. Returns 0 (granted) or ms to wait.
TOKEN_BUCKET = """
local now_t = redis.call('TIME')
local now = tonumber(now_t[1]) * 1000 + math.floor(tonumber(now_t[2]) / 1000)
local cap = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1]) or cap
local ts = tonumber(b[2]) or now
tokens = math.min(cap, tokens + math.max(0, now - ts) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) / rate) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(cap / rate) + 1000)
return wait
"""

# KEYS[1] lease zset; ARGV: limit, lease id, lease ttl ms. Returns 1 (granted) or 0.
LEASE = """
local now_t = redis.call('TIME')
local now = tonumber(now_t[1]) * 1000 + math.floor(tonumber(now_t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) + 1000)
  return 1
end
return 0
"""


@dataclass(frozen=True)
class Limit:
    """rpm: requests per minute (bucket holds ``burst`` tokens, default rpm);
    max_concurrent: calls in flight. None means no limit."""

    rpm: int | None = None
    max_concurrent: int | None = None
    burst: int | None = None


class Limiter(Protocol):
    """``acquire(key, limit)`` is an async context manager held for the whole call.
    It waits for capacity and raises RateLimited if none frees up in time."""

    def acquire(self, key: str, limit: Limit) -> Any: ...


class RedisLimiter:
    """Limits shared through Redis by every process using the same ``prefix``."""

    def __init__(
        self,
        client: Any,
        prefix: str = "axweb:llm:limit:",
        max_wait: float = 30.0,
        lease_ttl: float = 600.0,
        poll: float = 0.05,
    ) -> None:
        self.client, self.prefix, self.max_wait = client, prefix, max_wait
        self.lease_ttl_ms, self.poll = int(lease_ttl * 1000), poll
        self._bucket = client.register_script(TOKEN_BUCKET)
        self._lease = client.register_script(LEASE)

    @classmethod
    def from_env(cls, **kw: Any) -> RedisLimiter:
        import redis.asyncio as aioredis

        return cls(aioredis.from_url(env_str("REDIS_URL", "redis://127.0.0.1:6379/0")), **kw)

    async def take_token(self, key: str, limit: Limit) -> float:
        """Try once: 0.0 if a request token was taken, else seconds until one is due."""
        assert limit.rpm is not None
        cap, rate = limit.burst or limit.rpm, limit.rpm / 60_000
        wait_ms = await self._bucket(keys=[f"{self.prefix}rate:{key}"], args=[cap, rate])
        return int(wait_ms) / 1000

    async def try_lease(self, key: str, limit: Limit, lease: str) -> bool:
        assert limit.max_concurrent is not None
        args = [limit.max_concurrent, lease, self.lease_ttl_ms]
        return bool(await self._lease(keys=[f"{self.prefix}conc:{key}"], args=args))

    async def _wait_token(self, key: str, limit: Limit, deadline: float) -> None:
        while (wait := await self.take_token(key, limit)) > 0:
            if time.monotonic() + wait > deadline:
                raise RateLimited(f"{key}: over {limit.rpm} requests/minute", retry_after=wait)
            await asyncio.sleep(wait)

    async def _wait_lease(self, key: str, limit: Limit, lease: str, deadline: float) -> None:
        while not await self.try_lease(key, limit, lease):
            if time.monotonic() + self.poll > deadline:
                raise RateLimited(f"{key}: {limit.max_concurrent} concurrent calls already running")
            await asyncio.sleep(self.poll)

    @asynccontextmanager
    async def acquire(self, key: str, limit: Limit) -> AsyncIterator[None]:
        deadline = time.monotonic() + self.max_wait
        lease = uuid.uuid4().hex
        if limit.rpm:
            await self._wait_token(key, limit, deadline)
        if limit.max_concurrent:
            await self._wait_lease(key, limit, lease, deadline)
        try:
            yield
        finally:
            if limit.max_concurrent:
                await asyncio.shield(self.client.zrem(f"{self.prefix}conc:{key}", lease))


class LocalLimiter:
    """The same limits within one process (no Redis)."""

    def __init__(self, max_wait: float = 30.0) -> None:
        self.max_wait = max_wait
        self._buckets: dict[str, tuple[float, float]] = {}
        self._semaphores: dict[str, asyncio.Semaphore] = {}

    def _take(self, key: str, limit: Limit) -> float:
        assert limit.rpm is not None
        cap, rate, now = float(limit.burst or limit.rpm), limit.rpm / 60.0, time.monotonic()
        tokens, ts = self._buckets.get(key, (cap, now))
        tokens = min(cap, tokens + (now - ts) * rate)
        wait = 0.0 if tokens >= 1 else (1 - tokens) / rate
        self._buckets[key] = (tokens - 1 if tokens >= 1 else tokens, now)
        return wait

    @asynccontextmanager
    async def acquire(self, key: str, limit: Limit) -> AsyncIterator[None]:
        deadline = time.monotonic() + self.max_wait
        while limit.rpm and (wait := self._take(key, limit)) > 0:
            if time.monotonic() + wait > deadline:
                raise RateLimited(f"{key}: over {limit.rpm} requests/minute", retry_after=wait)
            await asyncio.sleep(wait)
        if not limit.max_concurrent:
            yield
            return
        sem = self._semaphores.setdefault(key, asyncio.Semaphore(limit.max_concurrent))
        try:
            await asyncio.wait_for(sem.acquire(), max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            raise RateLimited(
                f"{key}: {limit.max_concurrent} concurrent calls already running"
            ) from None
        try:
            yield
        finally:
            sem.release()


class LoopLocalRedisLimiter:
    """A RedisLimiter per event loop, made on first use in it. A `redis.asyncio` client's
    connections belong to the loop that opened them, and a worker process runs several runs at
    once, each on its own loop (AXWEB_RUNS_PER_WORKER): one shared client would hand a
    connection of one loop to another."""

    def __init__(self, make: Any = None) -> None:
        self._make = make or RedisLimiter.from_env
        self._per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )

    def for_this_loop(self) -> Any:
        loop = asyncio.get_running_loop()
        limiter = self._per_loop.get(loop)
        if limiter is None:
            limiter = self._per_loop[loop] = self._make()
        return limiter

    def acquire(self, key: str, limit: Limit) -> Any:
        return self.for_this_loop().acquire(key, limit)
