"""Code run in child processes by test_limits (importable under the spawn start method)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from agents.llm.base import RateLimited
from agents.llm.limits import Limit, RedisLimiter


def _limiter(url: str, prefix: str, max_wait: float) -> tuple[Any, RedisLimiter]:
    import redis.asyncio as aioredis

    client = aioredis.from_url(url)
    return client, RedisLimiter(client, prefix=prefix, max_wait=max_wait, poll=0.01)


def count_granted(url: str, prefix: str, attempts: int, rpm: int, barrier: Any, out: Any) -> None:
    """Try ``attempts`` calls without waiting; report how many were let through."""

    async def main() -> int:
        client, limiter = _limiter(url, prefix, max_wait=0)
        granted = 0
        barrier.wait()
        for _ in range(attempts):
            try:
                async with limiter.acquire("scripted:m", Limit(rpm=rpm)):
                    granted += 1
            except RateLimited:
                pass
        await client.aclose()
        return granted

    out.put(asyncio.run(main()))


def hold_leases(url: str, prefix: str, calls: int, hold: float, barrier: Any, out: Any) -> None:
    """Make ``calls`` calls limited to one at a time; report each (start, end) time."""

    async def main() -> list[tuple[float, float]]:
        client, limiter = _limiter(url, prefix, max_wait=30)
        spans = []
        barrier.wait()
        for _ in range(calls):
            async with limiter.acquire("scripted:m", Limit(max_concurrent=1)):
                start = time.time()
                await asyncio.sleep(hold)
                spans.append((start, time.time()))
        await client.aclose()
        return spans

    out.put(asyncio.run(main()))
