"""User HTTP tools obey the same outbound guard as http_request: at save, at run, at every hop.

No test reaches DNS or the internet: names resolve through a replaced resolver, and the
"public" host of the redirect test is a stand-in transport that never touches a socket.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.hardening.inprocess import run_graph
from tests.workflows.conftest import edge, node
from tools import outbound
from tools.base import ToolContext, ToolError
from tools.builtins.http import HttpEndpointTool, HttpRequest
from tools.models import Tool
from workflows.models import Run, RunEvent

PUBLIC = "93.184.216.34"


class Listener:
    """A loopback HTTP server that counts the requests it was sent."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return None

            def do_POST(self) -> None:  # noqa: N802 - http.server API
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Length", "6")
                self.end_headers()
                self.wfile.write(b"secret")

            do_GET = do_POST  # noqa: N815

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def fake_dns(monkeypatch: pytest.MonkeyPatch, table: dict[str, str]) -> None:
    async def resolve(host: str, port: int) -> list[Any]:
        return [ipaddress.ip_address(table.get(host, host.strip("[]")))]

    monkeypatch.setattr(outbound, "resolve", resolve)


def http_tool(url: str) -> dict[str, Any]:
    return {"name": "hook", "kind": "http", "description": "Calls a hook.", "config": {"url": url}}


# -- at save ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_user_http_tool_aimed_at_a_loopback_listener_is_refused_at_save(
    owner_api, settings, listener
):
    settings.AXWEB_HTTP_ALLOWED_HOSTS = ["api.example.com"]
    response = owner_api.post(
        "/api/tools/", http_tool(f"http://127.0.0.1:{listener.port}/hook"), format="json"
    )
    assert response.status_code == 400
    message = response.json()["error"]["fields"]["config"][0]
    assert message.startswith("'config.url': ") and "not on the allow-list" in message


@pytest.mark.django_db
def test_saving_an_http_tool_is_refused_until_the_operator_lists_its_host(owner_api, settings):
    settings.AXWEB_HTTP_ALLOWED_HOSTS = []
    response = owner_api.post("/api/tools/", http_tool("https://api.example.com/x"), format="json")
    assert response.status_code == 400
    message = response.json()["error"]["fields"]["config"][0]
    assert message.startswith("'config.url': ") and "AXWEB_HTTP_ALLOWED_HOSTS" in message
    settings.AXWEB_HTTP_ALLOWED_HOSTS = ["*.example.com"]
    response = owner_api.post("/api/tools/", http_tool("https://api.example.com/x"), format="json")
    assert response.status_code == 201, response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "[64:ff9b::7f00:1]",
        "[2002:7f00:1::]",
        "169.254.169.254",
        "10.0.0.7",
    ],
)
def test_a_wide_cidr_on_the_list_does_not_open_internal_addresses_at_save(
    owner_api, settings, host
):
    settings.AXWEB_HTTP_ALLOWED_HOSTS = ["0.0.0.0/0", "::/0"]
    response = owner_api.post("/api/tools/", http_tool(f"http://{host}/hook"), format="json")
    assert response.status_code == 400
    message = response.json()["error"]["fields"]["config"][0]
    assert message.startswith("'config.url': ") and "private or reserved" in message


# -- at run: the tool itself ----------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "address",
    [
        "::1",
        "::ffff:127.0.0.1",
        "64:ff9b::7f00:1",
        "64:ff9b::a00:1",
        "2002:7f00:1::",
        "2002:a9fe:a9fe::",
        "::7f00:1",
        "169.254.169.254",
        "fe80::1",
        "100.64.0.1",
        "0.0.0.0",
    ],
)
async def test_a_name_resolving_to_an_internal_address_is_refused_at_run(monkeypatch, address):
    fake_dns(monkeypatch, {"svc.example.com": address})
    tool = HttpEndpointTool(
        "hook", "Calls a hook.", {"type": "object"}, "http://svc.example.com/hook"
    )
    with pytest.raises(ToolError, match="private or reserved") as caught:
        await tool.invoke(
            ToolContext(allowed_hosts=frozenset({"svc.example.com", "0.0.0.0/0", "::/0"})), {}
        )
    assert caught.value.code == "forbidden" and str(ipaddress.ip_address(address)) in str(
        caught.value
    )


