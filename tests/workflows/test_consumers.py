"""Live traces over websockets: no gap, no duplicate, across reconnects, lost publishes and both
layers."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest import mock
from uuid import uuid4

import pytest
from channels.db import database_sync_to_async as sync_to_async  # closes its connections
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client

from accounts.tickets import ws_ticket_issue
from accounts.tokens import api_token_create
from axweb.asgi import application
from tests.workflows.conftest import parallel_graph, wait_for
from workflows.models import Run, RunEvent
from workflows.runs import consumers, fanout
from workflows.runs import events as ev
from workflows.services import workflow_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]
# A host of the default ALLOWED_HOSTS: the origin validator reads it when axweb.asgi is imported,
# before the test environment adds Django's `testserver`.
ORIGIN = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]


def use_layer(kind: str, settings: Any) -> str:
    """Point Django at the in-memory channel layer or at Redis (a private prefix)."""
    if kind == "memory":
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    else:
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {
                    "hosts": [settings.REDIS_URL],
                    "prefix": f"test-{uuid4().hex[:10]}",
                    "capacity": 5000,
                },
            }
        }
    return kind


@pytest.fixture(params=["memory", "redis"])
def layer(request: Any, settings: Any) -> str:
    return use_layer(str(request.param), settings)


def make_run(owner: Any) -> Run:
    workflow = workflow_create(
        owner=owner, name=f"Watched {uuid4().hex[:6]}", graph=parallel_graph()
    )
    return Run.objects.create(
        owner=owner, workflow=workflow, version=workflow.versions.get(), status="running"
    )


def tokens(run: Run, count: int, start: int = 0) -> list[ev.Pending]:
    return [("node.token", "a", {"text": f"t{start + i} "}) for i in range(count)]


def append(run: Run, items: list[ev.Pending]) -> Any:
    """events_append on a thread of its own, its publish hopping back to the test's loop."""
    return sync_to_async(ev.events_append, thread_sensitive=False)(run.id, items)


def token_for(user: Any) -> str:
    """A new API token's secret (for HTTP: `Authorization: Bearer …`)."""
    return api_token_create(user=user, name="test")[1]


def ticket_for(user: Any) -> str:
    """A single-use websocket ticket (what POST /api/auth/ws-ticket/ answers)."""
    return ws_ticket_issue(user=user)


async def connect(run_id: Any, user: Any, since: int | None = 0) -> WebsocketCommunicator:
    ticket = await sync_to_async(ticket_for)(user)
    comm = WebsocketCommunicator(application, f"/ws/runs/{run_id}/?ticket={ticket}", headers=ORIGIN)
    connected, _ = await comm.connect()
    assert connected
    if since is not None:
        await comm.send_json_to({"type": "subscribe", "since": since})
    return comm


async def receive_until(
    comm: WebsocketCommunicator, last: int, timeout: float = 20
) -> list[dict[str, Any]]:
    """Every event frame's events until `last` arrives (pings are skipped)."""
    got: list[dict[str, Any]] = []
    while not got or got[-1]["seq"] < last:
        frame = await comm.receive_json_from(timeout=timeout)
        if frame["type"] == "events":
            got.extend(frame["events"])
    return got


def seqs(events: list[dict[str, Any]]) -> list[int]:
    return [e["seq"] for e in events]


@pytest.mark.asyncio
async def test_a_client_that_reconnects_with_since_gets_the_rest_with_no_gap_and_no_duplicate(
    layer, owner
):
    run = await sync_to_async(make_run)(owner)
    await append(
        run, [("run.started", None, {}), ("node.started", "a", {"attempt": 1}), *tokens(run, 3)]
    )
    first = await connect(run.id, owner)  # mid-run: five events are already stored
    seen = await receive_until(first, 5)
    await append(run, tokens(run, 3, 3))  # live
    seen += await receive_until(first, 8)
    await first.disconnect()
    await append(
        run, [*tokens(run, 2, 6), ("node.finished", "a", {"output": {"out": "x"}})]
    )  # missed
    second = await connect(run.id, owner, since=seen[-1]["seq"])
    seen += await receive_until(second, 11)
    await append(run, [("run.finished", None, {"outputs": {}})])
    seen += await receive_until(second, 12)
    await second.disconnect()
    assert seqs(seen) == list(range(1, 13))
    assert seen[-1]["type"] == "run.finished" and seen[-1]["run"] == str(run.id)


