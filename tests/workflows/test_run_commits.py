"""A run in the worker commits once for its lease, once per node (the first node's commit takes
run.started along: the run's first cancel check reads no row, so nothing yields to the
leading-edge flush before that node settles), and once for its end: its final status goes with
its last events. On SQLite
every commit holds the database's one write lock, which the web's requests wait for
(docs/performance.md, "Webhook accept")."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.db.backends.base.base import BaseDatabaseWrapper

from tests.workflows.test_consumers import use_layer
from tests.workflows.triggers.helpers import echo_graph
from workflows.models import Run, RunEvent
from workflows.runs import context
from workflows.runs.services import run_execute
from workflows.services import workflow_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]


@pytest.fixture
def commits(monkeypatch: Any, settings: Any) -> list[str]:
    """Every commit of every connection, counted (the window of an hour makes the count not
    depend on how fast the machine is: only a node's commit stores what queued)."""
    use_layer("memory", settings)
    monkeypatch.setattr(context, "FLUSH_S", 3600.0)
    seen: list[str] = []
    real = BaseDatabaseWrapper.commit

    def counted(self: BaseDatabaseWrapper) -> None:
        seen.append(self.alias)
        real(self)

    monkeypatch.setattr(BaseDatabaseWrapper, "commit", counted)
    return seen


def test_a_three_node_run_commits_its_final_status_with_its_last_events(
    owner: Any, commits: list[str]
) -> None:
    workflow = workflow_create(owner=owner, name="Commits", graph=echo_graph())
    run = Run.objects.create(
        owner=owner, workflow=workflow, version=workflow.versions.get(), inputs={"question": "hi"}
    )
    commits.clear()

    assert async_to_sync(run_execute)(run.id, "worker-a") == "succeeded"

    assert len(commits) == 1 + 3 + 1
    run.refresh_from_db()
    assert (run.status, run.outputs, run.lease_owner) == ("succeeded", {"answer": "echo: hi"}, "")
    assert run.finished_at is not None
    types = list(RunEvent.objects.filter(run=run).order_by("seq").values_list("type", flat=True))
    assert types[0] == "run.started" and types[-1] == "run.finished"
    assert types.count("node.finished") == 3
