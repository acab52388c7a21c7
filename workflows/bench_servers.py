"""The processes behind the live benchmarks: the real web server and real Celery workers.

`servers()` starts them on this database and Redis (scripted models, so no inference), waits
for the web server to listen, and stops every process group on exit; `Servers.cpu()` reads what each
group has used so far. Used by `bench_stream` (workflows/stream_bench.py) and `bench_http`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import CommandError

from axweb.env import env_int
from axweb.workers import worker_argv

ROOT = Path(__file__).resolve().parents[1]


class StreamBenchError(CommandError):
    """The servers or a run did not come up in time; commands print it in one line."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listeners(port: int) -> int:
    """Sockets listening on `port` on this machine (each web server process has its own)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                count += 1
    return count


def _wait_listening(
    port: int, processes: int, process: subprocess.Popen[bytes], log: Path, timeout_s: float = 120
) -> None:
    """Until every web server process listens: each loads the app before it opens its socket
    (axweb/webserve.py), and a client that connected while only some listened would stay on
    those for the whole run (keep-alive)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StreamBenchError(f"the web server exited early; see {log}")
        if listeners(port) >= processes:
            return
        time.sleep(0.1)
    raise StreamBenchError(
        f"{processes} web server processes did not listen on {port} within {timeout_s} s; see {log}"
    )


def _wait_workers(
    names: list[str], processes: list[subprocess.Popen[bytes]], folder: Path, timeout_s: float = 120
) -> None:
    """Until every worker answers a ping: one still starting would take its CPU from the first
    measured seconds."""
    from axweb.celery import app

    deadline = time.monotonic() + timeout_s
    while names and len(app.control.ping(names, timeout=1.0)) < len(names):
        if any(process.poll() is not None for process in processes):
            raise StreamBenchError(
                f"a worker exited while starting; see the worker logs in {folder}"
            )
        if time.monotonic() > deadline:
            raise StreamBenchError(f"the workers did not answer within {timeout_s} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


def group_cpu_s(pgid: int) -> float:
    """CPU seconds (user + system) used so far by the live processes of a process group."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the name: state ppid pgrp ... utime(11) stime(12)
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


class Servers:
    """The port of the web server, and the process groups to measure."""

    def __init__(self, port: int, web: int, workers: list[int]) -> None:
        self.port, self.web, self.workers = port, web, workers

    def cpu(self) -> dict[str, float]:
        return {
            "server": group_cpu_s(self.web),
            "worker": sum(group_cpu_s(pgid) for pgid in self.workers),
            "client": time.process_time(),
        }


def _start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, *argv],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


@contextmanager
def servers(folder: Path, workers: int = 1, web_processes: int | None = None) -> Iterator[Servers]:
    """The web server as `make run` starts it (axweb/webserve.py: `web_processes`, else
    AXWEB_WEB_PROCESSES) and `workers` Celery worker processes (each running
    AXWEB_RUNS_PER_WORKER runs at once) on this database and Redis."""
    env = {
        **os.environ,
        "AXWEB_SCRIPTED_MODELS": "1",
        "AXWEB_TORCH_THREADS": "1",
        "PYTHONUNBUFFERED": "1",
    }
    port = _free_port()
    if web_processes is None:
        web_processes = env_int("AXWEB_WEB_PROCESSES", 2)
    web = ["-m", "axweb.webserve", "--port", str(port), "--processes", str(web_processes)]
    started: list[subprocess.Popen[bytes]] = []
    tag = uuid.uuid4().hex[:6]
    names = [f"bench{index}-{tag}@{socket.gethostname()}" for index in range(workers)]
    try:
        started.append(_start(web, env, folder / "web.log"))
        for index, name in enumerate(names):
            log = folder / ("worker.log" if index == 0 else f"worker{index + 1}.log")
            started.append(_start([*worker_argv("runs")[1:], "-n", name], env, log))
        _wait_listening(port, max(1, web_processes), started[0], folder / "web.log")
        _wait_workers(names, started[1:], folder)
        yield Servers(port, started[0].pid, [process.pid for process in started[1:]])
    finally:
        for process in started:
            _stop(process)
