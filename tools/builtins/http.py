"""http_request and user HTTP tools: requests that obey the outbound guard, nowhere else.

Every request, the first and each redirect hop (followed by hand, at most MAX_REDIRECTS),
goes through :mod:`tools.outbound`: the operator's allow-list, every resolved address
checked against private/loopback/link-local/reserved ranges (IPv6 forms that carry an
IPv4 address included), the connection pinned to the checked address. A user tool gets
no exception for its own URL. Time (``timeout_s``) and response size (``max_bytes``, the
body is truncated) are bounded.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

import httpx

from tools.base import Tool, ToolContext, ToolError
from tools.outbound import OutboundRefused, guarded_client, host_allowed

__all__ = ["HttpEndpointTool", "HttpRequest", "fetch", "host_allowed"]

MAX_REDIRECTS = 5
DEFAULT_MAX_BYTES = 1_000_000
HARD_MAX_BYTES = 10_000_000


async def _send(
    client: httpx.AsyncClient, url: httpx.URL, request: dict[str, Any], max_bytes: int
) -> tuple[httpx.Response, bytes, bool]:
    headers = {"Accept-Encoding": "identity", **(request.get("headers") or {})}
    built = client.build_request(
        request["method"],
        url,
        headers=headers,
        content=request.get("body"),
        json=request.get("json"),
    )
    response = await client.send(built, stream=True)
    body, truncated = bytearray(), False
    try:
        async for chunk in response.aiter_bytes():
            body += chunk[: max_bytes - len(body)]
            if len(body) >= max_bytes:
                truncated = True
                break
    finally:
        await response.aclose()
    return response, bytes(body), truncated


def _redirect(
    response: httpx.Response, request: dict[str, Any], url: httpx.URL
) -> httpx.URL | None:
    location = response.headers.get("location")
    if response.status_code not in (301, 302, 303, 307, 308) or not location:
        return None
    if response.status_code in (301, 302, 303) and request["method"] != "HEAD":
        request.update(method="GET", body=None, json=None)
    return httpx.URL(urljoin(str(url), location))


async def fetch(
    request: dict[str, Any], allowed: frozenset[str], *, timeout_s: float, max_bytes: int
) -> dict[str, Any]:
    """Perform ``request`` (method, url, headers, body|json); every hop obeys the guard."""
    url = httpx.URL(request["url"])
    async with guarded_client(allowed, timeout_s=timeout_s) as client:
        for hop in range(MAX_REDIRECTS + 1):
            try:
                response, body, truncated = await _send(client, url, request, max_bytes)
            except OutboundRefused as exc:
                if hop:
                    raise OutboundRefused(f"redirect to '{url}' refused: {exc}", exc.code) from None
                raise
            next_url = _redirect(response, request, url)
            if next_url is None:
                return _shape(url, response, body, truncated)
            url = next_url
    raise ToolError(f"more than {MAX_REDIRECTS} redirects", code="failed")


def _shape(
    url: httpx.URL, response: httpx.Response, body: bytes, truncated: bool
) -> dict[str, Any]:
    content_type = response.headers.get("content-type", "")
    text = body.decode(response.encoding or "utf-8", errors="replace")
    return {
        "url": str(url),
        "status": response.status_code,
        "content_type": content_type,
        "headers": {k: v for k, v in response.headers.items() if k.lower() != "set-cookie"},
        "body": text,
        "truncated": truncated,
    }


SAFE_METHODS = ("GET", "HEAD")  # repeated after a crash; other methods may change something


class HttpRequest(Tool):
    name = "http_request"
    description = (
        "Make an HTTP request to an allowed host. Returns status, headers and the body "
        "(text, truncated to max_bytes). Hosts not on the run's allow-list are refused."
    )
    input_schema = {
        "type": "object",
        "properties": {
            "url": {"type": "string", "minLength": 1},
            "method": {"type": "string", "enum": ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}},
            "body": {"type": "string"},
            "json": {},
            "timeout_s": {"type": "number", "exclusiveMinimum": 0, "maximum": 60},
            "max_bytes": {"type": "integer", "minimum": 1, "maximum": HARD_MAX_BYTES},
        },
        "required": ["url"],
        "additionalProperties": False,
    }
    timeout_s = 65.0
    permissions = frozenset({"network"})
    builtin = True

    def idempotent_for(self, args: dict[str, Any]) -> bool:
        return str(args.get("method", "GET")).upper() in SAFE_METHODS

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> dict[str, Any]:
        request = {"method": args.get("method", "GET"), **args}
        try:
            return await fetch(
                request,
                ctx.allowed_hosts,
                timeout_s=args.get("timeout_s", 15.0),
                max_bytes=args.get("max_bytes", DEFAULT_MAX_BYTES),
            )
        except httpx.TimeoutException:
            raise ToolError("the HTTP request timed out", code="timeout") from None
        except httpx.HTTPError as exc:
            raise ToolError(f"HTTP request failed: {exc}", code="unavailable") from None


class HttpEndpointTool(Tool):
    """A user-defined tool that calls one HTTP endpoint with its arguments.

    GET/DELETE send the arguments as query parameters, other methods as a JSON body.
    The endpoint obeys the same guard as ``http_request`` (``ctx.allowed_hosts``, the
    operator's list): its own URL earns it nothing.
    """

    permissions = frozenset({"network"})

    def __init__(
        self,
        name: str,
        description: str,
        input_schema: dict[str, Any],
        url: str,
        method: str = "POST",
        headers: dict[str, str] | None = None,
        timeout_s: float = 15.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.name, self.description, self.input_schema = name, description, input_schema
        self.url, self.method, self.headers = httpx.URL(url), method.upper(), headers or {}
        self.request_timeout_s, self.max_bytes = timeout_s, max_bytes
        self.timeout_s = timeout_s * (MAX_REDIRECTS + 1) + 5.0

    def idempotent_for(self, args: dict[str, Any]) -> bool:
        return self.method in SAFE_METHODS

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> Any:
        url, request = self.url, {"method": self.method, "headers": self.headers}
        if self.method in ("GET", "DELETE", "HEAD"):
            url = url.copy_merge_params({k: str(v) for k, v in args.items()})
        else:
            request["json"] = args
        request["url"] = str(url)
        try:
            response = await fetch(
                request,
                ctx.allowed_hosts,
                timeout_s=self.request_timeout_s,
                max_bytes=self.max_bytes,
            )
        except httpx.TimeoutException:
            raise ToolError("the HTTP request timed out", code="timeout") from None
        except httpx.HTTPError as exc:
            raise ToolError(f"HTTP request failed: {exc}", code="unavailable") from None
        if response["status"] >= 400:
            raise ToolError(
                f"endpoint answered HTTP {response['status']}", code="failed", details=response
            )
        return response
