"""The JSON request parser with ceilings: body size (→ 413) and nesting depth (→ 400).

DRF's own JSON parser reads the whole stream whatever Django's upload limit says, and a
deeply nested body makes ``json`` raise ``RecursionError`` (a 500). This one reads at most
``AXWEB_MAX_JSON_BYTES`` + 1 bytes, with or without a Content-Length, and answers both
cases in the API's error shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

from workflows.engine.limits import json_depth_over

CHUNK = 64 * 1024


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"
    default_detail = "The request body is too large."


def too_large(limit: int) -> RequestTooLarge:
    return RequestTooLarge(
        f"The JSON body is larger than {limit:,} bytes (AXWEB_MAX_JSON_BYTES); "
        "send less data per request."
    )


def read_limited(stream: IO[bytes] | None, limit: int) -> bytes:
    """At most ``limit`` bytes of ``stream``; :class:`RequestTooLarge` when there are more."""
    if stream is None:
        return b""
    parts: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            return b"".join(parts)
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        parts.append(chunk)


def json_checked(text: bytes, max_depth: int) -> Any:
    """Parse JSON; nesting deeper than ``max_depth`` is a ParseError naming the limit."""
    deep = exceptions.ParseError(
        f"The JSON body is nested deeper than {max_depth} levels (AXWEB_JSON_MAX_DEPTH)."
    )
    try:
        value = json.loads(text.decode("utf-8"))  # DRF's: NaN and Infinity refused
    except RecursionError:
        raise deep from None
    except ValueError as exc:  # UnicodeDecodeError included
        raise exceptions.ParseError(f"JSON parse error - {exc}") from None
    if json_depth_over(value, max_depth):
        raise deep
    return value


class LimitedJSONParser(JSONParser):
    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit = settings.AXWEB_MAX_JSON_BYTES
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and str(declared).isdigit() and int(declared) > limit:
            raise too_large(limit)
        raw = read_limited(stream, limit)
        return json_checked(raw, settings.AXWEB_JSON_MAX_DEPTH)
