"""Production settings come from the environment; the README's example passes `check --deploy`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PASSTHROUGH = ("PATH", "HOME", "LANG", "VIRTUAL_ENV", "PYTHONPATH")


def production_example() -> dict[str, str]:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- production-env -->", 1)[1].split("```", 2)[1]
    pairs = [line.split("=", 1) for line in block.strip().splitlines()]
    return {name.strip(): value.strip() for name, value in pairs}


def manage(
    args: list[str], env: dict[str, str], tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    base = {k: os.environ[k] for k in PASSTHROUGH if k in os.environ}
    base.update({"AXWEB_DATA_DIR": str(tmp_path), "HF_HUB_OFFLINE": "1"})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def setting(name: str, env: dict[str, str], tmp_path: Path) -> str:
    code = f"from django.conf import settings; print(repr(settings.{name}))"
    done = manage(["shell", "-c", code], env, tmp_path)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]  # after Django's shell banner


def test_readme_production_example_passes_check_deploy_without_warnings(tmp_path: Path) -> None:
    done = manage(["check", "--deploy", "--fail-level", "WARNING"], production_example(), tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_shared_database_without_secret_key_refuses_to_start(tmp_path: Path) -> None:
    env = {k: v for k, v in production_example().items() if k != "SECRET_KEY"}
    done = manage(["check"], env, tmp_path)
    assert done.returncode != 0
    assert "SECRET_KEY is not set" in done.stderr.splitlines()[-1]
    assert not (tmp_path / "secret_key").exists()


def test_shared_database_without_credentials_key_refuses_to_start(tmp_path: Path) -> None:
    env = {k: v for k, v in production_example().items() if k != "AXWEB_CREDENTIALS_KEY"}
    done = manage(["check"], env, tmp_path)
    assert done.returncode != 0
    assert "AXWEB_CREDENTIALS_KEY is not set" in done.stderr.splitlines()[-1]


def test_credentials_key_that_is_not_a_fernet_key_is_refused_at_start(tmp_path: Path) -> None:
    done = manage(
        ["check"], {**production_example(), "AXWEB_CREDENTIALS_KEY": "not-a-key"}, tmp_path
    )
    assert done.returncode != 0
    assert "AXWEB_CREDENTIALS_KEY is not a Fernet key" in done.stderr.splitlines()[-1]


def test_embedded_default_keeps_plain_http_on_loopback_working(tmp_path: Path) -> None:
    assert setting("SECURE_SSL_REDIRECT", {}, tmp_path) == "False"
    assert setting("SESSION_COOKIE_SECURE", {}, tmp_path) == "False"
    assert setting("SECURE_PROXY_SSL_HEADER", {}, tmp_path) == "None"
    assert setting("SECURE_HSTS_SECONDS", {}, tmp_path) == "0"


def test_default_allowed_hosts_do_not_include_testserver(tmp_path: Path) -> None:
    assert "testserver" not in setting("ALLOWED_HOSTS", {}, tmp_path)


def test_proxy_ssl_header_is_opt_in_and_named_like_the_http_header(tmp_path: Path) -> None:
    value = setting(
        "SECURE_PROXY_SSL_HEADER", {"SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"}, tmp_path
    )
    assert value == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_settings_dump_hides_otlp_headers_and_broker_passwords(settings) -> None:  # type: ignore[no-untyped-def]
    settings.AXWEB_OTLP_HEADERS = "Authorization=Bearer sk-otlp-secret-123"
    settings.CELERY_BROKER_URL = "redis://:broker-pass-456@redis.internal:6379/0"
    settings.ANTHROPIC_API_KEY = "sk-ant-server-789"
    settings.DEFAULT_EXCEPTION_REPORTER_FILTER = "axweb.errors.SecretSettingsFilter"
    from django.views.debug import get_default_exception_reporter_filter

    get_default_exception_reporter_filter.cache_clear()
    reporter_filter = get_default_exception_reporter_filter()
    dump = repr(reporter_filter.get_safe_settings())
    for secret in ("sk-otlp-secret-123", "broker-pass-456", "sk-ant-server-789"):
        assert secret not in dump


def test_a_worker_pool_runs_twenty_runs_per_process_by_default_and_refuses_zero(
    tmp_path: Path,
) -> None:
    assert setting("CELERY_WORKER_POOL", {}, tmp_path) == "'threads'"
    # `make run` starts one worker: 20 chat sessions answered at once must not queue
    assert setting("CELERY_WORKER_CONCURRENCY", {}, tmp_path) == "20"
    assert setting("CELERY_WORKER_CONCURRENCY", {"AXWEB_RUNS_PER_WORKER": "3"}, tmp_path) == "3"
    done = manage(["check"], {"AXWEB_RUNS_PER_WORKER": "0"}, tmp_path)
    assert done.returncode != 0
    assert "AXWEB_RUNS_PER_WORKER=0 must be at least 1" in done.stderr.splitlines()[-1]
