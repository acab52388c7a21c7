"""RunHub: one subscription per run and process, each batch encoded once, no waiting to merge."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from workflows.runs.fanout import Batch, RunHub

RUN = "run-1"


class FakeLayer:
    """A channel layer with one subscriber; `publish` is what the worker's group_send does."""

    def __init__(self) -> None:
        self.published: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def new_channel(self) -> str:
        return "hub-channel"

    async def group_add(self, group: str, channel: str) -> None:
        pass

    async def group_discard(self, group: str, channel: str) -> None:
        pass

    async def receive(self, channel: str) -> dict[str, Any]:
        return await self.published.get()

    def publish(self, *seqs: int) -> None:
        self.published.put_nowait({"events": [{"seq": seq, "type": "node.token"} for seq in seqs]})


class Inbox:
    def __init__(self) -> None:
        self.inbox: asyncio.Queue[Batch] = asyncio.Queue()

    def batches(self) -> list[Batch]:
        got = []
        while not self.inbox.empty():
            got.append(self.inbox.get_nowait())
        return got


async def settle() -> None:
    """Let the hub's tasks run until they wait for the layer again (no clock involved)."""
    for _ in range(10):
        await asyncio.sleep(0)


def seqs(batch: Batch) -> list[int]:
    return [event["seq"] for event in batch[0]]


@pytest.mark.asyncio
async def test_a_widely_watched_run_fans_out_each_publish_without_waiting_for_more() -> None:
    layer, watchers = FakeLayer(), [Inbox() for _ in range(200)]
    hub = RunHub(layer)
    for watcher in watchers:
        await hub.join(RUN, watcher)
    layer.publish(1)
    await settle()
    layer.publish(2)  # right after the first fan-out: it goes out at once, not merged later
    await settle()
    try:
        assert all([seqs(b) for b in w.batches()] == [[1], [2]] for w in watchers)
    finally:
        for watcher in watchers:
            await hub.leave(RUN, watcher)


@pytest.mark.asyncio
async def test_publishes_that_queued_while_the_hub_was_busy_go_out_as_one_batch_encoded_once() -> (
    None
):
    layer, first, second = FakeLayer(), Inbox(), Inbox()
    hub = RunHub(layer)
    await hub.join(RUN, first)
    await hub.join(RUN, second)
    for seq in (1, 2, 3):  # all three wait in the layer before the hub's tasks run again
        layer.publish(seq)
    await settle()
    try:
        [batch] = first.batches()
        assert seqs(batch) == [1, 2, 3] and json.loads(batch[1]) == batch[0]
        [same] = second.batches()
        assert same is batch  # encoded once for every watcher
    finally:
        await hub.leave(RUN, first)
        await hub.leave(RUN, second)
