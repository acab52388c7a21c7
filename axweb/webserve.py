"""The web server process: `python -m axweb.webserve` (the Procfile's `web`, the benchmarks).

uvicorn serving `axweb.server:application` with `AXWEB_WEB_PROCESSES` processes on one
listening socket. One Python process runs one request at a time under the GIL, and with 50
users a single process kept a queue (issue 13's p95); several processes use every core.
Everything they share lives in the database and Redis (sessions, tickets, webhook counters,
the channel layer: each process holds its own subscription per watched run, see
workflows/runs/fanout.py), and the MCP mount is stateless, so any process may take any request.

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
import os

import uvicorn

from axweb.env import env_int, env_str

APP = "axweb.server:application"


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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m axweb.webserve")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--processes", type=int, default=env_int("AXWEB_WEB_PROCESSES", 2), help="server processes"
    )
    parser.add_argument("--app", default=APP)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "axweb.settings")
    uvicorn.run(args.app, **serve_options(args.port, args.processes))  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
