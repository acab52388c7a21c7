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

from channels.db import (
    database_sync_to_async as sync_to_async,
)  # closes stale connections around each call
from channels.layers import get_channel_layer

from workflows.models import FINISHED_STATUSES, Run
from workflows.runs import events as ev

KEEPALIVE_S = 15.0
PAGE = 1000
TERMINAL_TYPES = frozenset({"run.finished", "run.failed", "run.cancelled"})


def _frame(event: dict[str, Any]) -> str:
    return f"id: {event['seq']}\nevent: {event['type']}\ndata: {json.dumps(event)}\n\n"


def _finished(run_id: UUID) -> bool:
    return Run.objects.filter(pk=run_id, status__in=FINISHED_STATUSES).exists()


def _contiguous(events: list[dict[str, Any]], last: int) -> bool:
    return all(e["seq"] == last + i for i, e in enumerate(events, start=1))


class _Cursor:
    """What this stream has sent: `last` seq, and whether a terminal event went out."""

    def __init__(self, run_id: UUID, since: int) -> None:
        self.run_id, self.last, self.done = run_id, since, False

    def take(self, events: list[dict[str, Any]]) -> list[str]:
        frames = []
        for event in events:
            self.last = event["seq"]
            frames.append(_frame(event))
            if event["type"] in TERMINAL_TYPES:
                self.done = True
                break
        return frames

    async def read_back(self) -> list[str]:
        """Stored events after `last`. A run found finished first has all its events stored."""
        finished = await sync_to_async(_finished)(self.run_id)
        frames: list[str] = []
        while not self.done:
            page = await sync_to_async(ev.events_after)(self.run_id, self.last, PAGE)
            frames += self.take(page)
            if len(page) < PAGE:
                break
        self.done = self.done or finished
        return frames

    def live(self, message: dict[str, Any]) -> list[str] | None:
        """Frames for a publish; None when it does not follow `last` (read back instead)."""
        fresh = [e for e in message.get("events", []) if e["seq"] > self.last]
        return self.take(fresh) if _contiguous(fresh, self.last) else None


async def sse_event_stream(run_id: UUID, since: int) -> AsyncIterator[str]:
    """Every event after `since`, then live ones; ends after the run has finished."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(ev.run_group(run_id), channel)
    cursor = _Cursor(run_id, since)
    try:
        yield "retry: 2000\n\n"
        for frame in await cursor.read_back():
            yield frame
        while not cursor.done:
            try:
                message = await asyncio.wait_for(layer.receive(channel), KEEPALIVE_S)
            except TimeoutError:
                message = None
                yield ": keep-alive\n\n"
            frames = cursor.live(message) if message else None
            for frame in frames if frames is not None else await cursor.read_back():
                yield frame
    finally:
        await layer.group_discard(ev.run_group(run_id), channel)
