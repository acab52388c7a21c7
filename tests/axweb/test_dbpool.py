"""The web server's PostgreSQL connections come from a pool (axweb/dbpool.py), and its SQLite
connections stay open between requests (axweb/sqlite_pool); nothing else changes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from axweb.dbpool import web_db_pool

POSTGRES = {"ENGINE": "django.db.backends.postgresql", "NAME": "axweb", "CONN_MAX_AGE": 60}
SQLITE = {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3", "OPTIONS": {"timeout": 20}}


def test_a_postgresql_database_gets_a_pool_of_the_given_size_with_checked_connections():
    databases = {"default": dict(POSTGRES)}
    assert web_db_pool(databases, 16) == ["default"]
    assert databases["default"]["OPTIONS"]["pool"]["max_size"] == 16
    assert databases["default"]["CONN_MAX_AGE"] == 0  # Django refuses a pool with persistent ones
    assert databases["default"]["CONN_HEALTH_CHECKS"] is True


def test_a_size_of_zero_gets_no_pool():
    databases = {"default": dict(SQLITE), "other": dict(POSTGRES)}
    assert web_db_pool(databases, 0) == []
    assert "pool" not in databases["default"]["OPTIONS"]
    assert "OPTIONS" not in databases["other"]
    assert databases["default"] == SQLITE


def test_sqlite_keeps_idle_connections_open_with_its_options_untouched():
    databases = {"default": dict(SQLITE), "other": dict(POSTGRES)}
    assert web_db_pool(databases, 8) == ["default", "other"]
    assert databases["default"]["ENGINE"] == "axweb.sqlite_pool"
    assert databases["default"]["AXWEB_POOL"] == 8
    assert databases["default"]["OPTIONS"] == {"timeout": 20}  # all sqlite3.connect() receives


def test_the_server_entry_point_pools_postgresql_connections_and_the_launcher_runs_it():
    """In a process of its own (importing it here would pool this test process's database):
    nothing connects, so no PostgreSQL server is needed."""
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://axweb@127.0.0.1:1/axweb",
        "SECRET_KEY": "test-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "AXWEB_CREDENTIALS_KEY": "Y2ktb25seS1mZXJuZXQta2V5LTMyLWJ5dGVzLXh4eHg=",
        "AXWEB_DB_POOL_SIZE": "5",
    }
    code = (
        "import gc, axweb.server; from django.db import connections; "
        "print(connections['default'].settings_dict['OPTIONS']['pool']['max_size']); "
        "print(gc.get_freeze_count() > 50_000)"  # the loaded app is out of the collector's sight
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.stdout.split() == ["5", "True"], out.stderr[-2000:]
    web = [line for line in (root / "Procfile").read_text().splitlines() if line.startswith("web:")]
    assert web and "axweb.webserve" in web[0]
    from axweb.webserve import APP

    assert APP == "axweb.server:application"
