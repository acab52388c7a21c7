"""Snapshot at N + the events after N == the snapshot of all events, for every event type."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from workflows.runs import events as ev
from workflows.runs.snapshot import HANDLERS, snapshot_apply, snapshot_empty

Step = tuple[str, str | None, dict[str, Any]]
USAGE = {"input_tokens": 7, "output_tokens": 3, "cost": 0.001}

WORK: list[Step] = [
    ("run.started", None, {"inputs": {"question": "q"}}),
    ("node.started", "a", {"attempt": 1}),
    ("node.token", "a", {"text": "Hel"}),
    (
        "node.tool_call",
        "a",
        {"call_id": "c1", "tool": "calculator", "arguments": {"expression": "2+3"}},
    ),
    ("node.tool_result", "a", {"call_id": "c1", "result": {"value": 5}, "error": None}),
    ("memory.written", "a", {"key": "total", "value": 5, "policy": "replace"}),
    ("message.posted", "a", {"channel": "general", "sender": "a", "text": "five"}),
    ("node.retrying", "a", {"attempt": 2, "error": "timeout"}),
    ("node.started", "a", {"attempt": 2}),
    ("node.token", "a", {"text": "Hel"}),
    ("node.token", "a", {"text": "lo"}),
    ("node.finished", "a", {"output": {"out": "Hello"}, "usage": USAGE, "duration_ms": 12}),
    ("node.skipped", "b", {"reason": "The branch was not taken."}),
    ("node.started", "c", {"attempt": 1}),
    (
        "approval.requested",
        "c",
        {"approval_id": "ap1", "prompt": "Ship it?", "payload": {"draft": "x"}},
    ),
    ("run.paused", None, {}),
    (
        "approval.resolved",
        "c",
        {"approval_id": "ap1", "decision": "approve", "comment": "ok", "by": "owner"},
    ),
    ("run.resumed", None, {}),
]
SEQUENCES: dict[str, list[Step]] = {
    "succeeds": [
        *WORK,
        ("node.finished", "c", {"output": {"approved": "x"}, "usage": USAGE, "duration_ms": 3}),
        ("run.finished", None, {"outputs": {"answer": "Hello"}, "usage": USAGE}),
    ],
    "fails": [
        *WORK,
        ("budget.exceeded", "c", {"budget": "max_tokens", "limit": 5, "used": 10}),
        ("node.failed", "c", {"error": "Budget max_tokens exceeded."}),
        ("run.failed", None, {"error": "Budget max_tokens exceeded."}),
    ],
    "is cancelled": [*WORK[:3], ("run.cancelled", None, {"reason": "Stopped by the user."})],
}


def envelopes(steps: list[Step], run: str = "r1") -> list[dict[str, Any]]:
    return [
        {"run": run, "seq": i, "type": t, "node": n, "ts": f"2026-01-01T00:00:{i:02d}Z", "data": d}
        for i, (t, n, d) in enumerate(steps, start=1)
    ]


def without_seq(state: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in state.items() if k != "seq"}


def test_the_sequences_cover_every_event_type_and_every_type_has_a_rule():
    covered = {t for steps in SEQUENCES.values() for t, _, _ in steps}
    assert covered == set(ev.EVENT_TYPES)
    assert set(HANDLERS) == set(ev.EVENT_TYPES)


@pytest.mark.parametrize("name", SEQUENCES)
def test_snapshot_at_n_plus_the_events_after_n_is_the_snapshot_of_all(name):
    events = envelopes(SEQUENCES[name])
    full = snapshot_apply(snapshot_empty(), events)
    for n in range(len(events) + 1):
        at_n = snapshot_apply(snapshot_empty(), events[:n])
        assert at_n["seq"] == n
        assert snapshot_apply(at_n, events[n:]) == full, f"cut after {n}"


@pytest.mark.parametrize("name", SEQUENCES)
def test_every_event_changes_the_state(name):
    events = envelopes(SEQUENCES[name])
    state = snapshot_empty()
    for event in events:
        after = snapshot_apply(state, [event])
        assert without_seq(after) != without_seq(state), f"{event['type']} changed nothing"
        state = after


@pytest.mark.parametrize("name", SEQUENCES)
def test_applying_in_any_number_of_frames_gives_the_same_state(name):
    events = envelopes(SEQUENCES[name])
    full = snapshot_apply(snapshot_empty(), events)
    for size in (1, 2, 3, 5, 8):
        state = snapshot_empty()
        for start in range(0, len(events), size):
            state = snapshot_apply(state, events[start : start + size])
        assert state == full


def test_duplicates_are_ignored_and_a_gap_is_refused():
    events = envelopes(SEQUENCES["succeeds"])
    state = snapshot_apply(snapshot_empty(), events[:5])
    assert snapshot_apply(state, events[2:7]) == snapshot_apply(snapshot_empty(), events[:7])
    with pytest.raises(ValueError, match="gap"):
        snapshot_apply(state, events[6:])


def test_apply_does_not_change_the_state_it_is_given():
    events = envelopes(SEQUENCES["succeeds"])
    state = snapshot_apply(snapshot_empty(), events[:4])
    before = copy.deepcopy(state)
    snapshot_apply(state, events[4:])
    assert state == before


def test_the_final_states_read_as_the_story_they_tell():
    done = snapshot_apply(snapshot_empty(), envelopes(SEQUENCES["succeeds"]))
    assert done["run"]["status"] == "succeeded" and done["run"]["outputs"] == {"answer": "Hello"}
    a = done["nodes"]["a"]
    assert (a["status"], a["attempt"], a["text"], a["output"]) == (
        "succeeded",
        2,
        "Hello",
        {"out": "Hello"},
    )
    assert a["tool_calls"] == [
        {
            "call_id": "c1",
            "tool": "calculator",
            "arguments": {"expression": "2+3"},
            "result": {"value": 5},
            "error": None,
            "done": True,
        }
    ]
    assert done["nodes"]["b"]["status"] == "skipped"
    assert done["approvals"][0] | {} == {
        "id": "ap1",
        "node": "c",
        "prompt": "Ship it?",
        "payload": {"draft": "x"},
        "status": "approve",
        "comment": "ok",
        "by": "owner",
    }
    assert done["memory"] == {"total": 5} and done["messages"][0]["text"] == "five"
    failed = snapshot_apply(snapshot_empty(), envelopes(SEQUENCES["fails"]))
    assert failed["run"]["status"] == "failed" and failed["nodes"]["c"]["status"] == "failed"
    assert failed["budgets"][0]["budget"] == "max_tokens"
    cancelled = snapshot_apply(snapshot_empty(), envelopes(SEQUENCES["is cancelled"]))
    assert cancelled["run"]["status"] == "cancelled" and cancelled["nodes"]["a"]["text"] == "Hel"


@pytest.mark.django_db
@pytest.mark.parametrize("name", SEQUENCES)
def test_the_snapshot_endpoint_at_n_matches_the_rules(name, owner, other):
    from rest_framework.test import APIClient

    from tests.workflows.test_consumers import make_run

    run = make_run(owner)
    ev.events_append(run.id, SEQUENCES[name])
    stored = ev.events_after(run.id, 0)
    client = APIClient()
    client.force_authenticate(owner)
    for n in range(len(stored) + 1):
        body = client.get(f"/api/runs/{run.id}/snapshot/?at={n}").json()
        assert body == snapshot_apply(snapshot_empty(), stored[:n])
    assert client.get(f"/api/runs/{run.id}/snapshot/").json() == snapshot_apply(
        snapshot_empty(), stored
    )
    client.force_authenticate(other)
    assert client.get(f"/api/runs/{run.id}/snapshot/?at=1").status_code == 404


def test_every_event_type_is_documented_with_its_fields():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "events.md").read_text()
    missing = [t for t in ev.EVENT_TYPES if f"### `{t}`" not in text]
    assert missing == []
    for close_code in ("4401", "4404"):
        assert close_code in text


def test_pre_encoded_event_arrays_join_into_one_valid_frame():
    import json

    from workflows.runs.consumers import events_frame

    batches = [envelopes(SEQUENCES["succeeds"])[:2], envelopes(SEQUENCES["succeeds"])[2:3]]
    frame = json.loads(events_frame([json.dumps(b) for b in batches]))
    assert frame == {"type": "events", "events": batches[0] + batches[1]}
