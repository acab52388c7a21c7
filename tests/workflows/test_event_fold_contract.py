"""The server's event fold (workflows/runs/snapshot.py) against the shared trace fixture.

tests/fixtures/event_traces.json holds event traces and the state each should fold into, in a
neutral shape; frontend/src/run/dispatch.contract.test.ts checks the browser's fold against the
same file, so the live view and a reload cannot drift apart.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from workflows.runs import events as ev
from workflows.runs.snapshot import snapshot_apply, snapshot_empty

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "event_traces.json"
TRACES: list[dict[str, Any]] = json.loads(FIXTURE.read_text())["traces"]
RUN_KEYS = ("status", "outputs", "error")


def _tool_call(call: dict[str, Any]) -> dict[str, Any]:
    return {
        "call_id": call["call_id"],
        "tool": call["tool"],
        "arguments": call.get("arguments"),
        "result": call.get("result"),
        "error": call.get("error"),
        "done": call["done"],
    }


def _node(node: dict[str, Any]) -> dict[str, Any]:
    keys = ("status", "attempt", "text", "output", "error", "usage", "duration_ms")
    out = {key: node.get(key) for key in keys}
    out["tool_calls"] = [_tool_call(c) for c in node.get("tool_calls", [])]
    if "reason" in node:
        out["reason"] = node["reason"]
    return out


def _approval(a: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "node", "prompt", "payload", "status", "comment", "by")
    return {key: a.get(key) for key in keys}


def neutral(state: dict[str, Any]) -> dict[str, Any]:
    """The common subset both folds are held to (see the fixture's `shape`)."""
    usages = [n["usage"] or {} for n in state["nodes"].values()]
    return {
        "seq": state["seq"],
        "run": {key: state["run"][key] for key in RUN_KEYS if key in state["run"]},
        "nodes": {node_id: _node(n) for node_id, n in state["nodes"].items()},
        "approvals": [_approval(a) for a in state["approvals"]],
        "memory": state["memory"],
        "messages": state["messages"],
        "budgets": state["budgets"],
        "tokens": {
            "input_tokens": sum(u.get("input_tokens", 0) for u in usages),
            "output_tokens": sum(u.get("output_tokens", 0) for u in usages),
        },
    }


def test_the_traces_cover_every_event_type():
    covered = {e["type"] for trace in TRACES for e in trace["events"]}
    assert covered == set(ev.EVENT_TYPES)


@pytest.mark.parametrize("trace", TRACES, ids=[t["name"] for t in TRACES])
def test_the_server_fold_gives_the_expected_state(trace):
    assert neutral(snapshot_apply(snapshot_empty(), trace["events"])) == trace["expected"]


@pytest.mark.parametrize("trace", TRACES, ids=[t["name"] for t in TRACES])
def test_the_server_fold_one_event_at_a_time_gives_the_same_state(trace):
    state = snapshot_empty()
    for event in trace["events"]:
        state = snapshot_apply(state, [event])
    assert neutral(state) == trace["expected"]
