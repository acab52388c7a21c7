"""The one guard for every outbound HTTP request a user can aim (HTTP tools, later MCP clients).

Rules, for the first request and for every redirect hop:

1. The scheme is http or https and the host matches the operator's allow-list
   (``AXWEB_HTTP_ALLOWED_HOSTS``: exact name, ``*.suffix`` wildcard, IP, or CIDR). An empty
   list turns outbound HTTP off.
2. The host is resolved here and EVERY address is checked. Loopback, private, shared (CGN),
   link-local (cloud metadata), multicast, reserved, documentation and unspecified addresses
   are refused, also when they hide inside IPv6: IPv4-mapped ``::ffff:a.b.c.d``,
   IPv4-compatible ``::a.b.c.d``, NAT64 ``64:ff9b::/96`` and 6to4 ``2002::/16`` are judged by
   the IPv4 address they carry. The operator opts an internal address in only by listing an
   IP or CIDR that covers it; a host-name entry is never enough.
3. The connection goes to the address that was checked (the URL is pinned to the IP, with
   the original ``Host`` header and TLS SNI), so a second DNS answer cannot redirect it.

:func:`url_problem` applies rules 1 and 2 without DNS (for a literal IP) so a saved URL
the server will refuse is caught at save time; names are resolved and checked on every call.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from typing import Any

import httpx

from tools.base import ToolError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Not reachable from the public internet (IANA special-purpose registries); listed here so the
# verdict does not depend on the Python version's idea of ``is_global``.
_BLOCKED_V4 = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
    )
)
_BLOCKED_V6 = tuple(
    ipaddress.IPv6Network(n)
    for n in (
        "::/96",
        "64:ff9b:1::/48",
        "100::/64",
        "2001::/23",
        "2001:db8::/32",
        "3fff::/20",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    )
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_COMPAT = ipaddress.IPv6Network("::/96")


class OutboundRefused(ToolError):
    """The guard refused a URL; the message says which rule and how to fix it."""

    def __init__(self, reason: str, code: str = "forbidden") -> None:
        super().__init__(reason, code=code)


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or (address in _COMPAT and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """True for a unicast address of the public internet (and its carried IPv4, if any)."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_ipv4(address)
        if inner is not None:
            return is_public(inner)
        blocked: tuple[IPNetwork, ...] = _BLOCKED_V6
    else:
        blocked = _BLOCKED_V4
    if any(address in net for net in blocked):
        return False
    return address.is_global and not (address.is_multicast or address.is_reserved)


def _networks(allowed: frozenset[str]) -> list[IPNetwork]:
    networks: list[IPNetwork] = []
    for entry in allowed:
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            continue
    return networks


def host_allowed(host: str, allowed: frozenset[str]) -> bool:
    """Whether ``host`` (a name or a literal IP) matches an entry of the allow-list."""
    host = host.lower().rstrip(".")
    for entry in (e.lower().rstrip(".") for e in allowed):
        if entry == host or (entry.startswith("*.") and host.endswith(entry[1:])):
            return True
    address = _literal(host)
    return address is not None and any(address in net for net in _networks(allowed))


def _opt_ins(allowed: frozenset[str]) -> list[IPNetwork]:
    """IP/CIDR entries that lie inside one internal range (``10.1.0.0/16``, ``127.0.0.1``):
    the operator's explicit opt-in. A wide entry such as ``0.0.0.0/0`` opens no internal address."""
    blocked: tuple[IPNetwork, ...] = (*_BLOCKED_V4, *_BLOCKED_V6)
    return [
        net
        for net in _networks(allowed)
        if any(net.version == b.version and net.subnet_of(b) for b in blocked)  # type: ignore[arg-type]
    ]


def address_allowed(address: IPAddress, allowed: frozenset[str]) -> bool:
    """Public, or internal and covered by an opt-in entry. An IPv6 form that carries an IPv4
    address is judged by that IPv4 address (where the traffic ends up)."""
    if is_public(address):
        return True
    if isinstance(address, ipaddress.IPv6Address) and (inner := embedded_ipv4(address)):
        address = inner
    return any(address in net for net in _opt_ins(allowed))


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        return None


