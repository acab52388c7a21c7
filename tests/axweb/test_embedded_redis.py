from __future__ import annotations

import socket
import subprocess
import sys

import redis

from axweb.embedded_redis import embedded_redis


def port_is_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_embedded_redis_starts_on_loopback_answers_and_stops():
    with embedded_redis() as url:
        client = redis.Redis.from_url(url)
        client.set("k", "v")
        assert client.get("k") == b"v"
        port = client.connection_pool.connection_kwargs["port"]
        assert client.config_get("bind")["bind"] == "127.0.0.1"
    assert not port_is_open(port)


def test_wrap_gives_a_command_a_redis_when_redis_url_is_unset(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    probe = "import os, redis; print(redis.Redis.from_url(os.environ['REDIS_URL']).ping())"
    out = subprocess.run(
        [sys.executable, "-m", "axweb.embedded_redis", "wrap", "--", sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"
