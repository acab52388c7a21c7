"""http_request against a local server: allow-list, private addresses, pinning, limits."""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tools import outbound
from tools.base import ToolContext, ToolError
from tools.builtins.http import HttpEndpointTool, HttpRequest, host_allowed


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        return None

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        if self.path.startswith("/hello"):
            self._send(
                200,
                f"hello {self.headers['Host']} {self.path}".encode(),
                {"Content-Type": "text/plain"},
            )
        elif self.path == "/big":
            self._send(200, b"x" * 200_000)
        elif self.path == "/slow":
            time.sleep(2)
            self._send(200, b"late")
        elif self.path == "/to-hello":
            self._send(302, headers={"Location": "/hello"})
        elif self.path == "/to-outside":
            self._send(302, headers={"Location": "http://evil.example/steal"})
        elif self.path == "/fail":
            self._send(500, b"broken")
        else:
            self._send(404)

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length", 0))
        self._send(200, self.rfile.read(length), {"Content-Type": "application/json"})


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


LOCAL = ToolContext(allowed_hosts=frozenset({"127.0.0.1"}))


async def get(ctx: ToolContext, url: str, **extra: Any) -> dict[str, Any]:
    return await HttpRequest().invoke(ctx, {"url": url, **extra})


@pytest.mark.asyncio
async def test_disabled_without_an_allow_list(server: str) -> None:
    with pytest.raises(ToolError, match="disabled") as caught:
        await get(ToolContext(), server + "/hello")
    assert caught.value.code == "forbidden"


@pytest.mark.asyncio
async def test_listed_ip_is_reachable(server: str) -> None:
    out = await get(LOCAL, server + "/hello")
    assert out["status"] == 200 and out["body"].startswith("hello 127.0.0.1:")


@pytest.mark.asyncio
async def test_host_not_on_the_list_is_refused(server: str) -> None:
    with pytest.raises(ToolError, match="not on the allow-list"):
        await get(ToolContext(allowed_hosts=frozenset({"api.example.com"})), server + "/hello")


@pytest.mark.asyncio
async def test_loopback_name_is_refused_unless_its_ip_is_listed(server: str) -> None:
    url = server.replace("127.0.0.1", "localhost") + "/hello"
    with pytest.raises(ToolError, match="private or reserved address"):
        await get(ToolContext(allowed_hosts=frozenset({"localhost"})), url)


@pytest.mark.asyncio
async def test_every_resolved_address_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    async def resolve(host: str, port: int) -> list[Any]:
        return [ipaddress.ip_address("93.184.216.34"), ipaddress.ip_address("10.0.0.5")]

    monkeypatch.setattr(outbound, "resolve", resolve)
    ctx = ToolContext(allowed_hosts=frozenset({"*.example.com"}))
    with pytest.raises(ToolError, match=r"10\.0\.0\.5"):
        await get(ctx, "http://api.example.com/x")


@pytest.mark.asyncio
@pytest.mark.parametrize("address", ["169.254.169.254", "::1", "::ffff:127.0.0.1", "0.0.0.0"])
async def test_link_local_and_special_addresses_are_refused(
    monkeypatch: pytest.MonkeyPatch,
    address: str,
) -> None:
    async def resolve(host: str, port: int) -> list[Any]:
        return [ipaddress.ip_address(address)]

    monkeypatch.setattr(outbound, "resolve", resolve)
    with pytest.raises(ToolError, match="private or reserved"):
        await get(ToolContext(allowed_hosts=frozenset({"metadata.test"})), "http://metadata.test/")


@pytest.mark.asyncio
async def test_connection_is_pinned_to_the_checked_address(
    server: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def resolve(host: str, port: int) -> list[Any]:
        assert host == "service.test"
        return [ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr(outbound, "resolve", resolve)
    port = server.rsplit(":", 1)[1]
    ctx = ToolContext(allowed_hosts=frozenset({"service.test", "127.0.0.0/8"}))
    out = await get(ctx, f"http://service.test:{port}/hello")
    assert out["body"] == f"hello service.test:{port} /hello"


@pytest.mark.asyncio
async def test_redirects_are_followed_only_to_allowed_hosts(server: str) -> None:
    inside = await get(LOCAL, server + "/to-hello")
    assert inside["status"] == 200 and inside["url"].endswith("/hello")
    with pytest.raises(ToolError, match="'evil.example' is not on the allow-list"):
        await get(LOCAL, server + "/to-outside")


@pytest.mark.asyncio
async def test_large_bodies_are_truncated(server: str) -> None:
    out = await get(LOCAL, server + "/big", max_bytes=1000)
    assert out["truncated"] is True and len(out["body"]) == 1000


@pytest.mark.asyncio
async def test_slow_servers_time_out(server: str) -> None:
    with pytest.raises(ToolError) as caught:
        await get(LOCAL, server + "/slow", timeout_s=0.3)
    assert caught.value.code == "timeout"


@pytest.mark.asyncio
async def test_other_schemes_are_refused() -> None:
    with pytest.raises(ToolError, match="only http and https"):
        await get(LOCAL, "file:///etc/passwd")


def test_host_matching_rules() -> None:
    allowed = frozenset({"api.example.com", "*.trusted.org", "10.1.0.0/16"})
    assert host_allowed("API.example.com", allowed)
    assert host_allowed("a.b.trusted.org", allowed)
    assert not host_allowed("trusted.org.evil.com", allowed)
    assert host_allowed("10.1.2.3", allowed) and not host_allowed("10.2.0.1", allowed)


@pytest.mark.asyncio
async def test_endpoint_tool_posts_arguments_to_a_listed_host(server: str) -> None:
    tool = HttpEndpointTool("echo", "Echo.", {"type": "object"}, server + "/echo")
    out = await tool.invoke(LOCAL, {"q": 1})
    assert out["status"] == 200 and out["body"] == '{"q":1}'


@pytest.mark.asyncio
async def test_endpoint_tool_get_sends_query_and_fails_on_http_errors(server: str) -> None:
    hello = HttpEndpointTool("hello", "Hi.", {"type": "object"}, server + "/hello", "GET")
    assert (await hello.invoke(LOCAL, {"name": "ann"}))["body"].endswith("/hello?name=ann")
    failing = HttpEndpointTool("fail", "Fails.", {"type": "object"}, server + "/fail", "GET")
    with pytest.raises(ToolError, match="HTTP 500"):
        await failing.invoke(LOCAL, {})
