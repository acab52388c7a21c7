"""Failed sign-ins counted per username and per client address, shared by every web process (cache).

Each counter lives in a fixed window that opens at its first failure (AXWEB_LOGIN_WINDOW_S). A
username or address at its limit is refused (429 + Retry-After) until its window closes, even
with the right password. A successful sign-in clears its username's counter, never an address's:
an attacker with one valid account cannot reset the count of their guesses at others.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])


def _fail_open(fn: F) -> F:
    """A cache outage (e.g. Redis restarting) must not turn every sign-in into a 500: while the
    cache is unreachable, counting pauses and nobody is throttled; the error is logged."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception:
            log.exception("login throttle: the cache is unreachable; not counting or throttling")
            return None

    return wrapper  # type: ignore[return-value]


def client_ip(request: HttpRequest | None) -> str:
    """REMOTE_ADDR, or the address AXWEB_TRUSTED_PROXIES proxies in front of us saw."""
    if request is None:
        return "unknown"
    proxies = settings.AXWEB_TRUSTED_PROXIES
    forwarded = [
        a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
    ]
    if proxies > 0 and len(forwarded) >= proxies:
        return str(forwarded[-proxies])
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def _key(kind: str, value: str) -> str:
    return f"login-fail:{kind}:{hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]}"


def _counters(ip: str, username: str) -> list[tuple[str, int]]:
    return [
        (_key("user", username), settings.AXWEB_LOGIN_FAILURES_PER_USERNAME),
        (_key("ip", ip), settings.AXWEB_LOGIN_FAILURES_PER_IP),
    ]


@_fail_open
def login_blocked_for(*, ip: str, username: str) -> int | None:
    """Seconds until this username and address may try again; None when they may now."""
    waits = []
    for key, limit in _counters(ip, username):
        opened: Any = cache.get(f"{key}:opened")
        if opened is not None and int(cache.get(key) or 0) >= limit:
            waits.append(
                max(1, math.ceil(float(opened) + settings.AXWEB_LOGIN_WINDOW_S - time.time()))
            )
    return max(waits) if waits else None


@_fail_open
def login_failure_record(*, ip: str, username: str) -> None:
    window = settings.AXWEB_LOGIN_WINDOW_S
    for key, _limit in _counters(ip, username):
        cache.add(f"{key}:opened", time.time(), window)
        cache.add(key, 0, window)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, window)


@_fail_open
def login_success_record(*, username: str) -> None:
    key = _key("user", username)
    cache.delete_many([key, f"{key}:opened"])


def throttled_message(wait: int) -> str:
    return (
        f"Too many failed sign-ins for this username or from this address. "
        f"Try again in {wait} seconds."
    )
