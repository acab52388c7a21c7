"""A settled node's output is stored once (on its node run), and its events read back whole."""

from __future__ import annotations

from typing import Any

import pytest

from tests.workflows.test_consumers import make_run
from workflows.engine import NodeRecord, Usage
from workflows.models import NodeRun, RunEvent
from workflows.runs import events as ev
from workflows.runs import store as run_store

pytestmark = pytest.mark.django_db

OUTPUT = {"out": "a long answer " * 50}
FINISHED = {
    "output": OUTPUT,
    "usage": {"input_tokens": 3, "output_tokens": 5, "cost": 0.0},
    "duration_ms": 12.5,
}


def settle(run: Any, node: str, outputs: Any, finished: dict[str, Any]) -> list[dict[str, Any]]:
    record = NodeRecord(node, "succeeded", outputs, {}, usage=Usage(3, 5, 0.0))
    return run_store.events_and_record_commit(
        run.id, [("node.started", node, {"attempt": 1}), ("node.finished", node, finished)], record
    )


def test_a_node_output_is_stored_on_its_node_run_only(owner):
    run = make_run(owner)
    settle(run, "a", OUTPUT, FINISHED)
    stored = RunEvent.objects.get(run=run, type="node.finished").data
    assert "output" not in stored and stored[ev.OUTPUT_ON_NODE_RUN] is True
    assert NodeRun.objects.get(run=run, node_id="a").outputs == OUTPUT


def test_events_read_back_with_the_output_in_place(owner):
    run = make_run(owner)
    published = settle(run, "a", OUTPUT, FINISHED)
    read_back = ev.events_after(run.id, 0)
    assert read_back == published
    assert read_back[1]["data"] == FINISHED
    assert list(read_back[1]["data"]) == ["output", "usage", "duration_ms"]
    assert ev.events_between(run.id, 2, 2) == [published[1]]


def test_an_event_whose_output_differs_from_the_node_run_keeps_its_own(owner):
    run = make_run(owner)
    settle(run, "a", {"out": "what the node run holds"}, FINISHED)
    assert RunEvent.objects.get(run=run, type="node.finished").data["output"] == OUTPUT
    assert ev.events_after(run.id, 0)[1]["data"] == FINISHED


def test_events_stored_before_this_change_read_back_unchanged(owner):
    run = make_run(owner)
    ev.events_append(run.id, [("node.finished", "a", FINISHED)])  # no node run beside it
    assert RunEvent.objects.get(run=run).data == FINISHED
    assert ev.events_after(run.id, 0)[0]["data"] == FINISHED
