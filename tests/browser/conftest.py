"""Browser-test fixtures: one live server + Celery worker on the test database, one Chromium.

Each test gets a fresh user (transactional_db flushes after it), an API client with that
user's token, and a logged-out browser page at 1280x800. Test bodies use the API, not the ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, sync_playwright

from tests.browser.live import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENSHOTS,
    LiveApp,
    build_frontend,
    running,
    server_env,
)
from tests.workflows.conftest import database_url

PASSWORD = "browser-pass-123"
T = TypeVar("T")
FAILED = pytest.StashKey[bool]()


# Package scope: the server and its worker stop after the last browser test, so this worker never
# takes tasks queued by later tests (tests/workflows runs its own worker on the same Redis).
@pytest.fixture(scope="package")
def live_app(django_db_setup: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    build = build_frontend()
    env = server_env(database_url(), settings.REDIS_URL, build)
    with running(env, tmp_path_factory.mktemp("live")) as app:
        yield app


@pytest.fixture
def browser(api: httpx.Client) -> Iterator[Browser]:
    # Per test, after the ORM work of `user`/`api`: Playwright's sync API keeps an event loop
    # running in this thread, and Django refuses ORM calls (the test-db flush too) under one.
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def user(transactional_db: Any, django_user_model: Any) -> Any:
    return django_user_model.objects.create_user("ada", password=PASSWORD)


@pytest.fixture
def api(live_app: LiveApp, user: Any) -> Iterator[httpx.Client]:
    from accounts.tokens import api_token_create

    _token, secret = api_token_create(user=user, name="browser tests")
    with httpx.Client(
        base_url=live_app.url, headers={"Authorization": f"Bearer {secret}"}, timeout=20
    ) as client:
        yield client


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        item.stash[FAILED] = True


@pytest.fixture
def page(request: pytest.FixtureRequest, browser: Browser, live_app: LiveApp) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_app.url, viewport={"width": 1280, "height": 800}, accept_downloads=True
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    if request.node.stash.get(FAILED, False):
        shot(tab, f"failed-{request.node.name}")
    context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


@pytest.fixture
def logged_in(page: Page, user: Any) -> Page:
    login(page, user.username)
    return page


def login(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    form = page.get_by_test_id("login-form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(password)
    form.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("workflow-search").wait_for()


def shot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def orm(fn: Callable[[], T]) -> T:
    """Run ORM work from a test body: in a worker thread, away from Playwright's event loop."""
    from django.db import connection

    def call() -> T:
        try:
            return fn()
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()


def make_agent(api: httpx.Client, name: str, delay: float, chunks: int = 4) -> dict[str, Any]:
    """An agent made through the API, then pointed at a scripted model (the API refuses
    `scripted:`)."""
    from agents.models import Agent

    body = {
        "name": name,
        "role": f"{name} writer",
        "system_prompt": "Answer briefly.",
        "model": "builtin:smollm2-135m",
        "parameters": {},
        "tools": [],
    }
    response = api.post("/api/agents/", json=body)
    assert response.status_code == 201, response.text
    scripted = f"scripted:{name}?delay={delay}&chunks={chunks}"
    orm(lambda: Agent.objects.filter(pk=response.json()["id"]).update(model=scripted))
    return {**response.json(), "model": scripted}
