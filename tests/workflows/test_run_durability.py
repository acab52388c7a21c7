"""Durability: a worker killed mid-node is replaced and the run completes; nothing runs twice."""

from __future__ import annotations

import pytest

from tests.workflows.conftest import edge, node, wait_for
from workflows.models import Run, RunEvent
from workflows.runs import services as run_services
from workflows.services import workflow_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(240)]


def crash_graph() -> dict:
    return {
        "schema_version": 1,
        "nodes": [
            node("in", "input", name="n", type="any"),
            node("sum", "tool", tool="calculator", arguments={"expression": "2 + 3"}),
            node("slow", "llm", model="scripted:slow?delay=4&chunks=2", prompt="{{in}}"),
            node("after", "llm", model="scripted:after", prompt="{{in}}"),
            node("out", "output", name="answer"),
        ],
        "edges": [
            edge("in", "sum"),
            edge("sum", "slow"),
            edge("slow", "after"),
            edge("after", "out"),
        ],
    }


def started(run, node_id):
    return RunEvent.objects.filter(run=run, type="node.started", node=node_id).count()


def test_killing_the_worker_mid_node_resumes_on_another_and_completed_nodes_never_rerun(
    celery_worker, owner
):
    from tools.models import ToolCallRecord

    workflow = workflow_create(owner=owner, name="Crash", graph=crash_graph())
    run = run_services.run_start(owner=owner, workflow=workflow, inputs={"n": 1})
    wait_for(lambda: started(run, "slow") == 1, timeout=90)
    celery_worker.kill()  # SIGKILL to the whole worker process group, mid-node
    celery_worker.start()
    done = wait_for(
        lambda: Run.objects.filter(pk=run.pk, status__in=["succeeded", "failed"]).first(),
        timeout=150,
    )
    assert done.status == "succeeded", done.error
    assert done.outputs["answer"] == 'after: slow: {"value": 5}'
    assert (started(run, "in"), started(run, "sum"), started(run, "after")) == (1, 1, 1)
    assert started(run, "slow") == 2  # the node in flight at the kill ran again; nothing else did
    assert ToolCallRecord.objects.filter(key__startswith=f"{run.id}/sum/").count() == 1
    seqs = list(RunEvent.objects.filter(run=run).values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))


def test_a_second_delivery_of_the_same_run_does_not_execute_it_twice(owner):
    workflow = workflow_create(owner=owner, name="Twice", graph=crash_graph())
    run = Run.objects.create(owner=owner, workflow=workflow, version=workflow.versions.get())
    assert run_services.lease_acquire(run.id, "worker-a")
    assert not run_services.lease_acquire(run.id, "worker-b")
    assert run_services.lease_acquire(run.id, "worker-a")  # the holder may renew


def test_a_second_delivery_to_the_process_executing_the_run_is_dropped_not_run_again(owner):
    import asyncio

    from asgiref.sync import sync_to_async

    graph = {
        "schema_version": 1,
        "nodes": [
            node("in", "input", name="n", type="any"),
            node("slow", "llm", model="scripted:slow?delay=1&chunks=1", prompt="{{in}}"),
            node("out", "output", name="answer"),
        ],
        "edges": [edge("in", "slow"), edge("slow", "out")],
    }
    workflow = workflow_create(owner=owner, name="Redelivered", graph=graph)
    run = Run.objects.create(owner=owner, workflow=workflow, version=workflow.versions.get())

    async def deliver_twice() -> tuple[str | None, str | None, int]:
        first = asyncio.create_task(run_services.run_execute(run.id, "worker-a"))
        while not await sync_to_async(started)(run, "slow"):
            await asyncio.sleep(0.05)
        second = await run_services.run_execute(run.id, "worker-a")  # same process, same name
        epoch = await sync_to_async(lambda: Run.objects.get(pk=run.pk).lease_epoch)()
        return await first, second, epoch

    first, second, epoch_meanwhile = asyncio.run(deliver_twice())
    assert (first, second, epoch_meanwhile) == ("succeeded", None, 1)
    assert started(run, "slow") == 1
    assert asyncio.run(run_services.run_execute(run.id, "worker-a")) is None  # finished: no lease


def test_an_expired_lease_is_reaped_and_taken_over(owner):
    from datetime import timedelta

    from django.utils import timezone

    workflow = workflow_create(owner=owner, name="Orphan", graph=crash_graph())
    run = Run.objects.create(
        owner=owner,
        workflow=workflow,
        version=workflow.versions.get(),
        status="running",
        lease_owner="dead-worker",
        lease_expires_at=timezone.now() - timedelta(seconds=1),
    )
    assert run.id in run_services.run_reap_orphans()
    assert run_services.lease_acquire(run.id, "new-worker")


def test_an_unexpected_engine_error_fails_the_run_once_with_its_reason(owner, monkeypatch):
    import asyncio

    from workflows.runs import services

    async def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "execute", broken)
    workflow = workflow_create(owner=owner, name="Broken", graph=crash_graph())
    run = Run.objects.create(owner=owner, workflow=workflow, version=workflow.versions.get())
    assert asyncio.run(services.run_execute(run.id, "worker-a")) == "failed"
    run.refresh_from_db()
    assert (run.status, run.lease_owner) == ("failed", "")
    assert "RuntimeError: boom" in run.error
    assert RunEvent.objects.filter(run=run, type="run.failed").count() == 1
    assert run.id not in services.run_reap_orphans()