def _static_check(url: httpx.URL, allowed: frozenset[str]) -> None:
    if not allowed:
        raise OutboundRefused(
            "HTTP tools are disabled on this server: the operator's allow-list "
            "(AXWEB_HTTP_ALLOWED_HOSTS) is empty"
        )
    if url.scheme not in ("http", "https") or not url.host:
        raise OutboundRefused(f"only http and https URLs are allowed, got '{url}'")
    if not host_allowed(url.host, allowed):
        raise OutboundRefused(
            f"host '{url.host}' is not on the allow-list (AXWEB_HTTP_ALLOWED_HOSTS)"
        )
    address = _literal(url.host)
    if address is not None and not address_allowed(address, allowed):
        raise OutboundRefused(_private_reason(url.host, [address]))


def _describe(address: IPAddress) -> str:
    inner = embedded_ipv4(address) if isinstance(address, ipaddress.IPv6Address) else None
    return f"{address}, which carries {inner}" if inner is not None else str(address)


def _private_reason(host: str, refused: list[IPAddress], verb: str = "is") -> str:
    listed = ", ".join(_describe(a) for a in refused)
    return (
        f"host '{host}' {verb} a private or reserved address ({listed}): loopback, private, "
        "link-local and other internal addresses are refused unless the operator lists that IP "
        "or network in AXWEB_HTTP_ALLOWED_HOSTS"
    )


def url_problem(url: str, allowed: frozenset[str]) -> str | None:
    """Why the guard would refuse ``url`` before any DNS lookup, or None (for save-time checks)."""
    try:
        _static_check(httpx.URL(url), allowed)
    except OutboundRefused as exc:
        return str(exc)
    except httpx.InvalidURL as exc:
        return f"not a valid URL: {exc}"
    return None


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to (tests replace this to simulate DNS)."""
    literal = _literal(host)
    if literal is not None:
        return [literal]
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


@dataclass(frozen=True)
class Target:
    """A URL that passed the guard, pinned to one checked address."""

    url: httpx.URL
    address: IPAddress

    def pinned_url(self) -> httpx.URL:
        return self.url.copy_with(host=str(self.address))


async def check_url(url: httpx.URL, allowed: frozenset[str]) -> Target:
    """Apply rules 1 and 2 (resolving the name); the URL pinned to its first checked address."""
    _static_check(url, allowed)
    try:
        addresses = await resolve(url.host, url.port or (443 if url.scheme == "https" else 80))
    except (OSError, ValueError) as exc:
        raise OutboundRefused(f"cannot resolve '{url.host}': {exc}", code="unavailable") from None
    if not addresses:
        raise OutboundRefused(f"cannot resolve '{url.host}': no address", code="unavailable")
    refused = [a for a in addresses if not address_allowed(a, allowed)]
    if refused:
        raise OutboundRefused(_private_reason(url.host, refused, "resolves to"))
    return Target(url=url, address=addresses[0])


def network_transport() -> httpx.AsyncBaseTransport:
    """What actually sends a checked, pinned request (tests replace it to stand in for hosts)."""
    return httpx.AsyncHTTPTransport(trust_env=False)


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that checks and pins EVERY request it sends (so every redirect hop)."""

    def __init__(self, allowed: frozenset[str]) -> None:
        self.allowed = allowed
        self.inner = network_transport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        target = await check_url(request.url, self.allowed)
        headers = httpx.Headers(request.headers)
        headers["Host"] = target.url.netloc.decode("ascii")
        extensions: dict[str, Any] = {**request.extensions, "sni_hostname": target.url.host}
        pinned = httpx.Request(
            request.method,
            target.pinned_url(),
            headers=headers,
            stream=request.stream,
            extensions=extensions,
        )
        return await self.inner.handle_async_request(pinned)

    async def aclose(self) -> None:
        await self.inner.aclose()


def guarded_client(allowed: frozenset[str], *, timeout_s: float) -> httpx.AsyncClient:
    """An AsyncClient whose every request obeys the guard. Redirects are not followed: a
    caller that follows them sends each hop through this client, so each hop is checked."""
    return httpx.AsyncClient(
        transport=GuardedTransport(allowed),
        timeout=timeout_s,
        follow_redirects=False,
        trust_env=False,
    )
