"""One error shape for every API failure:

{"error": {"status": 400, "code": "invalid", "message": "...", "fields": {...}, "problems": [...]}}
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from django.views.debug import SafeExceptionReporterFilter
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class GraphInvalid(exceptions.APIException):
    """A workflow graph failed validation; carries every problem found."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_graph"

    def __init__(self, problems: list[dict[str, Any]]):
        self.problems = problems
        count = len(problems)
        super().__init__(f"The workflow graph has {count} problem{'s' if count != 1 else ''}.")


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten(value, name))
        return out
    if isinstance(detail, list) and detail and all(isinstance(d, (dict, list)) for d in detail):
        out = {}
        for index, value in enumerate(detail):
            out.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
        return out
    items = detail if isinstance(detail, list) else [detail]
    return {prefix or "non_field_errors": [str(item) for item in items]}


def _message(fields: dict[str, list[str]], fallback: str) -> str:
    if not fields:
        return fallback
    name, messages = next(iter(fields.items()))
    if name == "non_field_errors":
        return messages[0]
    return f"{name}: {messages[0]}"


def error_body(status_code: int, code: str, message: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"status": status_code, "code": code, "message": message}
    body.update(extra)
    return {"error": body}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):  # Django's own body check, before our parser's
        from axweb.parsers import too_large

        exc = too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    assert isinstance(exc, exceptions.APIException)
    code = exc.default_code if not isinstance(exc.get_codes(), str) else str(exc.get_codes())
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        body = error_body(
            response.status_code, "invalid", _message(fields, "Invalid input."), fields=fields
        )
    else:
        body = error_body(response.status_code, code, str(exc.detail), fields={})
    if isinstance(exc, GraphInvalid):
        body["error"]["problems"] = exc.problems
    response.data = body
    return response


class SecretSettingsFilter(SafeExceptionReporterFilter):
    """Django's settings cleanser, also hiding headers and URLs that may carry credentials
    (AXWEB_OTLP_HEADERS' bearer token, a password in REDIS_URL or CELERY_BROKER_URL)."""

    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|HEADERS|DSN|URL", flags=re.IGNORECASE
    )
