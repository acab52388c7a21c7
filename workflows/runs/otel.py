"""OpenTelemetry export of a run: OTLP/JSON `resourceSpans`, built from the run's event trace.

One trace per run (traceId = the run's UUID), a root span for the run, and one child span per
node execution (`node.started` → `node.finished` / `node.failed`; a node started again after a
worker crash gets a second span, the first one closed as interrupted; a skipped node gets a
zero-length span). Tool calls, retries, approvals, memory writes, messages and budget stops are
span events. Usage goes in `gen_ai.usage.*` attributes, cost in `axweb.usage.cost`.

`run_export_otlp(run, endpoint)` POSTs the document to a collector (Langfuse, Jaeger, the
OpenTelemetry Collector ...). `otlp_push_finished(run_id)` does so when AXWEB_OTLP_ENDPOINT is
set (settings or environment), with AXWEB_OTLP_HEADERS="Key=value,Key2=value2" sent along.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from workflows.models import Run

log = logging.getLogger(__name__)

SCOPE = {"name": "axweb.workflows", "version": "1"}
KIND_INTERNAL = 1
STATUS_UNSET, STATUS_OK, STATUS_ERROR = 0, 1, 2
MAX_VALUE_CHARS = 4000
SPAN_EVENT_TYPES = {
    "node.tool_call": "tool_call",
    "node.tool_result": "tool_result",
    "node.retrying": "retry",
    "approval.requested": "approval.requested",
    "approval.resolved": "approval.resolved",
    "memory.written": "memory.written",
    "message.posted": "message.posted",
    "budget.exceeded": "budget.exceeded",
    "run.paused": "run.paused",
    "run.resumed": "run.resumed",
}
Json = dict[str, Any]


# -- values ---------------------------------------------------------------------------------


def unix_nanos(value: str | datetime) -> str:
    """OTLP/JSON time: decimal string of nanoseconds since the epoch."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return str(micros * 1000)


def span_id(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:16]


def any_value(value: Any) -> Json:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return {"stringValue": text[:MAX_VALUE_CHARS]}


def attributes(values: dict[str, Any]) -> list[Json]:
    return [{"key": k, "value": any_value(v)} for k, v in values.items() if v is not None]


def usage_attributes(usage: dict[str, Any] | None) -> dict[str, Any]:
    usage = usage or {}
    return {
        "gen_ai.usage.input_tokens": usage.get("input_tokens"),
        "gen_ai.usage.output_tokens": usage.get("output_tokens"),
        "axweb.usage.cost": float(usage["cost"]) if usage.get("cost") is not None else None,
    }


# -- spans from events ---------------------------------------------------------------------------


@dataclass
class SpanDraft:
    """A span being assembled while the events are read in order."""

    node: str
    span_id: str
    start: str
    end: str | None = None
    status: int = STATUS_UNSET
    message: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)
    events: list[Json] = field(default_factory=list)


class TraceBuilder:
    """Folds a run's event envelopes into a root span draft and node span drafts."""

    def __init__(self, run_id: str, graph: dict[str, Any]) -> None:
        self.run_id = run_id
        self.kinds = {n["id"]: n for n in graph.get("nodes", [])}
        self.root = SpanDraft(node="", span_id=span_id(run_id, "run"), start="")
        self.spans: list[SpanDraft] = []
        self.open: dict[str, SpanDraft] = {}

    def feed(self, event: Json) -> None:
        node, kind = event.get("node"), event["type"]
        if kind == "node.started" and node:
            self._start(node, event)
        elif kind in ("node.finished", "node.failed") and node:
            self._settle(node, event)
        elif kind == "node.skipped" and node:
            draft = self._new(node, event)
            draft.end, draft.attrs["axweb.node.status"] = event["ts"], "skipped"
            draft.attrs["axweb.node.skip_reason"] = event["data"].get("reason")
        elif kind in SPAN_EVENT_TYPES:
            target = self.open.get(node or "") or self.root
            target.events.append(
                {
                    "timeUnixNano": unix_nanos(event["ts"]),
                    "name": SPAN_EVENT_TYPES[kind],
                    "attributes": attributes({f"axweb.{k}": v for k, v in event["data"].items()}),
                }
            )

    def _new(self, node: str, event: Json) -> SpanDraft:
        static = self.kinds.get(node.rsplit("/", 1)[-1], {})
        config = static.get("config") or {}
        draft = SpanDraft(
            node=node,
            span_id=span_id(self.run_id, node, str(len(self.spans))),
            start=event["ts"],
            attrs={
                "axweb.node.id": node,
                "axweb.node.kind": static.get("kind"),
                "axweb.node.label": static.get("label"),
                "gen_ai.request.model": config.get("model"),
            },
        )
        self.spans.append(draft)
        return draft

    def _start(self, node: str, event: Json) -> None:
        attempt = event["data"].get("attempt")
        previous = self.open.get(node)
        if (
            previous is not None
            and isinstance(attempt, int)
            and attempt > (previous.attrs["axweb.node.attempt"] or 0)
        ):
            previous.attrs["axweb.node.attempt"] = attempt  # the next attempt of the same execution
            return
        if (
            previous := self.open.pop(node, None)
        ) is not None:  # started again: the worker died mid-node
            previous.end, previous.status, previous.message = (
                event["ts"],
                STATUS_ERROR,
                "Interrupted.",
            )
            previous.attrs["axweb.node.status"] = "interrupted"
        draft = self._new(node, event)
        draft.attrs["axweb.node.attempt"] = attempt if isinstance(attempt, int) else 1
        self.open[node] = draft

    def _settle(self, node: str, event: Json) -> None:
        draft = self.open.pop(node, None) or self._new(node, event)
        data, failed = event["data"], event["type"] == "node.failed"
        draft.end = event["ts"]
        draft.status = STATUS_ERROR if failed else STATUS_OK
        draft.message = str(data.get("error") or "") if failed else ""
        draft.attrs.update(
            {
                "axweb.node.status": "failed" if failed else "succeeded",
                "axweb.node.duration_ms": data.get("duration_ms"),
                "axweb.node.output": data.get("output"),
                **usage_attributes(data.get("usage")),
            }
        )


