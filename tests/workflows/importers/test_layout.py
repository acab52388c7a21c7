"""The layered layout of imported graphs and templates."""

from __future__ import annotations

from workflows.importers.layout import COLUMN_W, ROW_H, layout


def n(node_id: str, kind: str = "llm", **config: object) -> dict[str, object]:
    return {"id": node_id, "kind": kind, "config": config}


def e(a: str, b: str) -> dict[str, str]:
    return {"source": a, "target": b}


def positions(graph: dict) -> dict[str, tuple[float, float]]:
    return {x["id"]: (x["position"]["x"], x["position"]["y"]) for x in graph["nodes"]}


def test_a_node_sits_one_column_right_of_its_furthest_predecessor() -> None:
    graph = layout(
        {"nodes": [n("a"), n("b"), n("c")], "edges": [e("a", "b"), e("b", "c"), e("a", "c")]}
    )
    assert positions(graph) == {"a": (0, 0), "b": (COLUMN_W, 0), "c": (2 * COLUMN_W, 0)}


def test_siblings_stack_in_one_column_and_notes_go_below_the_flow() -> None:
    graph = layout(
        {"nodes": [n("a"), n("b"), n("c"), n("x", "note")], "edges": [e("a", "b"), e("a", "c")]}
    )
    assert positions(graph)["b"] == (COLUMN_W, 0)
    assert positions(graph)["c"] == (COLUMN_W, ROW_H)
    assert positions(graph)["x"] == (0, 3 * ROW_H)


def test_a_cycle_is_laid_out_without_looping_forever() -> None:
    graph = layout({"nodes": [n("a"), n("b")], "edges": [e("a", "b"), e("b", "a")]})
    assert len(set(positions(graph).values())) == 2


def test_the_body_of_a_loop_is_laid_out_too() -> None:
    body = {"nodes": [n("i", "input"), n("o", "output")], "edges": [e("i", "o")]}
    graph = layout({"nodes": [n("loop", "loop", body=body)], "edges": []})
    assert positions(graph["nodes"][0]["config"]["body"]) == {"i": (0, 0), "o": (COLUMN_W, 0)}
