"""The command line of a private Celery worker, as the tests, benchmarks and chaos start it."""

from __future__ import annotations

import sys


def worker_argv(
    queues: str = "runs,lab",
    runs: int | None = None,
    log_level: str = "WARNING",
    *,
    heartbeat: bool = False,
) -> list[str]:
    """`python -m celery -A axweb worker …` for one worker process that executes `runs` runs at
    once (Celery's threads pool; None: AXWEB_RUNS_PER_WORKER) and talks to no other worker (no
    gossip, no mingle; no heartbeat unless asked): it starts faster and its events are its own."""
    argv = [sys.executable, "-m", "celery", "-A", "axweb", "worker", "-Q", queues, "-P", "threads"]
    if runs is not None:
        argv += ["-c", str(runs)]
    argv += ["--without-gossip", "--without-mingle", "-l", log_level]
    return argv if heartbeat else [*argv, "--without-heartbeat"]
