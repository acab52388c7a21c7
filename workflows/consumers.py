"""Live traces over websockets: backlog after `since`, then live events, no gap, no duplicate.

Protocol (docs/events.md): the client sends `{"type": "subscribe", "since": N}`; the server sends
`{"type": "events", "events": [...]}` frames in `seq` order and `{"type": "ping"}` every PING_S.
Every frame goes through `_deliver`, which drops what the client already has and, when the
next event is not `last_seq + 1` (a publish was lost, e.g. to a full channel), reads the gap
back from the database. The ping tick also checks the database, so a lost *last* publish is
recovered too. The worker never waits on a consumer: `group_send` drops messages for a full
channel instead of blocking, and the database stays the source of truth.

Fan-out: a process holds ONE channel-layer subscription per watched run (`RunHub`), encodes
each batch once and hands it to its local watchers' bounded inboxes. With the Redis layer, 200
watchers of a run in one web process cost one Redis message per batch, not 200; a watcher whose
inbox is full loses the batch and reads it back from the database. When PACE_FROM_WATCHERS or
more local clients watch a run, publishes arriving within PACE_S of its last fan-out are merged
(fewer, larger frames); a run watched by a few, or quiet, fans out at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from channels.db import database_sync_to_async as sync_to_async  # closes stale connections around each call
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.sockets import ClosesOnLogout
from axweb.ownership import owned
from workflows import events as ev
from workflows.models import Run

log = logging.getLogger(__name__)
PING_S = 20.0
BACKLOG_PAGE = 2000
INBOX_LIMIT = 1000  # batches; beyond it a watcher drops batches and reads them back
PACE_S = 0.05  # a widely watched run's publishes fan out at most every PACE_S; a quiet run's at once
PACE_FROM_WATCHERS = 16  # fewer local watchers than this: every publish fans out at once
CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404


def _may_watch(user: Any, run_id: str) -> bool:
    return owned(Run.objects.filter(pk=run_id), user).exists()


def _last_seq(run_id: str) -> int:
    return int(Run.objects.filter(pk=run_id).values_list("last_seq", flat=True).first() or 0)


def _since(content: dict[str, Any]) -> int:
    since = content.get("since", 0)
    return since if isinstance(since, int) and not isinstance(since, bool) and since >= 0 else 0


Batch = tuple[list[dict[str, Any]], str]  # (events, the same events encoded once as a JSON array)


def events_frame(arrays: list[str]) -> str:
    """One `{"type": "events"}` frame from several pre-encoded, non-empty JSON arrays."""
    return '{"type": "events", "events": [' + ", ".join(a[1:-1] for a in arrays) + "]}"


class RunHub:
    """Per process and event loop: one channel-layer subscription per run, fanned out locally."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.loop = asyncio.get_running_loop()
        self.watchers: dict[str, set[RunTraceConsumer]] = {}
        self.pumps: dict[str, asyncio.Task[None]] = {}
        self.ready: dict[str, asyncio.Future[str]] = {}

    async def join(self, run_id: str, watcher: RunTraceConsumer) -> None:
        """Returns once this process receives the run's publishes."""
        self.watchers.setdefault(run_id, set()).add(watcher)
        pump = self.pumps.get(run_id)
        if pump is None or pump.done():
            self.ready[run_id] = self.loop.create_future()
            self.pumps[run_id] = asyncio.create_task(self._pump(run_id))
        await asyncio.shield(self.ready[run_id])

    async def leave(self, run_id: str, watcher: RunTraceConsumer) -> None:
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
        received: asyncio.Queue[list[dict[str, Any]]] = asyncio.Queue()
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

    async def _paced(self, received: asyncio.Queue[list[dict[str, Any]]], until: float) -> list[dict[str, Any]]:
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

    async def _read(self, run_id: str, channel: str, received: asyncio.Queue[list[dict[str, Any]]]) -> None:
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


