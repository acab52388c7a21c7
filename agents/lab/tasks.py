"""Celery tasks of the lab (routed to the `lab` queue): a job id in, the service does the rest.

acks_late: a message is acknowledged when the job ends, so a worker killed before it claimed
the job leaves the message to be delivered again. A redelivery (a job that outlasted the
broker's visibility timeout, or a message the reaper re-sent) never starts a second copy: the
service claims a queued job only once. Queued jobs whose message was lost altogether are
re-sent by the reaper (workflows.runs.reaper.lab_reap).
"""

from __future__ import annotations

import threading

from celery import shared_task
from celery.signals import worker_ready, worker_shutdown
from django.conf import settings
from django.db import close_old_connections

from agents.lab.services import benchmark, lifecycle, quantization


@shared_task(name="agents.lab.tasks.run_quantization_job", acks_late=True, ignore_result=True)
def run_quantization_job(job_id: int) -> str:
    close_old_connections()
    try:
        return quantization.quantization_job_run(job_id)
    finally:
        close_old_connections()


@shared_task(name="agents.lab.tasks.run_benchmark_job", acks_late=True, ignore_result=True)
def run_benchmark_job(job_id: int) -> str:
    close_old_connections()
    try:
        return benchmark.benchmark_job_run(job_id)
    finally:
        close_old_connections()


_stop_reaper = threading.Event()


@worker_ready.connect
def _start_lab_reaper(**_: object) -> None:
    every_s = float(settings.AXWEB_REAP_EVERY_S) * 3
    threading.Thread(
        target=lifecycle.reap_forever,
        args=(_stop_reaper, every_s),
        name="axweb-lab-reaper",
        daemon=True,
    ).start()


@worker_shutdown.connect
def _stop_lab_reaper(**_: object) -> None:
    _stop_reaper.set()