def _span(draft: SpanDraft, trace_id: str, parent: str | None, end: str) -> Json:
    span: Json = {
        "traceId": trace_id,
        "spanId": draft.span_id,
        "name": draft.node or "run",
        "kind": KIND_INTERNAL,
        "startTimeUnixNano": unix_nanos(draft.start),
        "endTimeUnixNano": unix_nanos(draft.end or end),
        "attributes": attributes(draft.attrs),
        "events": draft.events,
        "status": {"code": draft.status},
    }
    if parent:
        span["parentSpanId"] = parent
    if draft.message:
        span["status"]["message"] = draft.message
    return span


RUN_STATUS_CODES = {"succeeded": STATUS_OK, "failed": STATUS_ERROR}


def otlp_document(run: Json, graph: dict[str, Any], events: Iterable[Json]) -> Json:
    """OTLP/JSON for one run. `run` is a run list item (events.run_list_item); pure function.
    `events` is read once, in order (an iterator of a long trace is never held whole)."""
    builder = TraceBuilder(run["id"], graph)
    first: Json | None = None
    last: Json | None = None
    for event in events:
        first, last = first or event, event
        builder.feed(event)
    last_ts = last["ts"] if last else run["created_at"]
    start = run.get("started_at") or (first["ts"] if first else run["created_at"])
    end = run.get("finished_at") or last_ts
    root = builder.root
    root.node, root.start, root.end = f"run {run['workflow_name']}", start, end
    root.status, root.message = (
        RUN_STATUS_CODES.get(run["status"], STATUS_UNSET),
        run.get("error") or "",
    )
    root.attrs = {
        "axweb.run.id": run["id"],
        "axweb.run.status": run["status"],
        "axweb.workflow.id": run["workflow"],
        "axweb.workflow.name": run["workflow_name"],
        "axweb.workflow.version": run["version"],
        **usage_attributes(run.get("usage")),
    }
    trace_id = run["id"].replace("-", "")
    spans = [_span(root, trace_id, None, end)] + [
        _span(d, trace_id, root.span_id, end) for d in builder.spans
    ]
    resource = attributes(
        {"service.name": "axweb", "telemetry.sdk.name": "axweb", "telemetry.sdk.language": "python"}
    )
    return {
        "resourceSpans": [
            {"resource": {"attributes": resource}, "scopeSpans": [{"scope": SCOPE, "spans": spans}]}
        ]
    }


def run_otlp(run: Run) -> Json:
    from workflows.runs import events as ev

    return otlp_document(ev.run_list_item(run), run.version.graph, ev.events_iter(run.id))


# -- pushing to a collector --------------------------------------------------------------------


def traces_url(endpoint: str) -> str:
    """A base collector URL gets the standard `/v1/traces` path; a full traces URL is kept."""
    endpoint = endpoint.rstrip("/")
    return endpoint if endpoint.endswith("/v1/traces") else f"{endpoint}/v1/traces"


def parse_headers(text: str) -> dict[str, str]:
    """OTEL-style `Key=value,Key2=value2` (values URL-decoded)."""
    pairs = (item.split("=", 1) for item in text.split(",") if "=" in item)
    return {unquote(k.strip()): unquote(v.strip()) for k, v in pairs}


def run_export_otlp(
    run: Run, endpoint: str, headers: dict[str, str] | None = None, timeout_s: float = 10.0
) -> int:
    """POST the run's trace as OTLP/JSON to `endpoint`; return the HTTP status (raise on errors)."""
    import httpx

    response = httpx.post(
        traces_url(endpoint), json=run_otlp(run), headers=headers or {}, timeout=timeout_s
    )
    response.raise_for_status()
    return response.status_code


def otlp_settings() -> tuple[str, dict[str, str]]:
    from django.conf import settings

    endpoint, headers = settings.AXWEB_OTLP_ENDPOINT, settings.AXWEB_OTLP_HEADERS
    return str(endpoint), parse_headers(str(headers))


def otlp_push_finished(run_id: Any) -> bool:
    """Export a finished run when AXWEB_OTLP_ENDPOINT is set. Never raises: a collector that is
    down must not fail the run. Returns whether a trace was delivered."""
    endpoint, headers = otlp_settings()
    if not endpoint:
        return False
    try:
        run = Run.objects.select_related("workflow", "version").get(pk=run_id)
        run_export_otlp(run, endpoint, headers)
    except Exception:
        log.exception("OTLP export of run %s to %s failed", run_id, endpoint)
        return False
    return True


def _renderer() -> Any:
    from rest_framework.renderers import JSONRenderer

    class OtlpJSONRenderer(JSONRenderer):
        """Lets `?format=otlp` through DRF's format negotiation; the body is plain JSON."""

        format = "otlp"

    return OtlpJSONRenderer


OtlpJSONRenderer = _renderer()
