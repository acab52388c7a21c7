"""Server-sent events for API clients that cannot use websockets (resume with Last-Event-ID)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer

from workflows import events as ev
from workflows.models import FINISHED_STATUSES, Run

KEEPALIVE_S = 15.0


def _frame(event: dict[str, Any]) -> str:
    return f"id: {event['seq']}\nevent: {event['type']}\ndata: {json.dumps(event)}\n\n"


def _finished(run_id: UUID) -> bool:
    return Run.objects.filter(pk=run_id, status__in=FINISHED_STATUSES).exists()


async def sse_event_stream(run_id: UUID, since: int) -> AsyncIterator[str]:
    """Every event after `since`, then live ones; ends after the run has finished."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(ev.run_group(run_id), channel)
    last = since
    try:
        yield "retry: 2000\n\n"
        while True:
            backlog = await sync_to_async(ev.events_after)(run_id, last, 1000)
            for event in backlog:
                last = event["seq"]
                yield _frame(event)
            if not backlog and await sync_to_async(_finished)(run_id):
                return
            try:
                message = await asyncio.wait_for(layer.receive(channel), KEEPALIVE_S)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            for event in message.get("events", []):
                if event["seq"] == last + 1:
                    last = event["seq"]
                    yield _frame(event)
    finally:
        await layer.group_discard(ev.run_group(run_id), channel)
