"""Server-sent events for API clients that cannot use websockets (resume with Last-Event-ID).

Frames are `id: <seq>`, `event: <type>`, `data: <envelope JSON>`. The stream sends every stored
event after `since`, then live ones from the channel layer; a missing `seq` (a lost publish) is
read back from the database, as is anything stored while no publish arrived for KEEPALIVE_S.
The stream ends after run.finished / run.failed / run.cancelled, or at once when the run has
already finished and the client has every event.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

from channels.layers import get_channel_layer

from workflows.runs import events as ev
from workflows.runs.follow import EventCursor

KEEPALIVE_S = 15.0
TERMINAL_TYPES = frozenset({"run.finished", "run.failed", "run.cancelled"})


def _frame(event: dict[str, Any]) -> str:
    return f"id: {event['seq']}\nevent: {event['type']}\ndata: {json.dumps(event)}\n\n"


async def sse_event_stream(run_id: UUID, since: int) -> AsyncIterator[str]:
    """Every event after `since`, then live ones; ends after the run has finished."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(ev.run_group(run_id), channel)
    cursor = EventCursor(run_id, since, TERMINAL_TYPES)
    try:
        yield "retry: 2000\n\n"
        for event in await cursor.read_back():
            yield _frame(event)
        while not cursor.done:
            try:
                message = await asyncio.wait_for(layer.receive(channel), KEEPALIVE_S)
            except TimeoutError:
                message = None
                yield ": keep-alive\n\n"
            events = cursor.live(message) if message else None
            for event in events if events is not None else await cursor.read_back():
                yield _frame(event)
    finally:
        await layer.group_discard(ev.run_group(run_id), channel)
