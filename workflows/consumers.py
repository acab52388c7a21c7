"""Live traces over websockets: backlog after `since`, then live events, no gap, no duplicate."""

from __future__ import annotations

import asyncio
from typing import Any

from asgiref.sync import sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from axweb.ownership import owned
from workflows import events as ev
from workflows.models import Run

PING_S = 20.0
CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_FOUND = 4404


def _may_watch(user: Any, run_id: str) -> bool:
    return owned(Run.objects.filter(pk=run_id), user).exists()


class RunTraceConsumer(AsyncJsonWebsocketConsumer):
    """`{"type": "subscribe", "since": N}` → `{"type": "events", "events": [...]}` frames."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        self.run_id = self.scope["url_route"]["kwargs"]["run_id"]
        self.last_seq: int | None = None
        self.live: list[dict[str, Any]] = []
        self.ping_task: asyncio.Task[None] | None = None
        await self.accept()
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED, reason="Sign in to watch runs.")
            return
        if not await sync_to_async(_may_watch)(user, self.run_id):
            await self.close(code=CLOSE_NOT_FOUND, reason="No such run, or it is not yours.")
            return
        await self.channel_layer.group_add(ev.run_group(self.run_id), self.channel_name)
        self.ping_task = asyncio.create_task(self._ping())

    async def disconnect(self, code: int) -> None:
        if self.ping_task:
            self.ping_task.cancel()
        await self.channel_layer.group_discard(ev.run_group(self.run_id), self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or content.get("type") != "subscribe":
            return
        since = content.get("since", 0)
        await self._catch_up(since if isinstance(since, int) and since >= 0 else 0)

    async def _catch_up(self, since: int) -> None:
        self.last_seq = since
        while True:
            backlog = await sync_to_async(ev.events_after)(self.run_id, self.last_seq, 2000)
            await self._send(backlog)
            if len(backlog) < 2000:
                break
        pending, self.live = self.live, []
        await self._send([e for e in pending if e["seq"] > self.last_seq])

    async def run_events(self, message: dict[str, Any]) -> None:
        if self.last_seq is None:  # not subscribed yet: keep until the backlog is sent
            self.live.extend(message["events"])
            return
        fresh = [e for e in message["events"] if e["seq"] > self.last_seq]
        if fresh and fresh[0]["seq"] != self.last_seq + 1:  # missed a publish: read the gap back
            fresh = await sync_to_async(ev.events_after)(self.run_id, self.last_seq)
        await self._send(fresh)

    async def _send(self, events: list[dict[str, Any]]) -> None:
        if events:
            self.last_seq = events[-1]["seq"]
            await self.send_json({"type": "events", "events": events})

    async def _ping(self) -> None:
        while True:
            await asyncio.sleep(PING_S)
            await self.send_json({"type": "ping"})


class RunListConsumer(AsyncJsonWebsocketConsumer):
    """The signed-in user's runs as they start, pause and finish: `{"type": "run", "run": {...}}`."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        await self.accept()
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED, reason="Sign in to watch runs.")
            return
        self.group = ev.user_runs_group(user.id)
        await self.channel_layer.group_add(self.group, self.channel_name)

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def run_changed(self, message: dict[str, Any]) -> None:
        await self.send_json({"type": "run", "run": message["run"]})