class RunTraceConsumer(ClosesOnLogout, AsyncJsonWebsocketConsumer):
    """`{"type": "subscribe", "since": N}` → `{"type": "events", "events": [...]}` frames."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        self.run_id = str(self.scope["url_route"]["kwargs"]["run_id"])
        self.last_seq: int | None = None  # None until the client subscribes
        self.lock = asyncio.Lock()  # one writer of last_seq: dispatch and the ping tick
        self.inbox: asyncio.Queue[Batch] = asyncio.Queue()
        self.tasks: list[asyncio.Task[None]] = []
        self.hub: RunHub | None = None
        await self.accept()
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED, reason="Sign in to watch runs.")
            return
        if not await sync_to_async(_may_watch)(user, self.run_id):
            await self.close(code=CLOSE_NOT_FOUND, reason="No such run, or it is not yours.")
            return
        await self.follow_session()
        self.hub = run_hub(self.channel_layer)
        await self.hub.join(self.run_id, self)
        self.tasks = [asyncio.create_task(self._ping()), asyncio.create_task(self._drain())]

    async def disconnect(self, code: int) -> None:
        for task in self.tasks:
            task.cancel()
        await self.unfollow_session()
        if self.hub is not None:
            await self.hub.leave(self.run_id, self)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if self.hub is None or not isinstance(content, dict) or content.get("type") != "subscribe":
            return  # "pong" and unknown frames are ignored
        async with self.lock:
            self.last_seq = _since(content)
            await self._read_back()

    async def _drain(self) -> None:
        """Publishes from the hub, in order. Batches that queued up while this client was
        being served go out as one frame: a busy server sends fewer, larger frames."""
        while True:
            batches = [await self.inbox.get()]
            while not self.inbox.empty():
                batches.append(self.inbox.get_nowait())
            async with self.lock:
                if self.last_seq is not None:  # before subscribe, the backlog read will include it
                    await self._deliver(batches)

    async def _deliver(self, batches: list[Batch]) -> None:
        assert self.last_seq is not None
        events = [e for batch in batches for e in batch[0]]
        fresh = [e for e in events if e["seq"] > self.last_seq]
        if not fresh:
            return
        if fresh[0]["seq"] != self.last_seq + 1 or any(
                b["seq"] != a["seq"] + 1 for a, b in zip(fresh, fresh[1:], strict=False)):
            await self._read_back()  # a publish was lost or reordered: the database has it all
        elif len(fresh) == len(events):  # the usual case: events the hub encoded once
            self.last_seq = events[-1]["seq"]
            await self.send(text_data=events_frame([batch[1] for batch in batches]))
        else:
            await self._send(fresh)

    async def _read_back(self) -> None:
        """Send every stored event after last_seq, page by page."""
        assert self.last_seq is not None
        while True:
            page = await sync_to_async(ev.events_after)(self.run_id, self.last_seq, BACKLOG_PAGE)
            await self._send(page)
            if len(page) < BACKLOG_PAGE:
                return

    async def _send(self, events: list[dict[str, Any]]) -> None:
        if events:
            self.last_seq = events[-1]["seq"]
            await self.send_json({"type": "events", "events": events})

    async def _ping(self) -> None:
        while True:
            await asyncio.sleep(PING_S)
            await self._tick()

    async def _tick(self) -> None:
        """Keep-alive, and recover a lost final publish (nothing would follow to reveal the gap)."""
        async with self.lock:
            if self.last_seq is not None and await sync_to_async(_last_seq)(self.run_id) > self.last_seq:
                await self._read_back()
            await self.send_json({"type": "ping"})


class RunListConsumer(ClosesOnLogout, AsyncJsonWebsocketConsumer):
    """The signed-in user's runs as they start, pause and finish: `{"type": "run", "run": {...}}`."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        await self.accept()
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED, reason="Sign in to watch runs.")
            return
        await self.follow_session()
        self.group = ev.user_runs_group(user.id)
        await self.channel_layer.group_add(self.group, self.channel_name)

    async def disconnect(self, code: int) -> None:
        await self.unfollow_session()
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Clients may answer pings; nothing else is expected."""

    async def run_changed(self, message: dict[str, Any]) -> None:
        await self.send_json({"type": "run", "run": message["run"]})
