"""The worker's batching window bounds how often a busy run commits; it never holds back the
first event after a quiet spell (the first token of an answer reaches the browser at once)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.db import database_sync_to_async as sync_to_async  # closes its connections

from tests.workflows.test_consumers import make_run, use_layer
from workflows.models import RunEvent
from workflows.runs import context

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]
HOUR = 3600.0


def stored(run: Any) -> list[tuple[str, str]]:
    rows = RunEvent.objects.filter(run=run).order_by("seq")
    return [(row.type, row.data.get("text", "")) for row in rows]


async def stored_soon(run: Any, count: int) -> list[tuple[str, str]]:
    """The stored events once there are `count` (the loop keeps running meanwhile)."""
    for _ in range(600):
        rows = await sync_to_async(stored)(run)
        if len(rows) >= count:
            return rows
        await asyncio.sleep(0.05)
    raise AssertionError(f"fewer than {count} events were stored")


@pytest.fixture
def hour_window(monkeypatch: Any, settings: Any) -> None:
    """A batching window of an hour: anything that waited for it would never be stored here."""
    use_layer("memory", settings)
    monkeypatch.setattr(context, "FLUSH_S", HOUR)


@pytest.mark.asyncio
async def test_the_first_token_after_a_quiet_spell_is_stored_without_waiting_for_the_window(
    owner, hour_window
):
    run = await sync_to_async(make_run)(owner)
    ctx = context.DjangoRunContext(run)
    await ctx.emit("node.token", "a", {"text": "Hello"})
    assert await stored_soon(run, 1) == [("node.token", "Hello")]
    await ctx.close()


@pytest.mark.asyncio
async def test_tokens_that_follow_a_flush_within_the_window_wait_and_coalesce_into_one_event(
    owner, hour_window
):
    run = await sync_to_async(make_run)(owner)
    ctx = context.DjangoRunContext(run)
    await ctx.emit("node.token", "a", {"text": "Hel"})
    await stored_soon(run, 1)
    for text in ("lo", ", ", "world"):
        await ctx.emit("node.token", "a", {"text": text})
    for _ in range(10):  # the loop runs, the window of an hour does not pass
        await asyncio.sleep(0.01)
    assert await sync_to_async(stored)(run) == [("node.token", "Hel")]
    await ctx.close()  # stores what queued, as one event
    assert await sync_to_async(stored)(run) == [
        ("node.token", "Hel"),
        ("node.token", "lo, world"),
    ]


@pytest.mark.asyncio
async def test_a_node_commit_stores_queued_tokens_at_once_whatever_the_window(owner, hour_window):
    from workflows.engine import NodeRecord

    run = await sync_to_async(make_run)(owner)
    ctx = context.DjangoRunContext(run)
    await ctx.emit("node.token", "a", {"text": "one"})
    await stored_soon(run, 1)
    await ctx.emit("node.token", "a", {"text": " two"})
    await ctx.node_committed("a", NodeRecord("a", "succeeded", {"out": "one two"}, {}))
    assert await sync_to_async(stored)(run) == [("node.token", "one"), ("node.token", " two")]
    await ctx.close()


@pytest.fixture
def commits(monkeypatch: Any, settings: Any) -> list[list[str]]:
    """The event types each commit of a run context stored, in commit order (the real
    window: FLUSH_S as shipped)."""
    use_layer("memory", settings)
    made: list[list[str]] = []
    real = context.run_store.events_and_record_commit

    def recording(run_id: Any, events: list[Any], record: Any, *rest: Any) -> Any:
        made.append([event[0] for event in events] + (["record"] if record else []))
        return real(run_id, events, record, *rest)

    monkeypatch.setattr(context.run_store, "events_and_record_commit", recording)
    return made


@pytest.mark.asyncio
async def test_a_node_start_is_committed_at_once_not_held_for_the_first_token(owner, commits):
    run = await sync_to_async(make_run)(owner)
    ctx = context.DjangoRunContext(run)
    await ctx.emit("node.started", "a", {})
    await asyncio.sleep(0.01)  # the loop runs: a quiet spell's event is on its way already
    await ctx.emit("node.token", "a", {"text": "Hi"})
    assert await stored_soon(run, 2) == [("node.started", ""), ("node.token", "Hi")]
    assert commits == [["node.started"], ["node.token"]]  # the trace showed the start at once
    await ctx.close()
