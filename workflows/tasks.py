"""Celery tasks: they carry run ids only; everything else is read from the database.

A worker process executes AXWEB_RUNS_PER_WORKER runs at once: Celery's threads pool gives each
run a thread of its own (settings: CELERY_WORKER_POOL, CELERY_WORKER_CONCURRENCY).
"""

from __future__ import annotations

import logging
import os
import socket
import threading

from asgiref.sync import async_to_sync
from celery import shared_task
from celery.signals import worker_ready, worker_shutdown
from django.db import close_old_connections

from workflows.runs import reaper
from workflows.runs import services as run_services

log = logging.getLogger(__name__)
_stop_reaper = threading.Event()


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@shared_task(name="workflows.tasks.execute_run", acks_late=True, ignore_result=True)
def execute_run(run_id: str) -> str | None:
    """The run's event loop goes to a thread of its own; its database calls come back to this
    thread (async_to_sync routes them here), so each run in the pool has its own connection."""
    close_old_connections()
    try:
        return async_to_sync(run_services.run_execute)(run_id, worker_name())
    finally:
        close_old_connections()


@worker_ready.connect
def _start_reaper(**_: object) -> None:
    threading.Thread(
        target=reaper.reap_forever,
        args=(_stop_reaper, worker_name(), run_services.enqueue),
        name="axweb-reaper",
        daemon=True,
    ).start()


@worker_shutdown.connect
def _stop(**_: object) -> None:
    _stop_reaper.set()
