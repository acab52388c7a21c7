"""Retry a database call through a transient error (a dropped connection, a locked SQLite).

A worker's connection can die under it (PostgreSQL restarted, `pg_terminate_backend`, a
network blip): the call fails with OperationalError or InterfaceError before anything was
written. Closing the connection and trying again (bounded, with backoff) keeps the run going
instead of failing it. Each attempt is its own transaction, so a half-done one rolled back.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import InterfaceError, OperationalError, connection

log = logging.getLogger(__name__)
TRANSIENT = (OperationalError, InterfaceError)
ATTEMPTS = 6
FIRST_BACKOFF_S = 0.1
MAX_BACKOFF_S = 2.0
T = TypeVar("T")


def call_retrying(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn(*args, **kwargs)`, again after a transient database error (at most ATTEMPTS times)."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return fn(*args, **kwargs)
        except TRANSIENT as exc:
            if (
                attempt == ATTEMPTS or connection.in_atomic_block
            ):  # an outer transaction is lost anyway
                raise
            log.warning(
                "database call %s failed (%s: %s); retry %d of %d",
                getattr(fn, "__name__", fn),
                type(exc).__name__,
                exc,
                attempt,
                ATTEMPTS - 1,
            )
            connection.close()  # this thread's connection: the next attempt opens a fresh one
            time.sleep(min(MAX_BACKOFF_S, FIRST_BACKOFF_S * 2 ** (attempt - 1)))
    raise AssertionError("unreachable")


def retrying(fn: Callable[..., T]) -> Callable[..., T]:
    """`fn` wrapped by call_retrying (for sync_to_async)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        return call_retrying(fn, *args, **kwargs)

    return wrapper