@pytest.mark.asyncio
async def test_events_published_while_the_backlog_is_sent_arrive_once_and_in_order(layer, owner):
    run = await sync_to_async(make_run)(owner)
    await append(run, tokens(run, consumers.BACKLOG_PAGE + 500))  # two backlog pages
    real_events_after = ev.events_after

    def events_after_with_writes(
        run_id: Any, since: int, limit: int | None = None
    ) -> list[dict[str, Any]]:
        ev.events_append(run_id, tokens(run, 2, since))  # lands between the backlog pages
        return real_events_after(run_id, since, limit)

    async def producer() -> None:
        for i in range(40):
            await append(run, tokens(run, 1, 10_000 + i))
            await asyncio.sleep(0.005)

    with mock.patch.object(ev, "events_after", events_after_with_writes):
        comm = await connect(run.id, owner)
        writer = asyncio.create_task(producer())
        await writer
    last = await sync_to_async(lambda: Run.objects.get(pk=run.pk).last_seq)()
    got = await receive_until(comm, last)
    await comm.disconnect()
    assert seqs(got) == list(range(1, last + 1))
    assert last >= consumers.BACKLOG_PAGE + 500 + 40 + 4


def append_without_publishing(run: Run, items: list[ev.Pending]) -> None:
    with mock.patch.object(ev, "broadcast_on_commit"):
        ev.events_append(run.id, items)


@pytest.mark.asyncio
async def test_a_lost_publish_is_read_back_from_the_database(layer, owner):
    run = await sync_to_async(make_run)(owner)
    comm = await connect(run.id, owner)
    await append(run, tokens(run, 2))
    got = await receive_until(comm, 2)
    await sync_to_async(append_without_publishing)(run, tokens(run, 3, 2))  # 3..5 never published
    await append(run, tokens(run, 1, 5))  # 6 reveals the gap
    got += await receive_until(comm, 6)
    await comm.disconnect()
    assert seqs(got) == [1, 2, 3, 4, 5, 6]
    assert [e["data"]["text"] for e in got[2:]] == ["t2 ", "t3 ", "t4 ", "t5 "]


@pytest.mark.asyncio
async def test_a_lost_final_publish_is_recovered_on_the_ping_tick(layer, owner, monkeypatch):
    monkeypatch.setattr(consumers, "PING_S", 0.2)
    run = await sync_to_async(make_run)(owner)
    comm = await connect(run.id, owner)
    await append(run, [("run.started", None, {})])
    got = await receive_until(comm, 1)  # subscribed and live
    await sync_to_async(append_without_publishing)(run, [("run.finished", None, {"outputs": {}})])
    got += await receive_until(comm, 2)
    await comm.disconnect()
    assert [(e["seq"], e["type"]) for e in got] == [(1, "run.started"), (2, "run.finished")]


@pytest.mark.asyncio
async def test_the_server_pings_and_accepts_pongs(layer, owner, monkeypatch):
    monkeypatch.setattr(consumers, "PING_S", 0.1)
    run = await sync_to_async(make_run)(owner)
    comm = await connect(run.id, owner, since=None)
    assert await comm.receive_json_from(timeout=5) == {"type": "ping"}
    await comm.send_json_to({"type": "pong"})
    assert await comm.receive_json_from(timeout=5) == {"type": "ping"}
    await comm.disconnect()


@pytest.mark.asyncio
async def test_a_subscriber_of_a_finished_run_gets_the_whole_trace(layer, owner):
    run = await sync_to_async(make_run)(owner)
    await append(
        run, [("run.started", None, {}), ("run.finished", None, {"outputs": {"answer": 1}})]
    )
    comm = await connect(run.id, owner)
    got = await receive_until(comm, 2)
    assert await comm.receive_nothing(timeout=0.3)
    await comm.disconnect()
    assert [e["type"] for e in got] == ["run.started", "run.finished"]


async def refused(path: str, headers: list[tuple[bytes, bytes]] = ORIGIN) -> dict[str, Any]:
    comm = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await comm.connect()
    assert connected  # accepted first, so that browsers can read the close code and reason
    closed = await comm.receive_output(timeout=5)
    await comm.wait()
    return dict(closed)


@pytest.mark.asyncio
async def test_an_anonymous_client_is_closed_with_4401(layer, owner):
    run = await sync_to_async(make_run)(owner)
    closed = await refused(f"/ws/runs/{run.id}/")
    assert closed["type"] == "websocket.close" and closed["code"] == 4401
    assert "Sign in" in closed["reason"]
    assert (await refused(f"/ws/runs/{run.id}/?token=not-a-token"))["code"] == 4401
    assert (await refused("/ws/runs/"))["code"] == 4401


@pytest.mark.asyncio
async def test_another_users_run_and_an_unknown_run_are_closed_with_4404(layer, owner, other):
    run = await sync_to_async(make_run)(owner)
    for run_id in (run.id, uuid4()):
        ticket = await sync_to_async(ticket_for)(other)
        closed = await refused(f"/ws/runs/{run_id}/?ticket={ticket}")
        assert closed["code"] == 4404
        assert "not yours" in closed["reason"]


