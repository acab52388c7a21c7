"""Flows and signed requests shared by the trigger tests."""

from __future__ import annotations

import json
import time
from typing import Any

from tests.workflows.conftest import edge, node
from workflows.triggers.signing import signature_of


def echo_graph(delay: float = 0.0) -> dict[str, Any]:
    """input `question` (required) → scripted llm → output `answer`."""
    return {
        "schema_version": 1,
        "nodes": [
            node("in", "input", name="question", type="text", required=True),
            node("llm", "llm", model=f"scripted:echo?delay={delay}&chunks=1", prompt="{{in}}"),
            node("out", "output", name="answer"),
        ],
        "edges": [edge("in", "llm"), edge("llm", "out")],
    }


def signed(secret: str, payload: Any, timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
    """A JSON body and the headers that sign it the way the docs tell a sender to."""
    body = json.dumps(payload).encode()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return body, {
        "Content-Type": "application/json",
        "X-AXWeb-Timestamp": stamp,
        "X-AXWeb-Signature": signature_of(secret, stamp, body),
    }
