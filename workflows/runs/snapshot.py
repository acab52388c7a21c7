"""Run state from events: the same rules as frontend/src/run/dispatch.ts.

`snapshot_at(events up to N)` then `snapshot_apply` of the events after N equals the
snapshot of all events: the live view and a reload always agree.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from agents.memory.blackboard import MergeError, merge

State = dict[str, Any]
Event = dict[str, Any]


def snapshot_empty() -> State:
    return {
        "seq": 0,
        "run": {},
        "nodes": {},
        "approvals": [],
        "memory": {},
        "messages": [],
        "budgets": [],
    }


def _blank_node() -> dict[str, Any]:
    return {
        "status": "queued",
        "started_at": None,
        "finished_at": None,
        "attempt": 0,
        "output": None,
        "error": None,
        "text": "",
        "usage": None,
    }


def _node(state: State, event: Event) -> dict[str, Any] | None:
    node_id = event.get("node")
    if not node_id:
        return None
    node: dict[str, Any] = state["nodes"].setdefault(node_id, _blank_node())
    return node


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _run_started(s: State, e: Event) -> None:
    s["run"]["status"] = "running"
    if s["run"].get("started_at") is None:
        s["run"]["started_at"] = e["ts"]


def _run_finished(s: State, e: Event) -> None:
    s["run"].update(status="succeeded", finished_at=e["ts"])
    if "outputs" in e["data"]:
        s["run"]["outputs"] = e["data"]["outputs"]
    if e["data"].get("usage"):
        s["run"]["usage"] = e["data"]["usage"]


def _run_failed(s: State, e: Event) -> None:
    s["run"].update(status="failed", finished_at=e["ts"], error=e["data"].get("error"))


def _node_started(s: State, e: Event) -> None:
    if (n := _node(s, e)) is not None:
        attempt = e["data"].get("attempt")
        n.update(
            status="running",
            started_at=e["ts"],
            finished_at=None,
            text="",
            error=None,
            attempt=attempt if isinstance(attempt, int) else n["attempt"] + 1,
        )


def _node_token(s: State, e: Event) -> None:
    if (n := _node(s, e)) is not None:
        n["text"] += _text(e["data"].get("text"))


def _tool_call(s: State, e: Event) -> None:
    if (n := _node(s, e)) is not None:
        d = e["data"]
        n.setdefault("tool_calls", []).append(
            {
                "call_id": _text(d.get("call_id")),
                "tool": _text(d.get("tool")),
                "arguments": d.get("arguments"),
                "done": False,
            }
        )


def _tool_result(s: State, e: Event) -> None:
    if (n := _node(s, e)) is not None:
        d = e["data"]
        for call in n.get("tool_calls", []):
            if call["call_id"] == _text(d.get("call_id")):
                call.update(result=d.get("result"), error=d.get("error"), done=True)


def _node_finished(s: State, e: Event) -> None:
    if (n := _node(s, e)) is not None:
        d = e["data"]
        n.update(
            status="succeeded",
            finished_at=e["ts"],
            output=d.get("output"),
            usage=d.get("usage"),
            duration_ms=d.get("duration_ms"),
        )


def _node_failed(s: State, e: Event) -> None:
    if (n := _node(s, e)) is not None:
        # A node stopped by the run's cancellation or another node's failure did not fail itself.
        status = "cancelled" if e["data"].get("stopped") else "failed"
        n.update(status=status, finished_at=e["ts"], error=e["data"].get("error"))


def _node_retrying(s: State, e: Event) -> None:
    if (n := _node(s, e)) is not None:
        attempt = e["data"].get("attempt")
        n.update(
            attempt=attempt if attempt is not None else n["attempt"], error=e["data"].get("error")
        )


def _node_skipped(s: State, e: Event) -> None:
    if (n := _node(s, e)) is not None:
        n.update(status="skipped", reason=_text(e["data"].get("reason")))


def _approval_requested(s: State, e: Event) -> None:
    if (n := _node(s, e)) is not None:
        n["status"] = "paused"
    d = e["data"]
    approval = {
        "id": _text(d.get("approval_id")),
        "node": e.get("node"),
        "prompt": _text(d.get("prompt")),
        "payload": d.get("payload"),
        "status": "pending",
    }
    s["approvals"] = [a for a in s["approvals"] if a["id"] != approval["id"]] + [approval]


def _approval_resolved(s: State, e: Event) -> None:
    d = e["data"]
    approval_id = _text(d.get("approval_id"))
    node_id = e.get("node")
    for approval in s["approvals"]:
        if approval["id"] == approval_id:
            approval.update(
                status=_text(d.get("decision")),
                comment=_text(d.get("comment")),
                by=_text(d.get("by")),
            )
            node_id = approval["node"] or node_id
    if node_id and s["nodes"].get(node_id, {}).get("status") == "paused":
        s["nodes"][node_id]["status"] = "running"


def _memory_written(s: State, e: Event) -> None:
    key, data = _text(e["data"].get("key")), e["data"]
    try:
        s["memory"][key] = merge(
            data.get("policy") or "replace", s["memory"].get(key), data.get("value")
        )
    except MergeError:
        s["memory"][key] = data.get("value")


def _message_posted(s: State, e: Event) -> None:
    d = e["data"]
    s["messages"].append(
        {
            "channel": _text(d.get("channel")),
            "sender": _text(d.get("sender")),
            "text": _text(d.get("text")),
            "ts": e["ts"],
            "node": e.get("node"),
        }
    )


def _budget_exceeded(s: State, e: Event) -> None:
    s["budgets"].append({**e["data"], "node": e.get("node"), "ts": e["ts"]})


def _set_status(status: str, finished: bool) -> Callable[[State, Event], None]:
    def handler(s: State, e: Event) -> None:
        s["run"]["status"] = status
        if finished:
            s["run"]["finished_at"] = e["ts"]

    return handler


HANDLERS: dict[str, Callable[[State, Event], None]] = {
    "run.started": _run_started,
    "run.finished": _run_finished,
    "run.failed": _run_failed,
    "run.cancelled": _set_status("cancelled", True),
    "run.paused": _set_status("paused", False),
    "run.resumed": _set_status("running", False),
    "node.started": _node_started,
    "node.token": _node_token,
    "node.tool_call": _tool_call,
    "node.tool_result": _tool_result,
    "node.finished": _node_finished,
    "node.failed": _node_failed,
    "node.retrying": _node_retrying,
    "node.skipped": _node_skipped,
    "approval.requested": _approval_requested,
    "approval.resolved": _approval_resolved,
    "memory.written": _memory_written,
    "message.posted": _message_posted,
    "budget.exceeded": _budget_exceeded,
}


def snapshot_apply(state: State, events: Iterable[Event]) -> State:
    """A new state: `state` with `events` applied in seq order; duplicates are ignored."""
    state = copy.deepcopy(state)
    for event in sorted(events, key=lambda e: e["seq"]):
        if event["seq"] <= state["seq"]:
            continue
        if event["seq"] != state["seq"] + 1:
            raise ValueError(
                f"Event {event['seq']} does not follow {state['seq']}: the trace has a gap."
            )
        handler = HANDLERS.get(event["type"])
        if handler:
            handler(state, event)
        state["seq"] = event["seq"]
    return state
