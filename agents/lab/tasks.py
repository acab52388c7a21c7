"""Celery tasks of the lab (routed to the `lab` queue): a job id in, the service does the rest.

Not acks_late: a quantization job can outlast the broker's visibility timeout, and a
redelivered message must not start a second copy (the service claims a job only once).
"""

from __future__ import annotations

import threading

from celery import shared_task
from celery.signals import worker_ready, worker_shutdown
from django.db import close_old_connections

from agents.lab import services
from axweb.env import env_float


@shared_task(name="agents.lab.tasks.run_quantization_job", acks_late=False, ignore_result=True)
def run_quantization_job(job_id: int) -> str:
    close_old_connections()
    try:
        return services.quantization_job_run(job_id)
    finally:
        close_old_connections()


@shared_task(name="agents.lab.tasks.run_benchmark_job", acks_late=False, ignore_result=True)
def run_benchmark_job(job_id: int) -> str:
    close_old_connections()
    try:
        return services.benchmark_job_run(job_id)
    finally:
        close_old_connections()


_stop_reaper = threading.Event()


@worker_ready.connect
def _start_lab_reaper(**_: object) -> None:
    every_s = env_float("AXWEB_REAP_EVERY_S", 5.0) * 3
    threading.Thread(target=services.reap_forever, args=(_stop_reaper, every_s),
                     name="axweb-lab-reaper", daemon=True).start()


@worker_shutdown.connect
def _stop_lab_reaper(**_: object) -> None:
    _stop_reaper.set()
