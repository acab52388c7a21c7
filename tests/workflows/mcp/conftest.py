"""A live AXWeb (web server + a Celery worker) on the test database, for the MCP server and the
`mcp` tool kind: both talk to loopback servers, so the outbound guard allows 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from tests.browser.live import LiveApp, running, server_env
from tests.workflows.conftest import database_url

LOOPBACK = "127.0.0.1"


@pytest.fixture(scope="module")
def live_app(django_db_setup: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    build = tmp_path_factory.mktemp("build")  # no pages are opened: an empty app folder
    (build / "app").mkdir()
    (build / "app" / "index.html").write_text("<!doctype html>")
    env = {
        **server_env(database_url(), settings.REDIS_URL, Path(build)),
        "AXWEB_HTTP_ALLOWED_HOSTS": LOOPBACK,
    }
    with running(env, tmp_path_factory.mktemp("live")) as app:
        yield app


@pytest.fixture
def token(transactional_db: Any, owner: Any) -> str:
    from accounts.tokens import api_token_create

    return api_token_create(user=owner, name="mcp tests")[1]
