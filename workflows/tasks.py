"""Celery tasks: they carry run ids only; everything else is read from the database."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading

from celery import shared_task
from celery.signals import worker_ready, worker_shutdown
from django.db import close_old_connections

from axweb.env import env_float
from workflows import approvals, run_services

log = logging.getLogger(__name__)
REAP_EVERY_S = env_float("AXWEB_REAP_EVERY_S", 5.0)
_stop_reaper = threading.Event()


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@shared_task(name="workflows.tasks.execute_run", acks_late=True, ignore_result=True)
def execute_run(run_id: str) -> str | None:
    close_old_connections()
    try:
        return asyncio.run(run_services.run_execute(run_id, worker_name()))
    finally:
        close_old_connections()


def _reap_forever() -> None:
    while not _stop_reaper.wait(REAP_EVERY_S):
        try:
            close_old_connections()
            resumed = run_services.run_reap_orphans()
            approvals.approvals_expire_due()  # paused runs whose approval deadline passed go on
            if resumed:
                log.info("re-enqueued orphaned runs: %s", ", ".join(map(str, resumed)))
        except Exception:  # the reaper must outlive a database hiccup
            log.exception("reaping orphaned runs failed")


@worker_ready.connect
def _start_reaper(**_: object) -> None:
    threading.Thread(target=_reap_forever, name="axweb-reaper", daemon=True).start()


@worker_shutdown.connect
def _stop(**_: object) -> None:
    _stop_reaper.set()
