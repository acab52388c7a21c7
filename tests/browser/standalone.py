"""A throwaway AXWeb (fresh SQLite in a temp dir, one user with a token) for the canvas
benchmark."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.browser.live import ROOT, LiveApp, build_frontend, server_env

USERNAME, PASSWORD = "bench", "bench-pass-123"
_MAKE_USER = (
    "from django.contrib.auth import get_user_model; from accounts.tokens import api_token_create; "
    f"u = get_user_model().objects.create_user('{USERNAME}', password='{PASSWORD}'); "
    "print(api_token_create(user=u, name='bench')[1])"
)


@dataclass
class Standalone:
    app: LiveApp
    token: str


@contextmanager
def standalone(redis_url: str, worker: bool = False) -> Iterator[Standalone]:
    """Migrate a fresh database, create the user, serve it; everything is removed afterwards."""
    tmp = Path(tempfile.mkdtemp(prefix="axweb-standalone-"))
    env = server_env(f"sqlite:///{tmp / 'db.sqlite3'}", redis_url, build_frontend())
    app = None
    try:
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
        token = (
            subprocess.run(
                [*manage, "shell", "-c", _MAKE_USER],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        app = LiveApp(env, tmp / "logs", worker=worker)
        app.wait_ready()
        yield Standalone(app, token)
    finally:
        if app:
            app.stop()
        shutil.rmtree(tmp, ignore_errors=True)
