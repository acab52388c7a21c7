"""docs/engine.md stays true: every kind, config field, port, event and context method."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from workflows.engine.context import RunContext
from workflows.engine.kinds.registry import KINDS, catalog
from workflows.engine.validation import validate

DOC = Path(__file__).resolve().parents[3] / "docs" / "engine.md"
EVENTS = [
    "run.started",
    "run.finished",
    "run.failed",
    "run.cancelled",
    "run.paused",
    "run.resumed",
    "node.started",
    "node.token",
    "node.tool_call",
    "node.tool_result",
    "node.finished",
    "node.failed",
    "node.retrying",
    "node.skipped",
    "approval.requested",
    "approval.resolved",
    "memory.written",
    "message.posted",
    "budget.exceeded",
]


def section(kind: str) -> str:
    text = DOC.read_text()
    match = re.search(rf"^### `{kind}`.*?(?=^### |^## |\Z)", text, re.M | re.S)
    assert match, f"docs/engine.md has no section for the {kind} kind"
    return match.group(0)


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_registered_kind_is_documented_with_its_config_and_ports(kind):
    entry = next(e for e in catalog() if e["kind"] == kind)
    text = section(kind)
    for field in entry["config_schema"].get("properties", {}):
        assert f"`{field}`" in text, f"{kind}: config field {field} is not documented"
    for port in entry["inputs"] + entry["outputs"]:
        assert f"`{port['name']}`" in text, f"{kind}: port {port['name']} is not documented"


def test_every_event_type_is_documented():
    text = DOC.read_text()
    assert [e for e in EVENTS if f"`{e}`" not in text] == []


def test_every_context_method_is_documented():
    text = DOC.read_text()
    methods = [
        m for m in vars(RunContext) if not m.startswith("_") and callable(getattr(RunContext, m))
    ]
    assert len(methods) >= 12
    assert [m for m in methods if f"`{m}(" not in text] == []


def test_the_documented_loop_body_example_is_a_valid_node():
    block = DOC.read_text().split("### Loop and map bodies")[1].split("```json")[1]
    loop = json.loads(block.split("```")[0])
    doc = {
        "schema_version": 1,
        "nodes": [{"id": "in", "kind": "input"}, loop, {"id": "out", "kind": "output"}],
        "edges": [
            {"id": "a", "source": "in", "target": loop["id"]},
            {"id": "b", "source": loop["id"], "target": "out"},
        ],
    }
    assert validate(doc) == []
