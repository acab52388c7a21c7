"""The web server process: `python -m axweb.webserve` (the Procfile's `web`, the benchmarks).

uvicorn serving `axweb.server:application` with `AXWEB_WEB_PROCESSES` processes on one port.
One Python process runs one request at a time under the GIL, and with 50 users a single process
kept a queue (issue 13's p95); several processes use every core. Everything they share lives in
the database and Redis (sessions, tickets, webhook counters, the channel layer: each process
holds its own subscription per watched run, see workflows/runs/fanout.py), and the MCP mount is
stateless, so any process may take any request.

Each process loads the app first and only then opens its own listening socket on the port
(`SO_REUSEPORT`), and the kernel spreads new connections evenly over the sockets. With uvicorn's
own `--workers`, all processes share one socket bound before any of them had loaded the app: a
burst of connections - 50 clients at once, or a proxy opening its pool - waited for the first
process to finish loading, and that process accepted the whole burst in one go (asyncio accepts
everything queued), so it served every keep-alive connection of the burst while the other
process idled (issue 13: 1477 requests against 179). This file also restarts a process that
dies, as uvicorn's supervisor does; one that dies before it ever listened stops the server.

Options that differ from uvicorn's defaults, and why:
- no lifespan: Channels' ProtocolTypeRouter has no `lifespan` route;
- no proxy headers: the client address behind a proxy is the app's business
  (`AXWEB_TRUSTED_PROXIES`, accounts/throttle.py), not the server's;
- no per-message deflate: trace frames are small and frequent, and compressing each cost CPU
  on both ends;
- an idle keep-alive connection is kept 75 s, not 5: a client or proxy must be the one to close
  it (httpx drops idle connections after 5 s too, and at equal timeouts a request sent just
  as the server closed failed with a read error under load);
- no access log (LOG_LEVEL governs the rest).
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import signal
import socket
import threading
from multiprocessing.synchronize import Event

import uvicorn

from axweb.env import env_int, env_str

APP = "axweb.server:application"
log = logging.getLogger("uvicorn.error")


def serve_options(port: int, processes: int) -> dict[str, object]:
    return {
        "host": env_str("AXWEB_BIND", "127.0.0.1"),
        "port": port,
        "workers": max(1, processes),
        "lifespan": "off",
        "proxy_headers": False,
        "ws_per_message_deflate": False,
        "timeout_keep_alive": 75,
        "access_log": False,
        "log_level": env_str("LOG_LEVEL", "INFO").lower(),
    }


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port that other processes may bind too (the kernel balances)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    return sock


def serve_one(app: str, port: int, bound: Event | None = None) -> None:
    """One server process: load the app, then listen on a socket of its own."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "axweb.settings")
    options = serve_options(port, 1)
    options.pop("workers")
    config = uvicorn.Config(app, **options)  # type: ignore[arg-type]
    config.load()  # imports the app and warms it up (axweb/server.py) before any connection
    sock = reuse_port_socket(config.host, port)
    if bound is not None:
        bound.set()
    uvicorn.Server(config).run(sockets=[sock])


class Supervisor:
    """`processes` server processes; one that dies after it bound its socket is restarted, one
    that dies before (the app or the port is broken, a restart would fail again) stops all."""

    def __init__(self, app: str, port: int, processes: int) -> None:
        self.app, self.port = app, port
        self.spawn = multiprocessing.get_context("spawn")
        self.children = [self.start() for _ in range(processes)]
        self.status = 0

    def start(self) -> tuple[multiprocessing.process.BaseProcess, Event]:
        bound = self.spawn.Event()
        child = self.spawn.Process(target=serve_one, args=(self.app, self.port, bound))
        child.start()
        return child, bound

    def check(self) -> bool:
        """Restart the children that died; False when the server must stop."""
        for index, (child, bound) in enumerate(self.children):
            if child.is_alive():
                continue
            if not bound.is_set():
                log.error("Server process [%s] exited before it listened; stopping.", child.pid)
                self.status = 1
                return False
            log.warning("Server process [%s] died (%s); restarting it.", child.pid, child.exitcode)
            self.children[index] = self.start()
        return True

    def stop(self) -> None:
        for child, _ in self.children:
            if child.is_alive():
                child.terminate()
        for child, _ in self.children:
            child.join(timeout=30)
            if child.is_alive():
                child.kill()
                child.join()


def supervise(app: str, port: int, processes: int) -> int:
    """Run the server processes until SIGINT/SIGTERM; return the exit status."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    supervisor = Supervisor(app, port, processes)
    while not stop.wait(0.5) and supervisor.check():
        pass
    supervisor.stop()
    return supervisor.status


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m axweb.webserve")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--processes", type=int, default=env_int("AXWEB_WEB_PROCESSES", 2), help="server processes"
    )
    parser.add_argument("--app", default=APP)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "axweb.settings")
    if args.processes <= 1:
        uvicorn.run(args.app, **serve_options(args.port, 1))  # type: ignore[arg-type]
        return
    logging.basicConfig(
        level=env_str("LOG_LEVEL", "INFO").upper(), format="%(levelname)s: %(message)s"
    )
    raise SystemExit(supervise(args.app, args.port, args.processes))


if __name__ == "__main__":
    main()
