"""Side effects after commit: publish to a channel-layer group once the row is durable."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from axweb.handler import in_request_thread

log = logging.getLogger(__name__)
_thread = threading.local()


def _thread_loop() -> asyncio.AbstractEventLoop:
    """This thread's own event loop (and so its own channel-layer connections), kept."""
    loop: asyncio.AbstractEventLoop | None = getattr(_thread, "loop", None)
    if loop is None:
        loop = _thread.loop = asyncio.new_event_loop()
    return loop


def broadcast_now(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        if in_request_thread() and type(layer).__module__.startswith("channels_redis."):
            # Sent from the request's thread: async_to_sync would hand it to the server's event
            # loop and wait until that loop, busy with every other connection, got to it. (Redis
            # layers keep connections per loop; the in-memory one serves one loop only.)
            _thread_loop().run_until_complete(layer.group_send(group, message))
        else:
            async_to_sync(layer.group_send)(group, message)
    except Exception:  # a dead channel layer must never fail the write that was committed
        log.exception("broadcast to %s failed", group)


def broadcast_on_commit(group: str, message: dict[str, Any]) -> None:
    """Send `message` to `group` after the current transaction commits (now if none)."""
    transaction.on_commit(lambda: broadcast_now(group, message))
