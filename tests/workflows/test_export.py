"""Run export: the full trace JSON, and OpenTelemetry (OTLP/JSON) spans pushed to a local
collector."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.workflows.conftest import edge, node, wait_for
from tests.workflows.test_consumers import make_run
from tests.workflows.test_snapshot import SEQUENCES
from workflows.models import NodeRun, Run
from workflows.runs import events as ev
from workflows.runs import otel
from workflows.services import workflow_create

pytestmark = pytest.mark.django_db


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def traced_run(owner: Any, steps: str = "succeeds") -> Run:
    run = make_run(owner)
    ev.events_append(run.id, SEQUENCES[steps])
    stored = ev.events_after(run.id, 0)
    Run.objects.filter(pk=run.pk).update(
        status="succeeded" if steps == "succeeds" else "failed",
        started_at=stored[0]["ts"],
        finished_at=stored[-1]["ts"],
        usage={"input_tokens": 7, "output_tokens": 3, "cost": 0.001},
    )
    NodeRun.objects.create(run=run, node_id="a", status="succeeded", outputs={"out": "Hello"})
    return Run.objects.select_related("workflow", "version").get(pk=run.pk)


def test_the_json_export_holds_the_run_its_graph_its_nodes_and_every_event(owner, other):
    run = traced_run(owner)
    response = api(owner).get(f"/api/runs/{run.id}/export/")
    assert response["Content-Type"] == "application/json"
    body = json.loads(
        b"".join(response.streaming_content)
    )  # streamed: never the whole trace in memory
    assert body["axweb_trace"] == 1
    assert body["run"]["id"] == str(run.id) and body["run"]["status"] == "succeeded"
    assert body["workflow"]["graph"] == run.version.graph
    assert [n["node_id"] for n in body["nodes"]] == ["a"]
    assert body["events"] == ev.events_after(run.id, 0)
    assert [e["seq"] for e in body["events"]] == list(range(1, len(SEQUENCES["succeeds"]) + 1))
    assert api(other).get(f"/api/runs/{run.id}/export/").status_code == 404
    assert api(other).get(f"/api/runs/{run.id}/export/?format=otlp").status_code == 404


def spans_of(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    (resource,) = document["resourceSpans"]
    (scope,) = resource["scopeSpans"]
    return {s["name"]: s for s in scope["spans"]}


def attrs(item: dict[str, Any]) -> dict[str, Any]:
    return {a["key"]: next(iter(a["value"].values())) for a in item["attributes"]}


def test_otlp_has_one_trace_a_root_span_and_a_span_per_node_run(owner):
    run = traced_run(owner)
    spans = spans_of(api(owner).get(f"/api/runs/{run.id}/export/?format=otlp").json())
    root = spans[f"run {run.workflow.name}"]
    assert {s["traceId"] for s in spans.values()} == {run.id.hex}
    assert all(re.fullmatch(r"[0-9a-f]{16}", s["spanId"]) for s in spans.values())
    assert len({s["spanId"] for s in spans.values()}) == len(spans) == 4  # run, a, b (skipped), c
    assert all(s["parentSpanId"] == root["spanId"] for s in spans.values() if s is not root)
    assert root["status"] == {"code": 1}
    assert (
        attrs(root)["axweb.run.status"] == "succeeded"
        and attrs(root)["gen_ai.usage.input_tokens"] == "7"
    )
    a = spans["a"]
    stored = {
        (e["type"], e["node"]): e for e in reversed(ev.events_after(run.id, 0))
    }  # the first of each
    assert a["startTimeUnixNano"] == otel.unix_nanos(stored[("node.started", "a")]["ts"])
    assert a["endTimeUnixNano"] == otel.unix_nanos(stored[("node.finished", "a")]["ts"])
    assert int(a["endTimeUnixNano"]) >= int(a["startTimeUnixNano"]) > 1_700_000_000 * 10**9
    assert (
        attrs(a).items()
        >= {
            "axweb.node.kind": "llm",
            "axweb.node.status": "succeeded",
            "axweb.node.attempt": "2",
            "gen_ai.usage.input_tokens": "7",
            "gen_ai.usage.output_tokens": "3",
            "axweb.usage.cost": 0.001,
            "gen_ai.request.model": "scripted:alpha?delay=0.6&chunks=3",
        }.items()
    )
    names = [e["name"] for e in a["events"]]
    assert names == ["tool_call", "tool_result", "memory.written", "message.posted", "retry"]
    assert attrs(a["events"][0]) == {
        "axweb.call_id": "c1",
        "axweb.tool": "calculator",
        "axweb.arguments": json.dumps({"expression": "2+3"}),
    }
    assert attrs(spans["b"])["axweb.node.status"] == "skipped"
    assert spans["b"]["startTimeUnixNano"] == spans["b"]["endTimeUnixNano"]
    assert [e["name"] for e in spans["c"]["events"]] == ["approval.requested", "approval.resolved"]
    assert [e["name"] for e in root["events"]] == ["run.paused", "run.resumed"]


def test_a_failed_node_and_run_are_errors_with_their_message(owner):
    spans = spans_of(otel.run_otlp(traced_run(owner, "fails")))
    assert spans["c"]["status"] == {"code": 2, "message": "Budget max_tokens exceeded."}
    assert [e["name"] for e in spans["c"]["events"]][-1] == "budget.exceeded"
    assert next(s for n, s in spans.items() if n.startswith("run "))["status"]["code"] == 2


def test_a_node_started_again_after_a_crash_gets_a_second_span_and_the_first_is_interrupted():
    run = {
        "id": "7b4dba52-9e60-4e4c-b890-c6fd8fe33af1",
        "workflow": 1,
        "workflow_name": "W",
        "version": 1,
        "status": "succeeded",
        "created_at": "2026-01-01T00:00:00Z",
        "started_at": None,
        "finished_at": None,
    }
    events = [
        {"seq": i, "type": t, "node": "n", "ts": f"2026-01-01T00:00:0{i}Z", "data": {}}
        for i, t in enumerate(["node.started", "node.started", "node.finished"], start=1)
    ]
    (resource,) = otel.otlp_document(run, {"nodes": []}, events)["resourceSpans"]
    first, second = resource["scopeSpans"][0]["spans"][1:]
    assert first["status"] == {"code": 2, "message": "Interrupted."}
    assert (
        first["endTimeUnixNano"]
        == second["startTimeUnixNano"]
        == otel.unix_nanos("2026-01-01T00:00:02Z")
    )
    assert second["status"] == {"code": 1} and first["spanId"] != second["spanId"]


def test_times_are_exact_nanoseconds():
    assert otel.unix_nanos("1970-01-01T00:00:01.000001Z") == "1000001000"
    assert otel.unix_nanos("2026-01-01T00:00:00+00:00") == "1767225600000000000"


class Collector:
    """A local OTLP/HTTP collector that records what it is sent."""

    def __init__(self, status: int = 200) -> None:
        self.received: list[dict[str, Any]] = []
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                collector.received.append(
                    {"path": self.path, "headers": dict(self.headers), "body": json.loads(body)}
                )
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def collector() -> Iterator[Collector]:
    server = Collector()
    yield server
    server.server.shutdown()


def test_run_export_otlp_posts_the_document_to_the_collector(owner, collector):
    run = traced_run(owner)
    assert otel.run_export_otlp(run, collector.url, {"Authorization": "Basic abc"}) == 200
    (sent,) = collector.received
    assert sent["path"] == "/v1/traces"
    assert sent["headers"]["Content-Type"] == "application/json"
    assert sent["headers"]["Authorization"] == "Basic abc"
    assert sent["body"] == json.loads(json.dumps(otel.run_otlp(run)))


def test_a_finished_run_is_pushed_only_when_an_endpoint_is_configured(
    owner, collector, settings, monkeypatch
):
    monkeypatch.delenv("AXWEB_OTLP_ENDPOINT", raising=False)
    run = traced_run(owner)
    settings.AXWEB_OTLP_ENDPOINT = ""
    assert otel.otlp_push_finished(run.id) is False and collector.received == []
    settings.AXWEB_OTLP_ENDPOINT = f"{collector.url}/api/public/otel/v1/traces"
    settings.AXWEB_OTLP_HEADERS = "Authorization=Basic%20abc,x-tenant=t1"
    assert otel.otlp_push_finished(run.id) is True
    (sent,) = collector.received
    assert sent["path"] == "/api/public/otel/v1/traces"
    assert (sent["headers"]["Authorization"], sent["headers"]["x-tenant"]) == ("Basic abc", "t1")


def test_a_failing_collector_never_raises(owner, settings):
    failing = Collector(status=500)
    settings.AXWEB_OTLP_ENDPOINT = failing.url
    assert otel.otlp_push_finished(traced_run(owner).id) is False
    assert len(failing.received) == 1
    failing.server.shutdown()


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(180)
def test_a_real_worker_run_exports_tool_calls_as_span_events(celery_worker, owner):
    from workflows.runs import services as run_services

    graph = {
        "schema_version": 1,
        "nodes": [
            node("in", "input", name="n", type="any"),
            node("sum", "tool", tool="calculator", arguments={"expression": "2 + 3"}),
            node("say", "llm", model="scripted:say?chunks=2", prompt="{{in}}"),
            node("out", "output", name="answer"),
        ],
        "edges": [edge("in", "sum"), edge("sum", "say"), edge("say", "out")],
    }
    workflow = workflow_create(owner=owner, name="Exported", graph=graph)
    run = run_services.run_start(owner=owner, workflow=workflow, inputs={"n": 1})
    done = wait_for(
        lambda: Run.objects.filter(pk=run.pk, status__in=["succeeded", "failed"]).first(),
        timeout=120,
    )
    assert done.status == "succeeded", done.error
    spans = spans_of(api(owner).get(f"/api/runs/{run.id}/export/?format=otlp").json())
    assert {"in", "sum", "say", "out"} <= set(spans)
    assert [e["name"] for e in spans["sum"]["events"]] == ["tool_call", "tool_result"]
    assert attrs(spans["sum"]["events"][1])["axweb.result"] == json.dumps({"value": 5})
    assert all(s["status"]["code"] == 1 for s in spans.values())
