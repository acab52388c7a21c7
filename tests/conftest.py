"""Shared test setup: no test reaches the internet; a fixed cast of users."""

from __future__ import annotations

import ipaddress
import os
import socket
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

_real_connect = socket.socket.connect


def _is_local(address: Any) -> bool:
    if isinstance(address, (str, bytes)):  # unix socket
        return True
    host = address[0]
    if host in ("localhost",):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address):
        raise OSError(f"Tests must not reach the network (tried {address!r}).")
    return _real_connect(self, address)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]


def login_counters_clear() -> None:
    """Forget every failed-login count (they live in the shared Redis cache, across tests)."""
    from django.core.cache import cache

    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    for key in client.scan_iter(match="*login-fail:*"):
        client.delete(key)


@pytest.fixture(autouse=True)
def _fresh_login_counters(request: pytest.FixtureRequest) -> Any:
    """Failed logins of one test (a fuzzer's, a probe's) must not throttle the next test's login."""
    yield
    uses_django = {"db", "transactional_db", "live_app"} & set(request.fixturenames)
    if uses_django or request.node.get_closest_marker("django_db"):
        try:
            login_counters_clear()
        except Exception:  # no Redis in this run: nothing was counted either
            pass


@pytest.fixture
def owner(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user("owner", password="owner-pass-123")


@pytest.fixture
def other(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user("other", password="other-pass-123")


@pytest.fixture
def staff(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user("staff", password="staff-pass-123", is_staff=True)


def _client_for(user: Any) -> Any:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def owner_api(owner: Any) -> Any:
    return _client_for(owner)


@pytest.fixture
def other_api(other: Any) -> Any:
    return _client_for(other)


@pytest.fixture
def staff_api(staff: Any) -> Any:
    return _client_for(staff)


from tests.workflows.conftest import celery_worker  # noqa: E402,F401 - one real worker fixture for every suite


@pytest.fixture
def live(transactional_db: Any, tmp_path: Any) -> Any:
    """This test's own live AXWeb on the test database: the web server and a Celery worker."""
    from django.conf import settings

    from tests.browser.live import running, server_env
    from tests.workflows.conftest import database_url

    with running(
        server_env(database_url(), settings.REDIS_URL, tmp_path), tmp_path / "logs"
    ) as app:
        yield app
