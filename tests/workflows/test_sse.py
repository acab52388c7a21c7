"""GET /api/runs/<id>/events/stream/: server-sent events that resume with Last-Event-ID."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from channels.db import database_sync_to_async as sync_to_async  # closes its connections
from django.test import AsyncClient

from tests.workflows.test_consumers import (
    append,
    append_without_publishing,
    make_run,
    token_for,
    tokens,
)
from tests.workflows.test_consumers import layer as layer  # noqa: PLC0414 - a fixture
from workflows.models import Run
from workflows.runs import follow, sse

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


def parse(body: str) -> list[dict[str, Any]]:
    """The event frames of an SSE body as {id, event, data}; comments and retry lines skipped."""
    frames = []
    for block in body.split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in block.splitlines() if line and not line.startswith(":")
        )
        if "id" in fields:
            frames.append(
                {
                    "id": int(fields["id"]),
                    "event": fields["event"],
                    "data": json.loads(fields["data"]),
                }
            )
    return frames


async def stream(user: Any, path: str, **headers: str) -> Any:
    """GET with `Authorization: Bearer` (per request: AsyncClient mangles client-wide headers)."""
    key = await sync_to_async(token_for)(user)
    return await AsyncClient().get(path, headers={"Authorization": f"Bearer {key}", **headers})


async def read_stream(response: Any) -> list[dict[str, Any]]:
    chunks = [c.decode() if isinstance(c, bytes) else c async for c in response.streaming_content]
    return parse("".join(chunks))


def finish(run: Run) -> None:
    Run.objects.filter(pk=run.pk).update(status="succeeded")


async def finished_run(owner: Any) -> Run:
    run = await sync_to_async(make_run)(owner)
    await append(
        run, [("run.started", None, {}), *tokens(run, 4), ("run.finished", None, {"outputs": {}})]
    )
    await sync_to_async(finish)(run)
    return run


@pytest.mark.asyncio
async def test_a_finished_run_streams_everything_after_last_event_id_and_ends(layer, owner):
    run = await finished_run(owner)
    response = await stream(owner, f"/api/runs/{run.id}/events/stream/", **{"Last-Event-ID": "2"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/event-stream")
    frames = await read_stream(response)
    assert [f["id"] for f in frames] == [3, 4, 5, 6]
    assert [f["event"] for f in frames][-1] == "run.finished"
    assert all(f["data"]["seq"] == f["id"] and f["data"]["run"] == str(run.id) for f in frames)


@pytest.mark.asyncio
async def test_a_client_that_has_everything_gets_an_empty_stream_that_ends(layer, owner):
    run = await finished_run(owner)
    resumed = await stream(owner, f"/api/runs/{run.id}/events/stream/", **{"Last-Event-ID": "6"})
    assert resumed.status_code == 204  # tells EventSource to stop reconnecting
    assert (
        await read_stream(await stream(owner, f"/api/runs/{run.id}/events/stream/?since=6")) == []
    )
    frames = await read_stream(await stream(owner, f"/api/runs/{run.id}/events/stream/?since=4"))
    assert [f["id"] for f in frames] == [5, 6]


@pytest.mark.asyncio
async def test_live_events_follow_the_backlog_and_the_stream_ends_with_the_run(layer, owner):
    run = await sync_to_async(make_run)(owner)
    await append(run, [("run.started", None, {}), *tokens(run, 2)])
    response = await stream(owner, f"/api/runs/{run.id}/events/stream/", **{"Last-Event-ID": "1"})
    reader = asyncio.create_task(read_stream(response))
    await asyncio.sleep(0.3)
    await append(run, tokens(run, 2, 2))
    await sync_to_async(append_without_publishing)(run, tokens(run, 1, 4))  # a lost publish ...
    await append(run, tokens(run, 1, 5))  # ... revealed by the next one
    await append(run, [("run.finished", None, {"outputs": {}})])
    frames = await asyncio.wait_for(reader, 20)
    assert [f["id"] for f in frames] == [2, 3, 4, 5, 6, 7, 8]
    assert frames[-1]["event"] == "run.finished"


@pytest.mark.asyncio
async def test_a_run_that_finished_while_nothing_was_published_still_ends_the_stream(
    layer, owner, monkeypatch
):
    monkeypatch.setattr(sse, "KEEPALIVE_S", 0.2)
    run = await sync_to_async(make_run)(owner)
    reader = asyncio.create_task(
        read_stream(await stream(owner, f"/api/runs/{run.id}/events/stream/"))
    )
    await asyncio.sleep(0.3)
    await sync_to_async(append_without_publishing)(run, [("run.cancelled", None, {})])
    frames = await asyncio.wait_for(reader, 20)
    assert [(f["id"], f["event"]) for f in frames] == [(1, "run.cancelled")]


@pytest.mark.asyncio
async def test_other_users_get_404_and_anonymous_clients_are_refused(layer, owner, other):
    run = await finished_run(owner)
    response = await stream(other, f"/api/runs/{run.id}/events/stream/")
    assert response.status_code == 404
    response = await AsyncClient().get(f"/api/runs/{run.id}/events/stream/")
    assert response.status_code in (401, 403)  # 401 once the lead puts TokenAuthentication first


@pytest.mark.asyncio
async def test_a_session_login_may_stream_too(layer, owner):
    run = await finished_run(owner)
    client = AsyncClient()
    await client.aforce_login(owner)
    frames = await read_stream(await client.get(f"/api/runs/{run.id}/events/stream/"))
    assert [f["id"] for f in frames] == [1, 2, 3, 4, 5, 6]


@pytest.mark.asyncio
async def test_run_settled_waits_until_the_status_after_the_terminal_event_is_stored(owner):
    """A reader that saw run.finished (the SSE stream ended) can still find the row running:
    the worker commits the status just after the event. run_settled waits for it."""
    run = await sync_to_async(make_run)(owner)

    async def finish_later() -> None:
        await asyncio.sleep(0.3)
        await sync_to_async(Run.objects.filter(pk=run.id).update)(status="succeeded")

    finishing = asyncio.ensure_future(finish_later())
    await follow.run_settled(run.id, timeout_s=10)
    status = await sync_to_async(lambda: Run.objects.get(pk=run.id).status)()
    await finishing
    assert status == "succeeded"
