from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "imports"
KNOWN = ["builtin:smollm2-135m", "anthropic:claude-3-5-haiku-latest"]


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def nodes_by_id(graph: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["id"]: n for n in graph["nodes"]}


def edge_ids(graph: dict[str, Any]) -> set[str]:
    return {e["id"] for e in graph["edges"]}


def sources(report: Any, bucket: str) -> dict[str, str]:
    return {entry["source"]: entry["kind"] for entry in getattr(report, bucket)}
