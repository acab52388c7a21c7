"""http_request: an HTTP call to a host on the run's allow-list, nowhere else.

Guards, in order, for the first request and for every redirect hop:

1. scheme is http or https; the host matches ``ctx.allowed_hosts`` (exact name,
   ``*.suffix`` wildcard, IP, or CIDR). An empty allow-list disables the tool.
2. the host is resolved here and EVERY address is checked: private, loopback,
   link-local, multicast, reserved and unspecified addresses are refused unless an
   IP/CIDR entry of the allow-list covers them (a host name entry is not enough).
3. the connection goes to the checked address (the URL is pinned to the IP, with
   the original Host header and TLS SNI), so a second DNS answer cannot redirect it.
4. time (``timeout_s``) and response size (``max_bytes``, the body is truncated) are
   bounded; redirects are followed by hand, at most MAX_REDIRECTS.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import httpx

from tools.base import Tool, ToolContext, ToolError

MAX_REDIRECTS = 5
DEFAULT_MAX_BYTES = 1_000_000
HARD_MAX_BYTES = 10_000_000
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Target:
    """A URL that passed the guards, pinned to one checked address."""

    url: httpx.URL
    address: IPAddress

    def pinned_url(self) -> httpx.URL:
        return self.url.copy_with(host=str(self.address))


def _is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return _is_public(address.ipv4_mapped)
    return address.is_global and not address.is_multicast


def _network_entries(allowed: frozenset[str]) -> list[IPNetwork]:
    networks: list[IPNetwork] = []
    for entry in allowed:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            continue
    return networks


def host_allowed(host: str, allowed: frozenset[str]) -> bool:
    host = host.lower().rstrip(".")
    for entry in (e.lower().rstrip(".") for e in allowed):
        if entry == host or (entry.startswith("*.") and host.endswith(entry[1:])):
            return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return any(address in net for net in _network_entries(allowed))


def address_allowed(address: IPAddress, allowed: frozenset[str]) -> bool:
    return _is_public(address) or any(address in net for net in _network_entries(allowed))


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (tests replace this to simulate DNS)."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


async def check_url(url: httpx.URL, allowed: frozenset[str]) -> Target:
    """Apply guards 1 and 2; return the URL pinned to its first checked address."""
    if not allowed:
        raise ToolError("http_request is disabled: no host is on the allow-list",
                        code="forbidden")
    if url.scheme not in ("http", "https") or not url.host:
        raise ToolError(f"only http and https URLs are allowed, got '{url}'", code="forbidden")
    if not host_allowed(url.host, allowed):
        raise ToolError(f"host '{url.host}' is not on the allow-list", code="forbidden")
    try:
        addresses = await resolve(url.host, url.port or (443 if url.scheme == "https" else 80))
    except (OSError, ValueError) as exc:
        raise ToolError(f"cannot resolve '{url.host}': {exc}", code="unavailable") from None
    refused = [str(a) for a in addresses if not address_allowed(a, allowed)]
    if refused or not addresses:
        raise ToolError(
            f"host '{url.host}' resolves to a private or reserved address ({', '.join(refused)})"
            "; list that IP or network explicitly to allow it", code="forbidden")
    return Target(url=url, address=addresses[0])


async def _send(client: httpx.AsyncClient, target: Target, request: dict[str, Any],
                max_bytes: int) -> tuple[httpx.Response, bytes, bool]:
    headers = {"Accept-Encoding": "identity", **(request.get("headers") or {})}
    headers["Host"] = target.url.netloc.decode("ascii")
    built = client.build_request(
        request["method"], target.pinned_url(), headers=headers,
        content=request.get("body"), json=request.get("json"),
        extensions={"sni_hostname": target.url.host},
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


async def fetch(request: dict[str, Any], allowed: frozenset[str], *, timeout_s: float,
                max_bytes: int) -> dict[str, Any]:
    """Perform ``request`` (method, url, headers, body|json) under every guard above."""
    url = httpx.URL(request["url"])
    async with httpx.AsyncClient(timeout=timeout_s, follow_redirects=False,
                                 trust_env=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            target = await check_url(url, allowed)
            response, body, truncated = await _send(client, target, request, max_bytes)
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
        "url": str(url), "status": response.status_code, "content_type": content_type,
        "headers": {k: v for k, v in response.headers.items() if k.lower() != "set-cookie"},
        "body": text, "truncated": truncated,
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
            "method": {"type": "string",
                       "enum": ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]},
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
            return await fetch(request, ctx.allowed_hosts, timeout_s=args.get("timeout_s", 15.0),
                               max_bytes=args.get("max_bytes", DEFAULT_MAX_BYTES))
        except httpx.TimeoutException:
            raise ToolError("the HTTP request timed out", code="timeout") from None
        except httpx.HTTPError as exc:
            raise ToolError(f"HTTP request failed: {exc}", code="unavailable") from None


class HttpEndpointTool(Tool):
    """A user-defined tool that calls one HTTP endpoint with its arguments.

    GET/DELETE send the arguments as query parameters, other methods as a JSON body.
    The endpoint's own host is allowed in addition to ``ctx.allowed_hosts``; the
    private-address guard still applies (list the IP to reach an internal service).
    """

    permissions = frozenset({"network"})

    def __init__(self, name: str, description: str, input_schema: dict[str, Any], url: str,
                 method: str = "POST", headers: dict[str, str] | None = None,
                 timeout_s: float = 15.0, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
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
        allowed = ctx.allowed_hosts | {self.url.host}
        try:
            response = await fetch(request, allowed, timeout_s=self.request_timeout_s,
                                   max_bytes=self.max_bytes)
        except httpx.HTTPError as exc:
            raise ToolError(f"HTTP request failed: {exc}", code="unavailable") from None
        if response["status"] >= 400:
            raise ToolError(f"endpoint answered HTTP {response['status']}", code="failed",
                            details=response)
        return response
