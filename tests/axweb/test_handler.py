"""The web server's request handler (axweb/handler.py): each request runs in one hop on a
long-lived thread of the process's pool, gives its database connection back before its response
is sent, and broadcasts from that thread without the server's event loop."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from channels.layers import get_channel_layer
from django.db import connections

from axweb import handler

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def one_thread(settings: Any) -> Any:
    """The handler with the test views and a pool of ONE thread (so the test can look at it)."""
    settings.ROOT_URLCONF = "tests.axweb.handler_urls"
    settings.AXWEB_WEB_THREADS = 1
    handler._pool = None
    yield handler.OneHopASGIHandler()
    if handler._pool is not None:
        handler._pool.shutdown(wait=True)
    handler._pool = None


async def _get(app: Any, path: str, query: str = "") -> tuple[int, bytes]:
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [(b"host", b"testserver")],
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 1234),
        "scheme": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
    }
    communicator = ApplicationCommunicator(app, scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    start = await communicator.receive_output(10)
    body = b""
    while True:
        message = await communicator.receive_output(10)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    await communicator.wait(10)
    return start["status"], body


def _pool_thread_connection_closed() -> bool:
    return (
        handler.request_threads().submit(lambda: connections["default"].connection is None).result()
    )


def test_requests_run_on_one_reused_pool_thread_and_give_their_connection_back(one_thread):
    first = json.loads(async_to_sync(_get)(one_thread, "/where/")[1])
    second = json.loads(async_to_sync(_get)(one_thread, "/where/")[1])
    assert first["pool"] is True and first["one"] == 1
    assert first["thread"] == second["thread"]  # not a new thread per request
    assert _pool_thread_connection_closed()  # request_finished ran in that thread


def test_a_streaming_response_is_streamed_and_the_pool_thread_connection_goes_back(one_thread):
    status, body = async_to_sync(_get)(one_thread, "/stream/")
    assert (status, body) == (200, b"a1")
    assert _pool_thread_connection_closed()


def test_an_unknown_path_is_answered_by_django(one_thread):
    status, _ = async_to_sync(_get)(one_thread, "/nowhere/")
    assert status == 404


def test_broadcasts_from_a_request_thread_arrive_in_order(one_thread):
    layer = get_channel_layer()
    assert type(layer).__module__.startswith("channels_redis."), (
        "needs the Redis channel layer: run under `python -m axweb.embedded_redis wrap --`"
    )
    group = f"test-handler-{uuid.uuid4().hex[:8]}"

    async def scenario() -> list[int]:
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        status, _ = await _get(one_thread, "/announce/", f"group={group}")
        assert status == 200
        return [(await layer.receive(channel))["n"] for _ in range(2)]

    assert async_to_sync(scenario)() == [1, 2]
