"""The shared counters of the webhook door, in one Redis round trip per call: a signature
seen before is a replay, and calls past the trigger's per-minute limit wait. Redis (the cache's
server) is shared by every web process, so the limit and the replay memory are too."""

from __future__ import annotations

import time
from functools import cache

import redis
from django.conf import settings

from workflows.triggers.signing import Unauthorized


class RateLimited(Exception):
    def __init__(self, limit: int, retry_after: int) -> None:
        super().__init__(
            f"This webhook accepts {limit} calls a minute; try again in {retry_after} s."
        )
        self.retry_after = retry_after


@cache
def _client(url: str) -> redis.Redis[bytes]:
    return redis.Redis.from_url(url)


def gate_pass(trigger_id: str, limit_per_min: int, signature: str | None) -> None:
    """Raise Unauthorized for a replayed signature, RateLimited past the limit (a fixed
    one-minute window)."""
    now = time.time()
    rate_key = f"axweb:webhook-rate:{trigger_id}:{int(now // 60)}"
    pipe = _client(settings.CACHES["default"]["LOCATION"]).pipeline(transaction=False)
    if signature:
        sig_key = f"axweb:webhook-sig:{trigger_id}:{signature}"
        pipe.set(sig_key, 1, nx=True, ex=settings.AXWEB_WEBHOOK_TOLERANCE_S * 2)
    pipe.incr(rate_key)
    pipe.expire(rate_key, 120)
    results = pipe.execute()
    if signature and not results[0]:
        raise Unauthorized("This signature was already used; sign each request anew.")
    if results[-2] > limit_per_min:
        raise RateLimited(limit_per_min, 60 - int(now) % 60)
