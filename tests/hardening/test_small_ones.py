"""Small holes: the seeded demo works, ids of others look missing, registry configs and server
keys stay with staff, no key in a repr, approval deadlines hold, bench commands on a fresh
database."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from agents.credentials import credential_create
from agents.gateway import catalog as gateway
from agents.llm.base import AuthError, Message
from agents.llm.catalog import ModelInfo
from agents.llm.providers.anthropic import AnthropicModel
from agents.models import Agent, ModelEntry
from tests.workflows.conftest import edge, node
from tools.base import ToolContext
from tools.models import Tool
from tools.registry import tool_from_definition
from tools.services import tool_definition
from workflows.demo import demo_seed
from workflows.graphs import graph_problems
from workflows.models import Approval, NodeRun, Run, Workflow
from workflows.runs import approvals
from workflows.runs import services as run_services
from workflows.services import workflow_create

ROOT = Path(__file__).resolve().parents[2]
SERVER_KEY = "sk-ant-server-key-0123456789"


def _execute(run: Run) -> str | None:
    return asyncio.run(run_services.run_execute(run.id, "hardening-worker"))


# -- the seeded demo -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_seeded_python_tool_runs_in_the_sandbox_and_answers(owner: Any) -> None:
    demo_seed(owner=owner)
    answers = {}
    for row in Tool.objects.filter(owner=owner):
        tool = tool_from_definition(tool_definition(row))
        answers[row.name] = asyncio.run(tool.run(ToolContext(), {"text": "three small words"}))
    assert answers == {"word_count": 3, "title_case": "Three Small Words"}


@pytest.mark.django_db(transaction=True)
def test_the_seeded_workflow_validates_and_runs_to_the_end_on_scripted_models(
    owner: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AXWEB_SCRIPTED_MODELS", "1")
    demo_seed(owner=owner)
    workflow = Workflow.objects.get(owner=owner)
    assert graph_problems(workflow.versions.get().graph) == []
    for agent in Agent.objects.filter(owner=owner):
        agent.model = f"scripted:{agent.name.lower()}"
        agent.save(update_fields=["model"])
    run = Run.objects.create(
        owner=owner,
        workflow=workflow,
        version=workflow.versions.get(),
        inputs={"question": "Why is the sky blue?"},
    )
    assert _execute(run) == "succeeded"
    run.refresh_from_db()
    assert run.outputs and str(next(iter(run.outputs.values()))).startswith("writer:")
    agent_nodes = {n["id"] for n in workflow.versions.get().graph["nodes"] if n["kind"] == "agent"}
    ran = set(NodeRun.objects.filter(run=run, status="succeeded").values_list("node_id", flat=True))
    assert agent_nodes <= ran


@pytest.mark.django_db
def test_every_seeded_registry_model_builds_a_chat_model(owner: Any) -> None:
    catalog = gateway.DatabaseCatalog.load(owner.id)
    seeded = list(ModelEntry.objects.all())
    assert seeded, "the migrations seed the builtin model"
    for entry in seeded:
        model = gateway._factory(catalog.get(entry.ref))  # type: ignore[arg-type]
        assert hasattr(model, "stream"), entry.ref


# -- another user's ids look like missing ones -----------------------------------------------------


def _same_answer(client: Any, url_of_other: str, url_of_missing: str) -> None:
    theirs, missing = client.get(url_of_other), client.get(url_of_missing)
    assert (theirs.status_code, theirs.json()) == (missing.status_code, missing.json())


@pytest.mark.django_db
def test_filtering_runs_by_another_users_workflow_answers_like_a_missing_workflow(
    owner: Any, other_api: Any
) -> None:
    theirs = workflow_create(
        owner=owner, name="Private", graph={"schema_version": 1, "nodes": [], "edges": []}
    )
    _same_answer(
        other_api, f"/api/runs/?workflow={theirs.id}", f"/api/runs/?workflow={theirs.id + 1000}"
    )


@pytest.mark.django_db
def test_filtering_approvals_by_another_users_run_answers_like_a_missing_run(
    owner: Any, other_api: Any
) -> None:
    workflow = workflow_create(
        owner=owner, name="Private", graph={"schema_version": 1, "nodes": [], "edges": []}
    )
    run = Run.objects.create(owner=owner, workflow=workflow, version=workflow.versions.get())
    _same_answer(other_api, f"/api/approvals/?run={run.id}", f"/api/approvals/?run={uuid.uuid4()}")


@pytest.mark.django_db
def test_details_of_another_users_objects_answer_like_missing_ones(
    owner: Any, other_api: Any
) -> None:
    workflow = workflow_create(
        owner=owner, name="Private", graph={"schema_version": 1, "nodes": [], "edges": []}
    )
    run = Run.objects.create(owner=owner, workflow=workflow, version=workflow.versions.get())
    agent = Agent.objects.create(owner=owner, name="Mine")
    missing_workflow = workflow.id + 1000
    for theirs, missing in [
        (f"/api/workflows/{workflow.id}/", f"/api/workflows/{missing_workflow}/"),
        (f"/api/workflows/{workflow.id}/versions/", f"/api/workflows/{missing_workflow}/versions/"),
        (f"/api/runs/{run.id}/", f"/api/runs/{uuid.uuid4()}/"),
        (f"/api/agents/{agent.id}/", f"/api/agents/{agent.id + 1000}/"),
    ]:
        _same_answer(other_api, theirs, missing)


# -- the model registry and the server's keys ------------------------------------------------------


@pytest.mark.django_db
def test_non_staff_see_the_model_registry_without_config(owner_api: Any, staff_api: Any) -> None:
    mine = owner_api.get("/api/models/").json()["results"]
    assert mine and all("config" not in entry for entry in mine)
    assert {"ref", "provider", "name", "tier", "context_length"} <= set(mine[0])
    assert all("config" in entry for entry in staff_api.get("/api/models/").json()["results"])


def _anthropic_key(user: Any) -> str:
    info = gateway.DatabaseCatalog.load(user.id).get("anthropic:claude-test")
    return dict(info.options)["api_key"]  # type: ignore[union-attr]


@pytest.mark.django_db
def test_the_server_anthropic_key_serves_others_only_when_the_operator_shares_it(
    owner: Any, staff: Any, settings: Any
) -> None:
    settings.ANTHROPIC_API_KEY = SERVER_KEY
    settings.AXWEB_SHARE_SERVER_KEYS = False
    assert _anthropic_key(owner) == ""
    assert _anthropic_key(staff) == SERVER_KEY
    settings.AXWEB_SHARE_SERVER_KEYS = True
    assert _anthropic_key(owner) == SERVER_KEY


@pytest.mark.django_db
def test_a_users_own_anthropic_key_is_used_before_the_servers(owner: Any, settings: Any) -> None:
    settings.ANTHROPIC_API_KEY = SERVER_KEY
    credential_create(owner=owner, provider="anthropic", secret="sk-ant-own-key-9876543210")
    assert _anthropic_key(owner) == "sk-ant-own-key-9876543210"


@pytest.mark.django_db
def test_an_agent_on_anthropic_without_a_key_fails_with_a_message_saying_what_to_do(
    owner: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.ANTHROPIC_API_KEY = SERVER_KEY
    monkeypatch.setenv("ANTHROPIC_API_KEY", SERVER_KEY)  # the provider must not fall back to it
    info = gateway.DatabaseCatalog.load(owner.id).get("anthropic:claude-test")
    model = gateway._factory(info)  # type: ignore[arg-type]

    async def first_event() -> Any:
        return await model.stream([Message("user", "hi")]).__anext__()

    with pytest.raises(AuthError) as caught:
        asyncio.run(first_event())
    assert "Credentials" in str(caught.value) and "AXWEB_SHARE_SERVER_KEYS" in str(caught.value)


@pytest.mark.django_db
def test_no_api_key_appears_in_the_repr_of_models_catalogs_or_credentials(
    owner: Any, settings: Any
) -> None:
    settings.ANTHROPIC_API_KEY = SERVER_KEY
    settings.AXWEB_SHARE_SERVER_KEYS = True
    secret = "sk-ant-own-key-9876543210"
    credential = credential_create(owner=owner, provider="anthropic", secret=secret)
    catalog = gateway.DatabaseCatalog.load(owner.id)
    info = ModelInfo("anthropic", "claude-test", options=(("api_key", secret),))
    router, _ = gateway.router_for(owner.id)
    for thing in (
        info,
        AnthropicModel("claude-test", api_key=secret),
        credential,
        catalog,
        router,
        catalog.get("anthropic:claude-test"),
    ):
        assert secret not in repr(thing) and SERVER_KEY not in repr(thing), type(thing).__name__


# -- approval deadlines --------------------------------------------------------------------------


def _review_run(owner: Any, on_expire: str) -> Run:
    graph = {
        "schema_version": 1,
        "nodes": [
            node("in", "input", name="draft", type="text"),
            node("ok", "approval", prompt="Publish {{in}}?", deadline_s=60, on_expire=on_expire),
            node("yes", "output", name="published"),
            node("no", "output", name="rejected"),
        ],
        "edges": [edge("in", "ok"), edge("ok", "yes", "approved"), edge("ok", "no", "rejected")],
    }
    workflow = workflow_create(owner=owner, name=f"Review {on_expire}", graph=graph)
    run = Run.objects.create(
        owner=owner, workflow=workflow, version=workflow.versions.get(), inputs={"draft": "post"}
    )
    assert _execute(run) == "paused"
    approval = Approval.objects.get(run=run)
    assert approval.deadline is not None and approval.deadline > timezone.now()
    Approval.objects.filter(pk=approval.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    return run


@pytest.mark.django_db(transaction=True)
def test_an_overdue_approval_expires_and_the_run_takes_the_rejected_path(owner: Any) -> None:
    run = _review_run(owner, "reject")
    assert len(approvals.approvals_expire_due(run_services.enqueue)) == 1
    assert Approval.objects.get(run=run).status == "expired"
    assert _execute(run) == "succeeded"
    run.refresh_from_db()
    assert run.outputs == {"rejected": "post"}
    assert approvals.approvals_expire_due(run_services.enqueue) == []


@pytest.mark.django_db(transaction=True)
def test_an_overdue_approval_with_on_expire_fail_fails_the_run_naming_the_deadline(
    owner: Any,
) -> None:
    run = _review_run(owner, "fail")
    approvals.approvals_expire_due(run_services.enqueue)
    assert _execute(run) == "failed"
    run.refresh_from_db()
    assert "deadline" in run.error


@pytest.mark.django_db(transaction=True)
def test_a_decision_after_the_deadline_is_refused_and_the_approval_expires(
    owner: Any, owner_api: Any
) -> None:
    run = _review_run(owner, "reject")
    approval = Approval.objects.get(run=run)
    response = owner_api.post(
        f"/api/approvals/{approval.id}/decide/", {"decision": "approve"}, format="json"
    )
    assert response.status_code == 400
    assert "expired" in response.json()["error"]["fields"]["decision"][0]
    assert Approval.objects.get(pk=approval.pk).status == "expired"


# -- bench commands on a fresh database ------------------------------------------------------------


@pytest.mark.parametrize(
    "command", ["bench_engine", "bench_stream", "bench_memory", "bench_http", "bench_scale"]
)
def test_bench_commands_on_an_unmigrated_database_say_so_in_one_line(
    command: str, tmp_path: Path
) -> None:
    env = {"PATH": "/usr/bin:/bin", "AXWEB_DATA_DIR": str(tmp_path), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "manage.py", command, "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "CommandError: database not migrated: run `make migrate` or `python manage.py migrate`"
    )
