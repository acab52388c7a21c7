"""Taking a run's lease is one read (the run with what its broadcast needs) and one write: on
SQLite the whole block holds the database's write lock, which the web server's requests wait for
(docs/performance.md, "Webhook accept")."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.workflows.triggers.helpers import echo_graph
from workflows.models import Run
from workflows.runs.lease import lease_acquire
from workflows.services import workflow_create

pytestmark = pytest.mark.django_db


def test_taking_a_lease_is_one_read_and_one_write(owner):
    workflow = workflow_create(owner=owner, name="Lease", graph=echo_graph())
    run = Run.objects.create(owner=owner, workflow=workflow, version=workflow.versions.get())
    with CaptureQueriesContext(connection) as queries:
        assert lease_acquire(run.id, "worker-a") == 1
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    assert [s for s in statements if s not in ("SAVEPOINT", "RELEASE")] == ["SELECT", "UPDATE"]
    run.refresh_from_db()
    assert (run.lease_owner, run.status, run.lease_epoch) == ("worker-a", "running", 1)
    assert lease_acquire(run.id, "worker-b") is None  # held: refused, as before


def test_a_finished_or_unknown_run_has_no_lease_to_take(owner):
    workflow = workflow_create(owner=owner, name="Lease", graph=echo_graph())
    run = Run.objects.create(
        owner=owner, workflow=workflow, version=workflow.versions.get(), status="succeeded"
    )
    assert lease_acquire(run.id, "worker-a") is None
    assert lease_acquire("00000000-0000-0000-0000-000000000000", "worker-a") is None
