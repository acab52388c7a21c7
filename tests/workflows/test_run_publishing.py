"""The run context publishes committed events to the run's channel group: in order, after the
commit, and a channel layer that fails never fails the commit."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.db import database_sync_to_async as sync_to_async  # closes its connections
from channels.layers import get_channel_layer

from tests.workflows.test_consumers import make_run, seqs, use_layer
from workflows.models import RunEvent
from workflows.runs import events as ev

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]


@pytest.fixture(params=["memory", "redis"])
def layer(request: Any, settings: Any) -> str:
    return use_layer(str(request.param), settings)


async def drain_channel(layer_: Any, channel: str) -> list[dict[str, Any]]:
    """Every event already sent to `channel` (nothing more is waited for than a moment)."""
    got: list[dict[str, Any]] = []
    while True:
        try:
            message = await asyncio.wait_for(layer_.receive(channel), timeout=0.5)
        except TimeoutError:
            return got
        got.extend(message["events"])


@pytest.mark.asyncio
async def test_the_run_context_publishes_committed_events_in_order_and_close_waits_for_them(
    layer, owner
):
    from workflows.engine import NodeRecord
    from workflows.runs.context import DjangoRunContext

    run = await sync_to_async(make_run)(owner)
    channel_layer = get_channel_layer()
    channel = await channel_layer.new_channel()
    await channel_layer.group_add(ev.run_group(run.id), channel)
    ctx = DjangoRunContext(run)
    # thirty commits, each with its node's record, published off the commit path
    for i in range(30):
        await ctx.emit("node.started", f"n{i}", {"attempt": 1})
        await ctx.emit("node.finished", f"n{i}", {"output": {"out": i}})
        await ctx.node_committed(f"n{i}", NodeRecord(f"n{i}", "succeeded", {"out": i}, {}))
    await ctx.emit("run.finished", None, {})
    await ctx.close()
    # close returned after the last publish
    assert ctx._publisher is not None and ctx._publisher.done()
    published = await drain_channel(channel_layer, channel)
    assert seqs(published) == list(range(1, 62))
    assert await sync_to_async(lambda: run.node_runs.count())() == 30


@pytest.mark.asyncio
async def test_a_channel_layer_that_fails_does_not_fail_the_commit(owner, settings, caplog):
    from workflows.runs.context import DjangoRunContext

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }  # nothing listens on port 1
    run = await sync_to_async(make_run)(owner)
    ctx = DjangoRunContext(run)
    await ctx.emit("run.started", None, {})
    await ctx.close()
    stored = await sync_to_async(
        lambda: list(RunEvent.objects.filter(run=run).values_list("type", flat=True))
    )()
    assert stored == ["run.started"]
    assert "publishing events of run" in caplog.text
