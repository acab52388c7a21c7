"""An agent in a run on a real worker calls a tool of an MCP server the test starts (FastMCP)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agents.models import Agent
from tests.tools.mcp_servers import serving
from tests.workflows.conftest import Worker, edge, node, wait_for
from tools.models import Tool as ToolRow
from tools.services import tool_mcp_refresh
from workflows.models import Run, RunEvent
from workflows.runs.services import run_start
from workflows.services import workflow_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(180)]


@pytest.fixture
def worker(transactional_db: Any, tmp_path: Path) -> Iterator[Worker]:
    started = Worker(tmp_path / "worker.log", env={"AXWEB_HTTP_ALLOWED_HOSTS": "127.0.0.1"})
    started.start()
    yield started
    started.stop()


def agent_graph() -> dict[str, Any]:
    return {
        "schema_version": 1,
        "nodes": [
            node("in", "input", name="question", type="text"),
            node("a", "agent", agent="Adder", prompt="{{in}}"),
            node("out", "output", name="answer"),
        ],
        "edges": [edge("in", "a"), edge("a", "out")],
    }


def test_an_agent_calls_a_tool_of_a_local_mcp_server(worker, owner, settings):
    settings.AXWEB_HTTP_ALLOWED_HOSTS = ["127.0.0.1"]
    with serving() as url:
        server = ToolRow.objects.create(
            owner=owner, name="local", kind="mcp", description="Local.", config={"url": url}
        )
        tool_mcp_refresh(row=server)
        agent = Agent.objects.create(
            owner=owner,
            name="Adder",
            model='scripted:adder?tool=local__add&args={"a":20,"b":22}',
        )
        agent.tools.add(server)
        workflow = workflow_create(owner=owner, name="Add", graph=agent_graph())
        run = run_start(owner=owner, workflow=workflow, inputs={"question": "sum?"})
        run = wait_for(
            lambda: Run.objects.filter(pk=run.id, status__in=["succeeded", "failed"]).first(),
            timeout=120,
        )
    assert run.status == "succeeded", run.error
    results = [e.data for e in RunEvent.objects.filter(run=run, type="node.tool_result")]
    assert results == [{"call_id": "call-1", "result": {"result": 42}, "error": None}]
    assert run.outputs["answer"].startswith("adder:") and "42" in run.outputs["answer"]


def test_a_stored_credential_reaches_the_server_from_a_worker_and_a_deleted_one_fails_the_call(
    worker, owner, settings
):
    from agents.credentials import credential_create
    from agents.models import Credential

    settings.AXWEB_HTTP_ALLOWED_HOSTS = ["127.0.0.1"]
    token = "tok-worker-0a1b2c3d"
    credential = credential_create(owner=owner, provider="token", secret=token)
    with serving(require=("Authorization", f"Bearer {token}")) as url:
        config = {"url": url, "credential": credential.pk}
        server = ToolRow.objects.create(
            owner=owner, name="local", kind="mcp", description="Local.", config=config
        )
        tool_mcp_refresh(row=server)
        agent = Agent.objects.create(
            owner=owner, name="Adder", model='scripted:adder?tool=local__add&args={"a":1,"b":2}'
        )
        agent.tools.add(server)
        workflow = workflow_create(owner=owner, name="Add", graph=agent_graph())

        def finished_run() -> Run:
            started = run_start(owner=owner, workflow=workflow, inputs={"question": "sum?"})
            return wait_for(
                lambda: Run.objects.filter(
                    pk=started.id, status__in=["succeeded", "failed"]
                ).first(),
                timeout=120,
            )

        with_it = finished_run()
        Credential.objects.filter(pk=credential.pk).delete()
        without_it = finished_run()
    results = [e.data for e in RunEvent.objects.filter(run=with_it, type="node.tool_result")]
    assert results[0]["result"] == {"result": 3}
    failed = [e.data for e in RunEvent.objects.filter(run=without_it, type="node.tool_result")]
    assert failed[0]["result"] is None
    assert f"credential #{credential.pk}" in str(failed[0]["error"])
    everything = [e.data for e in RunEvent.objects.filter(run__in=[with_it, without_it])]
    assert token not in repr(everything) + repr(with_it.outputs) + repr(without_it.outputs)
