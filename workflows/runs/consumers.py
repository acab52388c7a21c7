"""Live traces over websockets: backlog after `since`, then live events, no gap, no duplicate.

Protocol (docs/events.md): the client sends `{"type": "subscribe", "since": N}`; the server sends
`{"type": "events", "events": [...]}` frames in `seq` order and `{"type": "ping"}` every PING_S.
Every frame goes through `_deliver`, which drops what the client already has and, when the
next event is not `last_seq + 1` (a publish was lost, e.g. to a full channel), reads the gap
back from the database. The ping tick also checks the database, so a lost *last* publish is
recovered too. The worker never waits on a consumer: `group_send` drops messages for a full
channel instead of blocking, and the database stays the source of truth.

Fan-out to the watchers of a run in this process: `RunHub` (workflows.runs.fanout).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from channels.db import (
    database_sync_to_async as sync_to_async,
)  # closes stale connections around each call
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.sockets import ClosesOnLogout
from axweb.ownership import owned
from workflows.models import Run
from workflows.runs import events as ev
from workflows.runs.fanout import Batch, RunHub, run_hub

log = logging.getLogger(__name__)
PING_S = 20.0
BACKLOG_PAGE = 2000
CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404


def _may_watch(user: Any, run_id: str) -> bool:
    return owned(Run.objects.filter(pk=run_id), user).exists()


def _last_seq(run_id: str) -> int:
    return int(Run.objects.filter(pk=run_id).values_list("last_seq", flat=True).first() or 0)


def _since(content: dict[str, Any]) -> int:
    since = content.get("since", 0)
    return since if isinstance(since, int) and not isinstance(since, bool) and since >= 0 else 0


def events_frame(arrays: list[str]) -> str:
    """One `{"type": "events"}` frame from several pre-encoded, non-empty JSON arrays."""
    return '{"type": "events", "events": [' + ", ".join(a[1:-1] for a in arrays) + "]}"


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
            b["seq"] != a["seq"] + 1 for a, b in zip(fresh, fresh[1:], strict=False)
        ):
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
            if (
                self.last_seq is not None
                and await sync_to_async(_last_seq)(self.run_id) > self.last_seq
            ):
                await self._read_back()
            await self.send_json({"type": "ping"})


class RunListConsumer(ClosesOnLogout, AsyncJsonWebsocketConsumer):
    """The signed-in user's runs as they start, pause and finish: `{"type": "run", "run":
    {...}}`."""

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
