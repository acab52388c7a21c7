"""`make run`'s supervisor: web, worker and a private Redis start together and stop together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from axweb.embedded_redis import free_port
from axweb.launcher import launch_environment

ROOT = Path(__file__).resolve().parents[2]


def test_launch_environment_adds_a_private_redis_only_when_redis_url_is_unset():
    env, processes = launch_environment({"PATH": "/usr/bin"})
    assert processes == ["redis", "web", "worker", "beat"]
    assert env["REDIS_URL"] == f"redis://127.0.0.1:{env['AXWEB_REDIS_PORT']}/0"
    env, processes = launch_environment(
        {"PATH": "/usr/bin", "REDIS_URL": "redis://elsewhere:6379/0", "PORT": "9001"}
    )
    assert processes == ["web", "worker", "beat"]
    assert env["AXWEB_PORT"] == "9001"


def _descendants(pid: int) -> set[int]:
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout
    children: dict[int, list[int]] = {}
    for line in out.splitlines():
        child, parent = map(int, line.split())
        children.setdefault(parent, []).append(child)
    found, stack = set(), [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.add(child)
            stack.append(child)
    return found


@pytest.mark.timeout(180)
def test_the_app_answers_and_ctrl_c_stops_every_process(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        PORT=str(port),
        AXWEB_DATA_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "axweb.launcher"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline, status = time.monotonic() + 120, None
        while time.monotonic() < deadline and status != 200:
            try:
                status = urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/docs/", timeout=2
                ).status
            except OSError:
                time.sleep(0.5)
        assert status == 200
        time.sleep(3)  # let the worker finish booting so it has children to stop
        started = _descendants(proc.pid)
        assert len(started) >= 3
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        time.sleep(1)
        alive = [
            pid
            for pid in started
            if Path(f"/proc/{pid}").exists()
            and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
        ]
        assert alive == []
    finally:
        if proc.poll() is None:
            proc.kill()
