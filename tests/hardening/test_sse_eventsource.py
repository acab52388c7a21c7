"""Server-sent events for a real EventSource (Chromium): `Accept: text/event-stream`, Last-Event-ID.

The page is logged in by session cookie (EventSource cannot send an Authorization header) and
opens /api/runs/<id>/events/stream/ on a live web server + Celery worker. After the run ends the
server closes the stream; the browser reconnects on its own with Last-Event-ID, and the server
answers 204, which stops EventSource reconnecting: every event arrives exactly once.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import sync_playwright

from tests.browser.conftest import orm
from tests.browser.live import CHROMIUM, CHROMIUM_ARGS, LiveApp
from workflows.stream_bench import enqueue, queued_run, stream_graph

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

LISTEN = """([url, types]) => new Promise((resolve) => {
  const got = [];
  const source = new EventSource(url);
  for (const type of types) {
    source.addEventListener(type, (e) => got.push(
      {id: e.lastEventId, type: e.type, seq: JSON.parse(e.data).seq}));
  }
  source.onerror = () => {
    // EventSource reconnects by itself (with Last-Event-ID) unless the server refused the resume.
    if (source.readyState === EventSource.CLOSED) resolve({got, state: source.readyState});
  };
  setTimeout(() => resolve({got, state: source.readyState, timedOut: true}), 60000);
})"""


def session_cookie(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return str(client.cookies[settings.SESSION_COOKIE_NAME].value)


def test_an_eventsource_in_chromium_receives_every_event_of_a_run_once(
    live: LiveApp, django_user_model: Any
) -> None:
    from workflows.runs.events import EVENT_TYPES
    from workflows.services import workflow_create

    owner = django_user_model.objects.create_user("sse-owner")
    workflow = workflow_create(owner=owner, name="sse", graph=stream_graph(2, 5, 0.5))
    run = queued_run(owner, workflow)
    cookie = session_cookie(owner)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = chromium.new_context(base_url=live.url)
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live.url}]
        )
        page = context.new_page()
        page.goto("/api/auth/me/")  # any same-origin page
        listening = page.evaluate_handle(
            LISTEN, [f"/api/runs/{run.id}/events/stream/", list(EVENT_TYPES)]
        )
        orm(lambda: enqueue(run))
        result = page.evaluate("(p) => p", listening)
        chromium.close()

    stored = orm(
        lambda: list(
            type(run).objects.get(pk=run.pk).events.order_by("seq").values_list("seq", "type")
        )
    )
    assert not result.get("timedOut"), result
    assert result["state"] == 2  # CLOSED: the resume after run.finished was answered 204
    assert [(e["seq"], e["type"]) for e in result["got"]] == stored
    assert [int(e["id"]) for e in result["got"]] == [seq for seq, _ in stored]
    assert stored[-1][1] == "run.finished"
