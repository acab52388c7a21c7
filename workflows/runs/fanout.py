"""Fan-out: a process holds ONE channel-layer subscription per watched run (`RunHub`).

The hub encodes each batch once and hands it to its local watchers' bounded inboxes (the
watcher is workflows.runs.consumers.RunTraceConsumer). With the Redis layer, 200 watchers of
a run in one web process cost one Redis message per batch, not 200; a watcher whose inbox is
full loses the batch and reads it back from the database. When PACE_FROM_WATCHERS or more
local clients watch a run, publishes arriving within PACE_S of its last fan-out are merged
(fewer, larger frames); a run watched by a few, or quiet, fans out at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Protocol

from workflows.runs import events as ev

log = logging.getLogger(__name__)
INBOX_LIMIT = 1000  # batches; beyond it a watcher drops batches and reads them back
PACE_S = 0.05  # a widely watched run fans out at most every PACE_S; a quiet run's at once
PACE_FROM_WATCHERS = 16  # fewer local watchers than this: every publish fans out at once

Batch = tuple[list[dict[str, Any]], str]  # (events, the same events encoded once as a JSON array)
Received = asyncio.Queue[list[dict[str, Any]]]  # delivered by the layer, not fanned out yet


class Watcher(Protocol):
    """A local client of a run: the hub puts each batch in its inbox."""

    inbox: asyncio.Queue[Batch]


class RunHub:
    """Per process and event loop: one channel-layer subscription per run, fanned out locally."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.loop = asyncio.get_running_loop()
        self.watchers: dict[str, set[Watcher]] = {}
        self.pumps: dict[str, asyncio.Task[None]] = {}
        self.ready: dict[str, asyncio.Future[str]] = {}

    async def join(self, run_id: str, watcher: Watcher) -> None:
        """Returns once this process receives the run's publishes."""
        self.watchers.setdefault(run_id, set()).add(watcher)
        pump = self.pumps.get(run_id)
        if pump is None or pump.done():
            self.ready[run_id] = self.loop.create_future()
            self.pumps[run_id] = asyncio.create_task(self._pump(run_id))
        await asyncio.shield(self.ready[run_id])

    async def leave(self, run_id: str, watcher: Watcher) -> None:
        watchers = self.watchers.get(run_id, set())
        watchers.discard(watcher)
        if watchers or run_id not in self.pumps:
            return
        del self.watchers[run_id]
        self.pumps.pop(run_id).cancel()
        ready = self.ready.pop(run_id)
        if ready.done() and not ready.cancelled():
            await self.layer.group_discard(ev.run_group(run_id), ready.result())

    async def _pump(self, run_id: str) -> None:
        try:
            channel = await self.layer.new_channel()
            await self.layer.group_add(ev.run_group(run_id), channel)
        except Exception as exc:
            self.ready[run_id].set_exception(exc)
            raise
        self.ready[run_id].set_result(channel)
        received: Received = asyncio.Queue()
        reader = asyncio.create_task(self._read(run_id, channel, received))
        try:
            last = float("-inf")
            while True:
                pace = PACE_S if len(self.watchers.get(run_id, ())) >= PACE_FROM_WATCHERS else 0.0
                events = await self._paced(received, last + pace)
                self._fan_out((events, json.dumps(events)), run_id)
                last = self.loop.time()
        finally:
            reader.cancel()

    async def _paced(self, received: Received, until: float) -> list[dict[str, Any]]:
        """The next batch, merged with whatever is queued or arrives before `until`."""
        events = list(await received.get())
        while True:
            if not received.empty():
                events += received.get_nowait()
                continue
            wait = until - self.loop.time()
            if wait <= 0:
                return events
            try:
                events += await asyncio.wait_for(received.get(), wait)
            except TimeoutError:
                return events

    async def _read(self, run_id: str, channel: str, received: Received) -> None:
        """Never cancelled mid-message except at shutdown, so no publish is lost here."""
        while True:
            try:
                message = await self.layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # a broken layer connection: watchers still catch up on the ping tick
                log.exception("run %s: channel layer receive failed", run_id)
                await asyncio.sleep(1.0)
                continue
            if message.get("events"):
                received.put_nowait(message["events"])

    def _fan_out(self, batch: Batch, run_id: str) -> None:
        for watcher in list(self.watchers.get(run_id, ())):
            if watcher.inbox.qsize() < INBOX_LIMIT:
                watcher.inbox.put_nowait(batch)


_hub: RunHub | None = None


def run_hub(layer: Any) -> RunHub:
    global _hub
    if _hub is None or _hub.layer is not layer or _hub.loop is not asyncio.get_running_loop():
        _hub = RunHub(layer)
    return _hub
