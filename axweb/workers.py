"""The command line of a private Celery worker, as the tests, benchmarks and chaos start it."""

from __future__ import annotations

import sys


def worker_argv(
    queues: str = "runs,lab",
    concurrency: int = 2,
    log_level: str = "WARNING",
    *,
    heartbeat: bool = False,
) -> list[str]:
    """`python -m celery -A axweb worker …` for a worker that talks to no other worker (no gossip,
    no mingle; no heartbeat unless asked): it starts faster and its events are its own."""
    argv = [sys.executable, "-m", "celery", "-A", "axweb", "worker", "-Q", queues]
    argv += ["-c", str(concurrency), "--without-gossip", "--without-mingle", "-l", log_level]
    return argv if heartbeat else [*argv, "--without-heartbeat"]
