from __future__ import annotations

import asyncio
import multiprocessing
import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
import redis
import redis.asyncio as aioredis

from agents.llm.base import RateLimited
from agents.llm.limits import Limit, LocalLimiter, RedisLimiter
from tests.agents.llm import limit_worker

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of our own, deleted afterwards."""
    name = f"axweb-test:{uuid.uuid4().hex}:"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{name}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest_asyncio.fixture
async def client() -> AsyncIterator[aioredis.Redis]:
    conn = aioredis.from_url(REDIS_URL)
    yield conn
    await conn.aclose()


def _run_two(target: object, *args: object) -> list[object]:
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=target, args=(REDIS_URL, *args, barrier, out)) for _ in range(2)]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    return results


def test_the_request_rate_limit_holds_across_two_processes(prefix: str) -> None:
    granted = _run_two(limit_worker.count_granted, prefix, 5, 6)
    assert sorted(granted) != [0, 0] and sum(granted) == 6  # type: ignore[arg-type]


def test_the_concurrency_limit_holds_across_two_processes(prefix: str) -> None:
    spans = sorted(s for part in _run_two(limit_worker.hold_leases, prefix, 3, 0.15) for s in part)  # type: ignore[attr-defined]
    assert len(spans) == 6
    assert all(prev[1] <= nxt[0] for prev, nxt in zip(spans, spans[1:], strict=False))


@pytest.mark.asyncio
async def test_a_caller_waits_for_the_next_token_instead_of_failing(
    client: aioredis.Redis, prefix: str
) -> None:
    limiter = RedisLimiter(client, prefix=prefix, max_wait=5)
    limit = Limit(rpm=600, burst=1)  # one token, the next after 0.1 s
    async with limiter.acquire("m", limit):
        pass
    assert await limiter.take_token("m", limit) > 0
    async with limiter.acquire("m", limit):  # waits ~0.1 s, then goes through
        pass


@pytest.mark.asyncio
async def test_a_crashed_holder_frees_its_lease_when_it_expires(
    client: aioredis.Redis, prefix: str
) -> None:
    limiter = RedisLimiter(client, prefix=prefix, max_wait=0, lease_ttl=0.2)
    limit = Limit(max_concurrent=1)
    assert await limiter.try_lease("m", limit, "crashed-worker")
    assert not await limiter.try_lease("m", limit, "other")
    await asyncio.sleep(0.3)
    assert await limiter.try_lease("m", limit, "other")


@pytest.mark.asyncio
async def test_the_local_limiter_refuses_beyond_the_concurrency_limit() -> None:
    limiter = LocalLimiter(max_wait=0.05)
    async with limiter.acquire("m", Limit(max_concurrent=1)):
        with pytest.raises(RateLimited, match="1 concurrent calls"):
            async with limiter.acquire("m", Limit(max_concurrent=1)):
                pass
    async with limiter.acquire("m", Limit(max_concurrent=1)):
        pass


@pytest.mark.asyncio
async def test_the_local_limiter_refuses_beyond_the_request_rate() -> None:
    limiter = LocalLimiter(max_wait=0)
    for _ in range(2):
        async with limiter.acquire("m", Limit(rpm=2)):
            pass
    with pytest.raises(RateLimited, match="over 2 requests/minute"):
        async with limiter.acquire("m", Limit(rpm=2)):
            pass


def test_runs_on_their_own_event_loops_at_once_each_get_a_redis_limiter_of_their_own(prefix):
    """A worker process executes several runs at once, each on its own loop in its own thread:
    the limiter's Redis connections must not cross from one loop to another."""
    import threading

    from agents.llm.limits import LoopLocalRedisLimiter

    made: list[RedisLimiter] = []

    def make() -> RedisLimiter:
        made.append(RedisLimiter(aioredis.from_url(REDIS_URL), prefix=prefix, poll=0.01))
        return made[-1]

    shared = LoopLocalRedisLimiter(make)
    errors: list[BaseException] = []

    async def calls() -> None:
        for _ in range(3):
            async with shared.acquire("scripted:m", Limit(max_concurrent=2)):
                await asyncio.sleep(0.02)
        assert shared.for_this_loop() is shared.for_this_loop()
        await shared.for_this_loop().client.aclose()

    def run() -> None:
        try:
            asyncio.run(calls())
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and len(made) == 2
