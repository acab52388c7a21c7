"""`run_workflow`, `export_workflow` and `import_workflow` as a person runs them: real processes
against the test database, runs executed by a real worker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from django.conf import settings

from agents.models import Agent
from tests.workflows.conftest import ROOT, database_url, edge, node
from workflows.demo import demo_seed
from workflows.models import Run, Workflow
from workflows.services import workflow_create

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(240)]


def manage(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "AXWEB_SCRIPTED_MODELS": "1",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=180,
    )


def scripted_demo(owner: Any) -> Workflow:
    demo_seed(owner=owner)
    for agent in Agent.objects.filter(owner=owner):
        agent.model = f"scripted:{agent.name.lower()}"
        agent.save(update_fields=["model"])
    return Workflow.objects.get(owner=owner)


def test_run_workflow_on_the_demo_prints_events_then_the_outputs_last_and_exits_0(
    celery_worker, owner
):
    workflow = scripted_demo(owner)
    done = manage("run_workflow", workflow.slug, "--input", '{"question": "Why is the sky blue?"}')
    assert done.returncode == 0, done.stderr + done.stdout[-3000:]
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith("[1] run.started")
    assert any(" node.finished planner " in line for line in lines)
    run = Run.objects.get(workflow=workflow)
    assert run.status == "succeeded"
    assert json.loads(lines[-1]) == run.outputs
    assert str(next(iter(run.outputs.values()))).startswith("writer:")


def test_run_workflow_by_id_in_json_mode_prints_one_object_per_line(celery_worker, owner):
    workflow = scripted_demo(owner)
    done = manage("run_workflow", str(workflow.id), "--input", '{"question": "q"}', "--json")
    assert done.returncode == 0, done.stderr
    objects = [json.loads(line) for line in done.stdout.strip().splitlines()]
    assert [o["seq"] for o in objects[:-1]] == list(range(1, len(objects)))
    assert objects[-2]["type"] == "run.finished"
    assert objects[-1]["status"] == "succeeded" and objects[-1]["outputs"]


def test_run_workflow_of_a_failing_flow_exits_1_and_says_why(celery_worker, owner):
    graph = {
        "schema_version": 1,
        "nodes": [
            node("in", "input", name="x"),
            node("t", "tool", tool="calculator", arguments={"expression": "1/0"}),
            node("out", "output", name="result"),
        ],
        "edges": [edge("in", "t"), edge("t", "out")],
    }
    workflow = workflow_create(owner=owner, name="Divide", graph=graph)
    done = manage("run_workflow", workflow.slug)
    assert done.returncode == 1
    assert "failed" in done.stderr
    assert Run.objects.get(workflow=workflow).status == "failed"


@pytest.mark.parametrize(
    ("ref", "inputs", "says"),
    [
        ("no-such-flow", "{}", "no-such-flow"),
        ("research-team", "not json", "--input"),
        ("research-team", "[1, 2]", "JSON object"),
        ("research-team", "{}", "question"),
    ],
)
def test_run_workflow_with_bad_input_exits_2_and_starts_no_run(owner, ref, inputs, says):
    scripted_demo(owner)
    done = manage("run_workflow", ref, "--input", inputs)
    assert done.returncode == 2
    assert says in done.stderr
    assert not Run.objects.exists()


def test_run_workflow_of_a_missing_version_exits_2(owner):
    workflow = scripted_demo(owner)
    done = manage("run_workflow", workflow.slug, "--input", '{"question": "q"}', "--version", "9")
    assert done.returncode == 2 and "9" in done.stderr


def test_export_then_import_round_trips_and_an_existing_slug_gets_a_new_version(
    owner, django_user_model
):
    workflow = scripted_demo(owner)
    exported = manage("export_workflow", workflow.slug)
    assert exported.returncode == 0, exported.stderr
    document = json.loads(exported.stdout)
    assert document["slug"] == "research-team" and document["axweb_export"] == 1

    again = manage("import_workflow", "-", "--owner", owner.username, stdin=exported.stdout)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == {
        "id": workflow.id,
        "slug": workflow.slug,
        "version": 2,
        "created": False,
    }
    assert workflow.versions.get(number=2).graph == workflow.versions.get(number=1).graph

    other = django_user_model.objects.create_user("grace")
    fresh = manage("import_workflow", "-", "--owner", "grace", stdin=exported.stdout)
    summary = json.loads(fresh.stdout)
    assert summary["created"] is True and summary["version"] == 1
    copied = Workflow.objects.get(owner=other)
    assert copied.versions.get().graph == workflow.versions.get(number=1).graph
    assert (
        json.loads(manage("export_workflow", str(copied.id)).stdout)["graph"] == document["graph"]
    )


@pytest.mark.parametrize(
    ("document", "says"),
    [
        ("{", "Expecting"),
        ('{"axweb_export": 1, "name": "x"}', "graph"),
        ('{"axweb_export": 1, "name": "x", "graph": {"nodes": [{"kind": "nope"}]}}', "invalid"),
    ],
)
def test_import_of_a_bad_document_exits_2(owner, document, says):
    done = manage("import_workflow", "-", "--owner", owner.username, stdin=document)
    assert done.returncode == 2
    assert says in done.stderr
    assert not Workflow.objects.exists()
