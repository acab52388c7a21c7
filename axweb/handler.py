"""Django's ASGI handler with the middleware chain and the view run in ONE worker thread.

Django's own ASGI handler builds the middleware chain in async mode. Every middleware of ours
is a `MiddlewareMixin` (Django's, WhiteNoise), whose async mode runs each `process_request` /
`process_response` through `sync_to_async`, and WhiteNoise (sync only) turns the rest of the
chain back into `async_to_sync`: about a dozen hand-offs between the event loop and a thread per
request, each a wake-up of both under the GIL. Under load that was most of the web process's
time (issue 13). Here the chain is built in sync mode, as under WSGI, and the whole request -
middleware, DRF, SQL - goes to the worker thread in one hop. Async views still work: Django
wraps them in `async_to_sync`, and a streaming body (SSE) is still streamed by the ASGI
handler on the event loop.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponseBase


class OneHopASGIHandler(ASGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        # thread_sensitive: the request's own thread (Django's ThreadSensitiveContext per
        # request), where its database connection lives.
        response: Any = await sync_to_async(self.get_response, thread_sensitive=True)(request)
        return response  # type: ignore[no-any-return]
