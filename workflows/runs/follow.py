"""Follow one run's events as they happen: every stored event after `since`, then live ones
from the channel layer, until the run ends. For adapters that wait on a run (the MCP server,
the `run_workflow` command). `EventCursor` is shared with the SSE stream (sse.py); the
browser's websocket consumer has its own.

A publish that does not follow the last event seen (a lost message), or a silence of
`poll_s`, is answered by reading the stored events back, so nothing is skipped.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

from channels.db import database_sync_to_async as sync_to_async
from channels.layers import get_channel_layer

from workflows.models import FINISHED_STATUSES, Run, RunStatus
from workflows.runs import events as ev

TERMINAL_TYPES = frozenset({"run.finished", "run.failed", "run.cancelled", "run.paused"})
UNSETTLED = (RunStatus.QUEUED, RunStatus.RUNNING)
SETTLE_WAIT_S = 30.0
PAGE = 1000


def _finished(run_id: UUID | str) -> bool:
    return Run.objects.filter(pk=run_id, status__in=FINISHED_STATUSES).exists()


def _settled(run_id: UUID | str) -> bool:
    return not Run.objects.filter(pk=run_id, status__in=UNSETTLED).exists()


class EventCursor:
    """What a follower has passed on: the `last` seq, and whether a terminal event went out.

    Stored events are the truth and are taken as read; a live publish is taken only when it
    follows `last` (otherwise `live` returns None and the caller reads back instead)."""

    def __init__(self, run_id: UUID | str, since: int, terminal: frozenset[str]) -> None:
        self.run_id, self.last, self.done, self.terminal = run_id, since, False, terminal

    def take(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        taken = []
        for event in events:
            self.last = event["seq"]
            taken.append(event)
            if event["type"] in self.terminal:
                self.done = True
                break
        return taken

    async def read_back(self) -> list[dict[str, Any]]:
        """Stored events after `last`. A run found finished first has all its events stored."""
        finished = await sync_to_async(_finished)(self.run_id)
        taken: list[dict[str, Any]] = []
        while not self.done:
            page = await sync_to_async(ev.events_after)(self.run_id, self.last, PAGE)
            taken += self.take(page)
            if len(page) < PAGE:
                break
        self.done = self.done or finished
        return taken

    def live(self, message: dict[str, Any]) -> list[dict[str, Any]] | None:
        """The events of a publish; None when they do not follow `last` (read back instead)."""
        fresh = [e for e in message.get("events", []) if e["seq"] > self.last]
        contiguous = all(e["seq"] == self.last + i for i, e in enumerate(fresh, start=1))
        return self.take(fresh) if contiguous else None


async def run_events_follow(
    run_id: UUID | str, since: int = 0, poll_s: float = 2.0
) -> AsyncIterator[dict[str, Any]]:
    """The run's event envelopes in `seq` order, ending after its terminal event (or pause)
    once the run's row says so too (its status is committed just after that event)."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    owner_id = await sync_to_async(_owner_of)(run_id)
    groups = (ev.run_group(run_id), ev.user_runs_group(owner_id))
    for group in groups:
        await layer.group_add(group, channel)
    cursor = EventCursor(run_id, since, TERMINAL_TYPES)
    try:
        for event in await cursor.read_back():
            yield event
        while not cursor.done:
            try:
                message = await asyncio.wait_for(layer.receive(channel), poll_s)
            except TimeoutError:
                message = {}
            live = cursor.live(message) if message.get("events") else None
            for event in live if live is not None else await cursor.read_back():
                yield event
        await _settle(layer, channel, run_id)
    finally:
        for group in groups:
            await layer.group_discard(group, channel)


def _owner_of(run_id: UUID | str) -> int:
    return int(Run.objects.values_list("owner_id", flat=True).get(pk=run_id))


async def _settle(layer: Any, channel: str, run_id: UUID | str) -> None:
    """Wait (woken by the owner's run.changed broadcasts) until the run's status is stored."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_WAIT_S
    while not await sync_to_async(_settled)(run_id) and loop.time() < deadline:
        try:
            await asyncio.wait_for(layer.receive(channel), 0.05)
        except TimeoutError:
            pass


async def run_settled(run_id: UUID | str, timeout_s: float = SETTLE_WAIT_S) -> None:
    """Wait until the run's status is stored: it is committed just after its terminal event, so
    a reader that saw that event (the SSE stream ending) may still find the row running."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not await sync_to_async(_settled)(run_id) and loop.time() < deadline:
        await asyncio.sleep(0.02)
