"""A workflow benchmark job starts real runs through the run service and waits for them."""

from __future__ import annotations

from typing import Any

import pytest

from agents.lab.models import BenchmarkJob
from tests.workflows.conftest import celery_worker, edge, node, wait_for  # noqa: F401 - fixture
from workflows.models import Run
from workflows.services import workflow_create

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("owner_is_staff"),
    pytest.mark.timeout(300),
]


def echo_graph() -> dict[str, Any]:
    return {
        "schema_version": 1,
        "nodes": [
            node("in", "input", name="question", type="text", required=True),
            node("a", "llm", model="scripted:echo?delay=0.1&chunks=2", prompt="Q: {{in}}"),
            node("out", "output", name="answer"),
        ],
        "edges": [edge("in", "a"), edge("a", "out")],
    }


def test_workflow_benchmark_runs_n_flows_and_reports_latency_and_throughput(
    celery_worker: Any,  # noqa: F811 - the imported fixture
    owner: Any,
    owner_api: Any,
) -> None:
    workflow = workflow_create(owner=owner, name="Bench me", graph=echo_graph())
    response = owner_api.post(
        "/api/lab/benchmark-jobs/",
        {
            "target": "workflow",
            "workflow": workflow.id,
            "inputs": {"question": "why?"},
            "requests": 4,
            "concurrency": 2,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    job = wait_for(
        lambda: BenchmarkJob.objects.filter(
            pk=response.json()["id"], status__in=["succeeded", "failed", "cancelled"]
        ).first(),
        timeout=240,
        interval=0.3,
    )
    assert job.status == "succeeded", job.error
    result = job.result
    assert (result["runs"], result["succeeded"], result["failures"]) == (4, 4, 0)
    assert 0 < result["latency_p50_s"] <= result["latency_p95_s"]
    assert result["throughput_runs_per_s"] > 0 and len(result["latencies_s"]) == 4
    runs = Run.objects.filter(workflow=workflow)
    assert runs.count() == 4 and {r.status for r in runs} == {"succeeded"}
    assert runs.first().outputs["answer"] == "echo: Q: why?"
    assert (job.current_step, job.total_steps, job.progress) == (4, 4, 1.0)
