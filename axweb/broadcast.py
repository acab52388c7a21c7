"""Side effects after commit: publish to a channel-layer group once the row is durable."""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)


def broadcast_now(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:  # a dead channel layer must never fail the write that was committed
        log.exception("broadcast to %s failed", group)


def broadcast_on_commit(group: str, message: dict[str, Any]) -> None:
    """Send `message` to `group` after the current transaction commits (now if none)."""
    transaction.on_commit(lambda: broadcast_now(group, message))
