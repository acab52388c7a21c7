"""A real Celery worker process on the test database, and helpers to build and await runs."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from axweb.workers import worker_argv

ROOT = Path(__file__).resolve().parents[2]
os.environ["AXWEB_SCRIPTED_MODELS"] = "1"


def database_url() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


class Worker:
    """A `celery worker` subprocess serving the runs queue against the test database."""

    def __init__(self, log_path: Path, env: dict[str, str] | None = None) -> None:
        self.log_path = log_path
        self.extra_env = env or {}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "AXWEB_SCRIPTED_MODELS": "1",
            "AXWEB_REAP_EVERY_S": "1",
            "AXWEB_TORCH_THREADS": "1",
            **self.extra_env,
        }
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            worker_argv(log_level="INFO"),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)


@pytest.fixture
def celery_worker(transactional_db: Any, tmp_path: Path) -> Iterator[Worker]:
    worker = Worker(tmp_path / "worker.log")
    worker.start()
    yield worker
    worker.stop()


def wait_for(predicate: Any, timeout: float = 60.0, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


def node(node_id: str, kind: str, **config: Any) -> dict[str, Any]:
    return {"id": node_id, "kind": kind, "config": config, "position": {"x": 0, "y": 0}}


def edge(
    source: str, target: str, source_port: str = "out", target_port: str = "in"
) -> dict[str, Any]:
    return {
        "id": f"{source}.{source_port}-{target}.{target_port}",
        "source": source,
        "source_port": source_port,
        "target": target,
        "target_port": target_port,
    }


def parallel_graph(delay: float = 0.6) -> dict[str, Any]:
    """input → two slow scripted llm branches → join → output."""
    return {
        "schema_version": 1,
        "nodes": [
            node("in", "input", name="question", type="text", required=True),
            node("a", "llm", model=f"scripted:alpha?delay={delay}&chunks=3", prompt="A: {{in}}"),
            node("b", "llm", model=f"scripted:beta?delay={delay}&chunks=3", prompt="B: {{in}}"),
            node("j", "join", policy="all"),
            node("out", "output", name="answer"),
        ],
        "edges": [
            edge("in", "a"),
            edge("in", "b"),
            edge("a", "j"),
            edge("b", "j"),
            edge("j", "out"),
        ],
    }