@pytest.mark.asyncio
async def test_a_user_tool_gets_no_exception_for_its_own_host(listener):
    tool = HttpEndpointTool(
        "hook", "Calls a hook.", {"type": "object"}, f"http://127.0.0.1:{listener.port}/hook"
    )
    with pytest.raises(ToolError, match="disabled"):
        await tool.invoke(ToolContext(), {})
    with pytest.raises(ToolError, match="not on the allow-list"):
        await tool.invoke(ToolContext(allowed_hosts=frozenset({"api.example.com"})), {})
    assert listener.hits == []


class StandIn(httpx.AsyncBaseTransport):
    """Plays the public host: answers every request with a redirect, records what it was sent."""

    def __init__(self, location: str) -> None:
        self.location = location
        self.sent: list[tuple[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((str(request.url), request.headers["Host"]))
        return httpx.Response(302, headers={"Location": self.location})


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "location",
    [
        "http://internal.example.com/secret",
        "http://[::1]/secret",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
async def test_a_listed_public_host_that_redirects_inward_is_refused_at_the_hop(
    monkeypatch, location
):
    fake_dns(monkeypatch, {"public.example.com": PUBLIC, "internal.example.com": "127.0.0.1"})
    stand_in = StandIn(location)
    monkeypatch.setattr(outbound, "network_transport", lambda: stand_in)
    ctx = ToolContext(allowed_hosts=frozenset({"*.example.com", "::/0", "0.0.0.0/0"}))
    with pytest.raises(ToolError, match="redirect to .* refused") as caught:
        await HttpRequest().invoke(ctx, {"url": "http://public.example.com/start"})
    assert caught.value.code == "forbidden"
    assert stand_in.sent == [
        (f"http://{PUBLIC}/start", "public.example.com")
    ]  # pinned; the hop never sent


# -- at run: a workflow node ---------------------------------------------------------------


def tool_graph() -> dict[str, Any]:
    return {
        "schema_version": 1,
        "nodes": [
            node("in", "input", name="q"),
            node("call", "tool", tool="hook", arguments={"q": "{{in}}"}),
            node("out", "output", name="answer"),
        ],
        "edges": [edge("in", "call"), edge("call", "out")],
    }


def run_once(owner: Any) -> Run:
    return run_graph(owner, "Hook", tool_graph(), {"q": "hi"})


@pytest.mark.django_db(transaction=True)
def test_a_saved_tool_aimed_at_a_loopback_listener_fails_its_node_at_run(owner, settings, listener):
    settings.AXWEB_HTTP_ALLOWED_HOSTS = ["api.example.com"]
    # Saved before the guard existed (or before the operator changed the list): the row is already
    # there.
    Tool.objects.create(owner=owner, **http_tool(f"http://127.0.0.1:{listener.port}/hook"))
    run = run_once(owner)
    assert run.status == "failed"
    failed = RunEvent.objects.get(run=run, type="node.failed", node="call")
    assert "not on the allow-list" in failed.data["error"]
    assert listener.hits == []


@pytest.mark.django_db(transaction=True)
def test_a_listed_name_that_resolves_to_loopback_fails_its_node_at_run(
    owner, owner_api, settings, listener, monkeypatch
):
    settings.AXWEB_HTTP_ALLOWED_HOSTS = [
        "hooks.example.com",
        "0.0.0.0/0",
    ]  # a wide CIDR opts nothing internal in
    fake_dns(monkeypatch, {"hooks.example.com": "127.0.0.1"})
    saved = owner_api.post(
        "/api/tools/", http_tool(f"http://hooks.example.com:{listener.port}/hook"), format="json"
    )
    assert saved.status_code == 201, (
        saved.content
    )  # a name is judged when it is resolved: at every call
    run = run_once(owner)
    assert run.status == "failed"
    failed = RunEvent.objects.get(run=run, type="node.failed", node="call")
    assert "resolves to a private or reserved address (127.0.0.1)" in failed.data["error"]
    assert listener.hits == []
