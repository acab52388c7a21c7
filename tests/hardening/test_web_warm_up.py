"""The web server loads Celery's publishing path before it listens (axweb/warmup.py): the
first run a web process enqueues does not pay for it, and warming up touches no broker."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
import django
django.setup()
from axweb.warmup import celery_warm_up
assert "kombu.transport.redis" not in sys.modules
celery_warm_up()
from workflows.tasks import execute_run
assert "kombu.transport.redis" in sys.modules
assert execute_run.app.finalized
print("warm")
"""


def test_celery_warm_up_loads_the_broker_transport_without_connecting(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "AXWEB_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "axweb.settings",
        "REDIS_URL": "redis://127.0.0.1:9/0",  # nothing listens there: a connection would fail
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "warm"
