"""Lab job fixtures: a job factory, and a real Celery worker serving only the `lab` queue."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch
from django.conf import settings

from axweb.workers import worker_argv
from tests.workflows.conftest import ROOT, Worker, database_url

torch.set_num_threads(1)


class LabWorker(Worker):
    """One worker process, one child: every job reuses the model it loaded once."""

    def start(self) -> None:
        import os

        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "AXWEB_TORCH_THREADS": "1",
        }
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            worker_argv("lab", 1, "INFO"),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@pytest.fixture(scope="module")
def lab_worker(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LabWorker]:
    worker = LabWorker(tmp_path_factory.mktemp("lab-worker") / "worker.log")
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def lab_files() -> Iterator[list[Path]]:
    """Paths of packed files a test made; removed afterwards (they are ~260 MB each)."""
    made: list[Path] = []
    yield made
    for path in made:
        path.unlink(missing_ok=True)


def quant_job(owner: Any, **fields: Any) -> Any:
    from agents.lab.models import QuantizationJob

    return QuantizationJob.objects.create(owner=owner, **fields)


@pytest.fixture
def owner_is_staff(owner: Any) -> None:
    """Starting lab jobs through the API is for staff (agents/lab/views.py)."""
    owner.is_staff = True
    owner.save(update_fields=["is_staff"])
