"""A live AXWeb for browser and live-server tests and the canvas benchmark: a private frontend
build, the product's web server (`python -m axweb.webserve`, one process) and a Celery worker.

Nothing here touches static/app: the app is built once per source revision into
artifacts/browser-build/<hash>/app and served through tests.browser.server_settings.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from axweb.workers import worker_argv

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
ARTIFACTS = ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_BUILD_INPUTS = ("src", "index.html", "package-lock.json", "vite.config.ts", "tsconfig.json")


def _source_hash() -> str:
    digest = hashlib.sha256()
    for name in _BUILD_INPUTS:
        path = FRONTEND / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(FRONTEND)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def build_frontend() -> Path:
    """Build the app (if this source revision was not built yet); returns the static dir to
    serve."""
    target = ARTIFACTS / "browser-build" / _source_hash()
    if not (target / "app" / "index.html").exists():
        subprocess.run(
            [
                "npx",
                "vite",
                "build",
                "--outDir",
                str(target / "app"),
                "--emptyOutDir",
                "--logLevel",
                "error",
            ],
            cwd=FRONTEND,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        _prune(target.parent, keep=3)
    return target


def _prune(builds: Path, keep: int) -> None:
    """Remove all but the `keep` newest builds (a running test or bench uses one of those)."""
    for old in sorted(builds.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)[keep:]:
        shutil.rmtree(old, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Process:
    """A subprocess in its own process group, logging to a file; stop() ends the whole group."""

    def __init__(self, name: str, argv: list[str], env: Mapping[str, str], log_dir: Path) -> None:
        self.name, self.log_path = name, log_dir / f"{name}.log"
        log_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=dict(env),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""


def server_env(database_url: str, redis_url: str, build: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "tests.browser.server_settings",
        "AXWEB_BROWSER_BUILD": str(build),
        "AXWEB_SCRIPTED_MODELS": "1",
        "AXWEB_REAP_EVERY_S": "1",
        "AXWEB_TORCH_THREADS": "1",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "LOG_LEVEL": "WARNING",
        "AXWEB_HTTP_ALLOWED_HOSTS": "dictionary.example.org,127.0.0.1",
    }  # the HTTP tool the tools page saves; the loopback MCP server the mcp tool discovers


class LiveApp:
    """The web server as the Procfile runs it (uvicorn through `axweb.webserve`, here with one
    process) on a free port, plus (optionally) a Celery worker."""

    def __init__(self, env: Mapping[str, str], log_dir: Path, worker: bool = True) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env, self.log_dir = dict(env), log_dir
        web = [sys.executable, "-m", "axweb.webserve", "--port", str(self.port), "--processes", "1"]
        self.processes = [Process("web", web, env, log_dir)]
        if worker:
            self.processes.append(Process("worker", worker_argv(), env, log_dir))

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for proc in self.processes:
                if not proc.alive():
                    raise RuntimeError(f"{proc.name} exited:\n{proc.log_tail()}")
            try:
                if httpx.get(f"{self.url}/api/auth/me/", timeout=2).status_code in (401, 403):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(
            f"the server did not answer within {timeout} s:\n{self.processes[0].log_tail()}"
        )

    def stop(self) -> None:
        for proc in reversed(self.processes):
            proc.stop()


@contextmanager
def running(env: Mapping[str, str], log_dir: Path, worker: bool = True) -> Iterator[LiveApp]:
    """A LiveApp that answers HTTP, stopped (worker first) however the block ends."""
    app = LiveApp(env, log_dir, worker=worker)
    try:
        app.wait_ready()
        yield app
    finally:
        app.stop()
