"""An ASGI guard on request body size, in front of Django.

Django's ASGI handler spools every request body to a temporary file before any view
or middleware runs, so a view-level check comes too late for a 10 GB chunked upload.
This guard counts the bytes as they arrive: a declared Content-Length over the limit
is answered at once, and a body that grows past it (chunked, or lying about its
length) is cut off with the same 413 in the API's error shape. JSON bodies get
``AXWEB_MAX_JSON_BYTES``; anything else (admin file uploads) ``AXWEB_MAX_UPLOAD_BYTES``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from axweb.errors import error_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[
    [Any, Any, Any], Awaitable[None]
]  # Django's handler types its arguments more narrowly


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return ""


def body_limit_for(scope: Scope, json_limit: int, upload_limit: int) -> tuple[int, str]:
    """The byte limit for this request, and the setting that holds it."""
    media = _header(scope, b"content-type").split(";")[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        return json_limit, "AXWEB_MAX_JSON_BYTES"
    return upload_limit, "AXWEB_MAX_UPLOAD_BYTES"


async def send_too_large(send: Send, limit: int, setting: str) -> None:
    message = f"The request body is larger than {limit:,} bytes ({setting}); send less data."
    body = json.dumps(error_body(413, "too_large", message, fields={})).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Wrap an ASGI http app; ``limits()`` returns (json limit, upload limit) per request."""

    def __init__(self, app: App, limits: Callable[[], tuple[int, int]]) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, setting = body_limit_for(scope, *self.limits())
        declared = _header(scope, b"content-length")
        if declared.isdigit() and int(declared) > limit:
            await send_too_large(send, limit, setting)
            return
        await self.app(scope, self._counting(receive, send, limit, setting), send)

    @staticmethod
    def _counting(receive: Receive, send: Send, limit: int, setting: str) -> Receive:
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:  # answer, then tell Django the client went away
                    await send_too_large(send, limit, setting)
                    return {"type": "http.disconnect"}
            return message

        return counted
