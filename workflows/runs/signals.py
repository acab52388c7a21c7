"""`run_settled`: sent once a run's final status (succeeded, failed, cancelled) is committed,
in whichever process settled it (the worker that finished it, the web process that cancelled a
queued run, the reaper). Receivers (the chat's answers, workflows.chat) get `run_id`; a
receiver's error is logged and never fails the run."""

from __future__ import annotations

import logging
from uuid import UUID

from django.dispatch import Signal

run_settled = Signal()
log = logging.getLogger(__name__)


def run_settled_send(run_id: UUID) -> None:
    for receiver, result in run_settled.send_robust(sender=None, run_id=run_id):
        if isinstance(result, Exception):
            log.error("run %s: %r failed on run_settled", run_id, receiver, exc_info=result)
