"""Views for tests/axweb/test_handler.py: where a request ran, and what it left behind."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator

from asgiref.sync import sync_to_async
from django.db import connection
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.urls import path

from axweb.broadcast import broadcast_now
from axweb.handler import in_request_thread


def _select_one() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return int(cursor.fetchone()[0])


def where(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "thread": threading.get_ident(),
            "pool": in_request_thread(),
            "one": _select_one(),
        }
    )


def stream(request: HttpRequest) -> StreamingHttpResponse:
    _select_one()

    async def parts() -> AsyncIterator[bytes]:
        yield b"a"
        yield str(await sync_to_async(_select_one)()).encode()  # the request's context thread

    return StreamingHttpResponse(parts())


def announce(request: HttpRequest) -> JsonResponse:
    broadcast_now(request.GET["group"], {"type": "test.message", "n": 1})
    broadcast_now(request.GET["group"], {"type": "test.message", "n": 2})
    return JsonResponse({"ok": True})


urlpatterns = [
    path("where/", where),
    path("stream/", stream),
    path("announce/", announce),
]
