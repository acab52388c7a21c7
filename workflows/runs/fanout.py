"""Fan-out: a process holds ONE channel-layer subscription per watched run (`RunHub`).

The hub encodes each batch once and hands it to its local watchers' bounded inboxes (the
watcher is workflows.runs.consumers.RunTraceConsumer). With the Redis layer, 200 watchers of
a run in one web process cost one Redis message per batch, not 200; a watcher whose inbox is
full loses the batch and reads it back from the database.

Every publish fans out as soon as the hub's task runs; publishes that arrived meanwhile (the
process was busy sending the previous batch) go out with it as one batch. The hub waits for
nothing: the worker already commits a run's events at most every 20 ms (FLUSH_S in
workflows.runs.context), and merging only what queued up makes frames larger exactly when the
process falls behind. (It used to wait up to 50 ms to merge more for runs with 16 or more local
watchers; with a publish every ~50 ms that wait carried over from one event to the next and
was most of the 200-watcher latency: docs/performance.md, "Live traces".)
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Protocol

from workflows.runs import events as ev

log = logging.getLogger(__name__)
INBOX_LIMIT = 1000  # batches; beyond it a watcher drops batches and reads them back

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
            while True:
                events = list(await received.get())
                while not received.empty():  # arrived while the last batch went out: merged
                    events += received.get_nowait()
                self._fan_out((events, json.dumps(events)), run_id)
        finally:
            reader.cancel()

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
