"""Follow one run's events as they happen: every stored event after `since`, then live ones
from the channel layer, until the run ends. For adapters that wait on a run (the MCP server,
the `run_workflow` command); the browser and SSE clients have their own streams.

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


class _Cursor:
    def __init__(self, since: int) -> None:
        self.last, self.done = since, False

    def take(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        taken = []
        for event in events:
            if event["seq"] <= self.last:
                continue
            if event["seq"] != self.last + 1:
                break
            self.last = event["seq"]
            taken.append(event)
            if event["type"] in TERMINAL_TYPES:
                self.done = True
                break
        return taken


async def _read_back(run_id: UUID | str, cursor: _Cursor) -> list[dict[str, Any]]:
    finished = await sync_to_async(_finished)(run_id)
    taken: list[dict[str, Any]] = []
    while not cursor.done:
        page = await sync_to_async(ev.events_after)(run_id, cursor.last, PAGE)
        taken += cursor.take(page)
        if len(page) < PAGE:
            break
    cursor.done = cursor.done or finished
    return taken


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
    cursor = _Cursor(since)
    try:
        for event in await _read_back(run_id, cursor):
            yield event
        while not cursor.done:
            try:
                message = await asyncio.wait_for(layer.receive(channel), poll_s)
            except TimeoutError:
                message = {}
            fresh = [e for e in message.get("events", []) if e["seq"] > cursor.last]
            live = fresh and fresh[0]["seq"] == cursor.last + 1
            for event in cursor.take(fresh) if live else await _read_back(run_id, cursor):
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