@pytest.mark.asyncio
async def test_staff_may_watch_any_run(layer, owner, staff):
    run = await sync_to_async(make_run)(owner)
    await append(run, [("run.started", None, {})])
    comm = await connect(run.id, staff)
    assert seqs(await receive_until(comm, 1)) == [1]
    await comm.disconnect()


def session_cookie(user: Any) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


@pytest.mark.asyncio
async def test_the_session_cookie_authenticates_like_a_ticket(layer, owner):
    run = await sync_to_async(make_run)(owner)
    await append(run, [("run.started", None, {})])
    cookie = await sync_to_async(session_cookie)(owner)
    comm = WebsocketCommunicator(
        application, f"/ws/runs/{run.id}/", headers=[*ORIGIN, (b"cookie", cookie)]
    )
    assert (await comm.connect())[0]
    await comm.send_json_to({"type": "subscribe", "since": 0})
    assert seqs(await receive_until(comm, 1)) == [1]
    await comm.disconnect()


@pytest.mark.asyncio
async def test_the_run_list_socket_reports_status_changes_of_my_runs_only(layer, owner, other):
    mine, theirs = await sync_to_async(make_run)(owner), await sync_to_async(make_run)(other)
    ticket = await sync_to_async(ticket_for)(owner)
    comm = WebsocketCommunicator(application, f"/ws/runs/?ticket={ticket}", headers=ORIGIN)
    assert (await comm.connect())[0]
    await sync_to_async(ev.run_broadcast_status)(await sync_to_async(Run.objects.get)(pk=theirs.pk))
    await sync_to_async(ev.run_broadcast_status)(await sync_to_async(Run.objects.get)(pk=mine.pk))
    frame = await comm.receive_json_from(timeout=5)
    assert frame["type"] == "run" and frame["run"]["id"] == str(mine.id)
    assert frame["run"]["status"] == "running"
    assert await comm.receive_nothing(timeout=0.3)
    await comm.disconnect()


@pytest.mark.asyncio
async def test_a_client_follows_a_real_worker_run_across_a_reconnect(
    celery_worker, settings, owner
):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [settings.REDIS_URL]},
        }
    }  # the worker's layer
    from workflows.runs import services as run_services

    workflow = await sync_to_async(workflow_create)(
        owner=owner, name="Live", graph=parallel_graph(delay=1.5)
    )
    run = await sync_to_async(run_services.run_start)(
        owner=owner, workflow=workflow, inputs={"question": "q"}
    )
    await sync_to_async(wait_for)(
        lambda: RunEvent.objects.filter(run=run, type="node.started").exists(), 90
    )
    first = await connect(run.id, owner)  # mid-run
    got = await receive_until(first, 1)
    await first.disconnect()
    second = await connect(run.id, owner, since=got[-1]["seq"])
    while got[-1]["type"] != "run.finished":
        frame = await second.receive_json_from(timeout=60)
        if frame["type"] == "events":
            got.extend(frame["events"])
    await second.disconnect()
    stored = await sync_to_async(
        lambda: list(RunEvent.objects.filter(run=run).values_list("seq", flat=True))
    )()
    assert seqs(got) == stored == list(range(1, len(stored) + 1))
    assert {"node.token", "node.finished"} <= {e["type"] for e in got}


@pytest.mark.asyncio
async def test_watchers_of_one_run_share_a_subscription_and_one_leaving_does_not_stop_the_others(
    layer, owner
):
    run = await sync_to_async(make_run)(owner)
    first, second = await connect(run.id, owner), await connect(run.id, owner)
    await append(run, tokens(run, 2))
    assert seqs(await receive_until(first, 2)) == seqs(await receive_until(second, 2)) == [1, 2]
    hub = fanout.run_hub(get_channel_layer())
    assert len(hub.watchers[str(run.id)]) == 2 and len(hub.pumps) == 1
    await first.disconnect()
    await append(run, tokens(run, 1, 2))
    assert seqs(await receive_until(second, 3)) == [3]
    await second.disconnect()
    assert str(run.id) not in hub.pumps and str(run.id) not in hub.watchers


@pytest.mark.asyncio
async def test_a_watcher_whose_inbox_is_full_reads_the_dropped_batches_back(
    layer, owner, monkeypatch
):
    monkeypatch.setattr(fanout, "INBOX_LIMIT", 0)  # every publish is dropped for every watcher
    monkeypatch.setattr(consumers, "PING_S", 0.2)
    run = await sync_to_async(make_run)(owner)
    comm = await connect(run.id, owner)
    for i in range(3):
        await append(run, tokens(run, 1, i))
    got = await receive_until(comm, 3)
    await comm.disconnect()
    assert seqs(got) == [1, 2, 3]
