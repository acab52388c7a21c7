"""Retention: old runs' events, node runs and tool-call records are pruned (AXWEB_RETENTION_DAYS,
`prune_runs`, the worker's reaper); tool-call records die with their run; snapshots and exports
read a long trace a page at a time and the export streams."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from tests.workflows.test_consumers import make_run, tokens
from tools.models import ToolCallRecord
from workflows.models import NodeRun, Run
from workflows.runs import events as ev
from workflows.runs import reaper, retention
from workflows.runs import selectors as run_selectors
from workflows.runs.snapshot import snapshot_apply, snapshot_empty

pytestmark = pytest.mark.django_db


def traced(owner: Any, status: str, finished_days_ago: float | None) -> Run:
    """A run with 5 events, a node run and a tool-call record, finished that many days ago."""
    run = make_run(owner)
    ev.events_append(
        run.id,
        [("run.started", None, {}), *tokens(run, 3), ("node.finished", "a", {})],
        publish=False,
    )
    NodeRun.objects.create(run=run, node_id="a", status="succeeded", outputs={"text": "x"})
    ToolCallRecord.objects.create(
        run=run, key=f"{run.id}/a/1", tool="echo", arguments={}, result={"ok": 1}
    )
    finished = (
        timezone.now() - timedelta(days=finished_days_ago)
        if finished_days_ago is not None
        else None
    )
    Run.objects.filter(pk=run.pk).update(status=status, finished_at=finished)
    return run


def details(run: Run) -> tuple[int, int, int]:
    return run.events.count(), run.node_runs.count(), run.tool_calls.count()


def test_runs_finished_before_the_retention_lose_their_details_and_keep_their_row(
    owner: Any,
) -> None:
    old = traced(owner, "succeeded", finished_days_ago=40)
    recent = traced(owner, "failed", finished_days_ago=5)
    running = traced(owner, "running", finished_days_ago=None)
    assert retention.runs_prune(days=30) == {
        "runs": 1,
        "events": 5,
        "node_runs": 1,
        "tool_calls": 1,
    }
    assert details(old) == (0, 0, 0)
    assert Run.objects.get(pk=old.pk).status == "succeeded"
    assert details(recent) == (5, 1, 1)
    assert details(running) == (5, 1, 1)


def test_retention_is_off_by_default_and_keeps_everything(owner: Any, settings: Any) -> None:
    assert settings.AXWEB_RETENTION_DAYS == 0
    old = traced(owner, "succeeded", finished_days_ago=4000)
    assert retention.runs_prune()["runs"] == 0
    assert details(old) == (5, 1, 1)


def test_the_prune_runs_command_prunes_and_prints_its_counts(owner: Any) -> None:
    old = traced(owner, "cancelled", finished_days_ago=10)
    out = StringIO()
    call_command("prune_runs", "--days", "7", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"runs": 1, "events": 5, "node_runs": 1, "tool_calls": 1}
    assert details(old) == (0, 0, 0)


def test_the_workers_periodic_pass_prunes_with_the_configured_retention(
    owner: Any, settings: Any
) -> None:
    settings.AXWEB_RETENTION_DAYS = 30
    old = traced(owner, "succeeded", finished_days_ago=31)
    reaper._prune_old_runs()
    assert details(old) == (0, 0, 0)


def test_a_tool_call_record_is_deleted_with_its_run(owner: Any) -> None:
    run = traced(owner, "succeeded", finished_days_ago=0)
    run.delete()
    assert not ToolCallRecord.objects.filter(key=f"{run.id}/a/1").exists()


def test_snapshots_and_exports_read_a_long_trace_a_page_at_a_time(
    owner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = make_run(owner)
    ev.events_append(run.id, [("run.started", None, {}), *tokens(run, 10)], publish=False)
    monkeypatch.setattr(run_selectors, "PAGE", 4)
    with CaptureQueriesContext(connection) as queries:
        snapshot = run_selectors.run_snapshot(run.id)
    assert snapshot == snapshot_apply(snapshot_empty(), ev.events_after(run.id, 0))
    assert sum("LIMIT 4" in q["sql"] for q in queries.captured_queries) == 3  # 11 events: 4 + 4 + 3

    client = APIClient()
    client.force_authenticate(owner)
    response = client.get(f"/api/runs/{run.id}/export/")
    assert isinstance(response, StreamingHttpResponse)
    body = json.loads(b"".join(response.streaming_content))
    assert body["events"] == ev.events_after(run.id, 0)
