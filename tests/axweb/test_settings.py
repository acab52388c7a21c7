"""Settings come from the environment only; each case runs in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'db': settings.DATABASES['default'], 'redis': settings.REDIS_URL, "
    "'layer': settings.CHANNEL_LAYERS['default'], 'broker': settings.CELERY_BROKER_URL, "
    "'debug': settings.DEBUG, 'hosts': settings.ALLOWED_HOSTS, 'key': settings.SECRET_KEY, "
    "'queues': sorted(q.name for q in __import__('axweb').celery_app.conf.task_queues)}, "
    "default=str))"
)


def settings_with(tmp_path: Path, **env: str) -> dict:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS")
    }
    clean.update(
        {"AXWEB_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "axweb.settings", **env}
    )
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_database_defaults_to_sqlite_in_the_data_dir(tmp_path):
    db = settings_with(tmp_path)["db"]
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(tmp_path / "axweb.sqlite3")


def test_database_url_selects_postgresql(tmp_path):
    # A shared database needs both keys from the environment
    # (tests/hardening/test_deploy_settings.py).
    db = settings_with(
        tmp_path,
        DATABASE_URL="postgres://alice:pw@db.example:6543/axweb",
        SECRET_KEY="k" * 50,
        AXWEB_CREDENTIALS_KEY="cmVwbGFjZS13aXRoLWZlcm5ldC1nZW5lcmF0ZWtleS0=",
    )["db"]
    assert (db["ENGINE"], db["HOST"], db["PORT"], db["NAME"], db["USER"]) == (
        "django.db.backends.postgresql",
        "db.example",
        6543,
        "axweb",
        "alice",
    )


def test_redis_url_feeds_channel_layer_and_celery_broker(tmp_path):
    parsed = settings_with(tmp_path, REDIS_URL="redis://cache:6390/3")
    assert parsed["layer"]["CONFIG"]["hosts"] == ["redis://cache:6390/3"]
    assert parsed["broker"] == "redis://cache:6390/3"
    assert parsed["queues"] == ["lab", "runs"]


def test_secret_key_is_generated_once_and_kept_private(tmp_path):
    first = settings_with(tmp_path)["key"]
    assert first == settings_with(tmp_path)["key"]
    key_file = tmp_path / "secret_key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert settings_with(tmp_path, SECRET_KEY="from-env")["key"] == "from-env"


def test_debug_and_allowed_hosts_are_read_from_the_environment(tmp_path):
    parsed = settings_with(tmp_path, DEBUG="true", ALLOWED_HOSTS="a.example, b.example")
    assert parsed["debug"] is True
    assert parsed["hosts"] == ["a.example", "b.example"]


def test_a_malformed_boolean_is_refused_with_its_name(tmp_path):
    clean = {**os.environ, "AXWEB_DATA_DIR": str(tmp_path), "DEBUG": "maybe"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    assert out.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in out.stderr


@pytest.mark.parametrize("word", ["1", "yes", "On", "TRUE"])
def test_env_bool_accepts_common_true_words(monkeypatch, word):
    from axweb.env import env_bool

    monkeypatch.setenv("X_FLAG", word)
    assert env_bool("X_FLAG") is True
