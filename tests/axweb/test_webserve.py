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

import httpx
import pytest
import websockets

from axweb.embedded_redis import free_port
from axweb.webserve import serve_options

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


@pytest.mark.timeout(180)
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
        statuses = {httpx.get(f"{base}/api/auth/me/", timeout=10).status_code for _ in range(6)}
        assert statuses == {401}
        code = asyncio.run(_websocket_close_code(f"ws://127.0.0.1:{port}/ws/runs/", base))
        assert code == 4401  # the consumer ran and refused an anonymous watcher
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
    assert proc.returncode is not None
