"""Django's ASGI handler with the whole request in ONE hop to a long-lived worker thread.

Django's own ASGI handler builds the middleware chain in async mode. Every middleware of ours
is a `MiddlewareMixin` (Django's, WhiteNoise), whose async mode runs each `process_request` /
`process_response` through `sync_to_async`, and WhiteNoise (sync only) turns the rest of the
chain back into `async_to_sync`: about a dozen hand-offs between the event loop and a thread per
request, each a wake-up of both under the GIL. Here the chain is built in sync mode, as under
WSGI, and everything a request does in Python - the `request_started` signal, middleware, DRF,
SQL, and for an ordinary response its `close()` (`request_finished`: the database connection
goes back to its pool) - runs in one hop; only the bytes are sent from the event loop.

Django also starts a new thread for every request (a `ThreadSensitiveContext` each), and the
event loop waits in `Thread.start()` until that thread has run: under load, a stall of the loop
per request behind the other threads holding the GIL (issue 13). Requests run on the threads of
one pool per process instead (`AXWEB_WEB_THREADS`), which keep their thread-local state (a
database connection object, Celery's producer) from request to request, as under WSGI.

Async views still work: Django wraps them in `async_to_sync`, and their `sync_to_async` calls
come back to the request's thread. A streaming response (SSE, the export) is still iterated and
closed as Django does it, in the request's `ThreadSensitiveContext`; the pool thread gives its
own connection back as soon as the view has returned.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.db import close_old_connections
from django.http import HttpResponseBase
from django.urls import set_script_prefix

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
_this_thread = threading.local()


def _mark_request_thread() -> None:
    _this_thread.serves_requests = True


def in_request_thread() -> bool:
    """True in a thread of the web server's request pool."""
    return getattr(_this_thread, "serves_requests", False)


def request_threads() -> ThreadPoolExecutor:
    """This process's pool of request threads (created on the first request)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=max(1, settings.AXWEB_WEB_THREADS),
                thread_name_prefix="axweb-request",
                initializer=_mark_request_thread,
            )
        return _pool


class OneHopASGIHandler(ASGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        async with ThreadSensitiveContext():  # for a streaming response's iterator and close()
            try:
                body_file = await self.read_body(receive)
            except RequestAborted:
                return
            try:
                respond = sync_to_async(
                    self.respond, thread_sensitive=False, executor=request_threads()
                )
                response: HttpResponseBase = await respond(scope, body_file)
                try:
                    await self.send_response(response, send)
                except asyncio.CancelledError:
                    pass  # the client went away while the body was sent
                if response.streaming:
                    await sync_to_async(response.close)()
            finally:
                body_file.close()

    def respond(self, scope: Any, body_file: Any) -> HttpResponseBase:
        """The request, from `request_started` to (unless it streams) `request_finished`."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        response = self.get_response(request) if request is not None else error_response
        assert response is not None  # create_request returns one or the other
        if response.streaming:
            # Its close() runs elsewhere (above); this thread's connection goes back now.
            close_old_connections()
        else:
            response.close()
        return response
