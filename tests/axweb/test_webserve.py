"""The web server as `make run` starts it (axweb/webserve.py): uvicorn with several processes on
one port, serving HTTP and websockets, stopped as a whole."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from axweb.embedded_redis import free_port
from axweb.webserve import serve_options
from workflows.bench_servers import listeners

ROOT = Path(__file__).resolve().parents[2]


def test_the_options_keep_client_addresses_and_frames_as_the_app_expects():
    options = serve_options(8123, 0)
    assert options["workers"] == 1  # never zero processes
    assert options["proxy_headers"] is False  # AXWEB_TRUSTED_PROXIES decides, not the server
    assert options["ws_per_message_deflate"] is False
    assert options["lifespan"] == "off"  # Channels' router has no lifespan route


async def _websocket_close_code(url: str, origin: str) -> int:
    async with websockets.connect(url, origin=origin, open_timeout=30) as ws:  # type: ignore[arg-type]
        try:
            await asyncio.wait_for(ws.recv(), 30)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else 0
    return 0


def _wait(condition: Any, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _connections_per_process(parent: int, port: int) -> dict[int, int]:
    """Established connections to `port` per server process (a child of `parent` that listens
    on `port`), from /proc."""
    sockets: dict[str, set[str]] = {"01": set(), "0A": set()}  # established, listening
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] in sockets and int(fields[1].rsplit(":", 1)[1], 16) == port:
            sockets[fields[3]].add(f"socket:[{fields[9]}]")
    counts = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) != parent:
                continue
            fds = {os.readlink(fd) for fd in (stat.parent / "fd").iterdir()}
        except OSError:
            continue
        if fds & sockets["0A"]:
            counts[int(stat.parent.name)] = len(fds & sockets["01"])
    return counts


@pytest.mark.timeout(300)
def test_two_processes_answer_http_and_websockets_and_stop_together(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "AXWEB_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "AXWEB_CHANNEL_LAYER": "memory",  # no Redis: these sockets never join a group
        "LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "axweb.webserve", "--port", str(port), "--processes", "2"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline, status = time.monotonic() + 120, None
        while time.monotonic() < deadline and status is None:
            try:
                status = httpx.get(f"{base}/api/auth/me/", timeout=2).status_code
            except httpx.HTTPError:
                time.sleep(0.5)
        assert status == 401  # Django and DRF answered: not signed in
        _wait(lambda: listeners(port) == 2)  # each process its own socket, once it has loaded
        statuses = {httpx.get(f"{base}/api/auth/me/", timeout=10).status_code for _ in range(6)}
        assert statuses == {401}
        # A burst of keep-alive connections is spread over both processes.
        clients = [httpx.Client(base_url=base, timeout=30) for _ in range(20)]
        try:
            assert {c.get("/api/auth/me/").status_code for c in clients} == {401}
            per_process = _connections_per_process(proc.pid, port)
        finally:
            for client in clients:
                client.close()
        assert sorted(per_process.values())[0] > 0 and len(per_process) == 2, per_process
        # A process that dies is replaced.
        os.kill(next(iter(per_process)), signal.SIGKILL)
        _wait(lambda: listeners(port) < 2)
        _wait(lambda: listeners(port) == 2)
        assert httpx.get(f"{base}/api/auth/me/", timeout=10).status_code == 401
        code = asyncio.run(_websocket_close_code(f"ws://127.0.0.1:{port}/ws/runs/", base))
        assert code == 4401  # the consumer ran and refused an anonymous watcher
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
    assert proc.returncode is not None


@pytest.mark.timeout(180)
def test_a_process_that_cannot_start_stops_the_server_instead_of_restarting_forever(tmp_path):
    env = {**os.environ, "AXWEB_DATA_DIR": str(tmp_path), "LOG_LEVEL": "WARNING"}
    done = subprocess.run(
        [sys.executable, "-m", "axweb.webserve", "--port", str(free_port()), "--processes", "2"]
        + ["--app", "axweb.no_such_module:application"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=170,
    )
    assert done.returncode == 1
    assert "exited before it listened" in done.stderr
