"""The graph document: parsing and schema upgrades."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from workflows.engine.document import SCHEMA_VERSION, SchemaVersionError, parse_graph, upgrade

VERSION_0 = {
    "nodes": [
        {"id": "a", "type": "input", "data": {"name": "q"}},
        {"id": "b", "type": "condition", "data": {"expression": "value > 1"}},
        {"id": "c", "type": "output", "data": {}},
        {"id": "d", "type": "output", "data": {"name": "other"}},
    ],
    "edges": [
        {"source": "a", "target": "b"},
        {"id": "x", "source": "b", "sourceHandle": "false", "target": "c"},
        {"source": "b", "target": "d"},
    ],
}


def test_upgrade_turns_version_0_names_into_kind_and_config():
    doc = upgrade(VERSION_0)
    assert doc["schema_version"] == SCHEMA_VERSION == 1
    assert [n["kind"] for n in doc["nodes"]] == ["input", "condition", "output", "output"]
    assert doc["nodes"][0]["config"] == {"name": "q"}
    assert "type" not in doc["nodes"][0] and "data" not in doc["nodes"][0]


def test_upgrade_gives_portless_edges_the_default_ports_of_their_kinds():
    edges = upgrade(VERSION_0)["edges"]
    assert (edges[0]["source_port"], edges[0]["target_port"]) == ("out", "in")
    assert edges[1]["source_port"] == "false"  # the old handle is kept
    assert edges[2]["source_port"] == "true"  # first output of a condition
    assert [e["id"] for e in edges] == ["e1", "x", "e3"]


def test_upgrade_does_not_change_the_given_document():
    before = repr(VERSION_0)
    upgrade(VERSION_0)
    assert repr(VERSION_0) == before


def test_upgraded_version_0_document_parses():
    graph = parse_graph(VERSION_0)
    assert graph.edges[0].source_port == "out"


def test_current_document_passes_through_unchanged():
    doc = {"schema_version": 1, "nodes": [], "edges": []}
    assert upgrade(doc) == doc


def test_newer_schema_version_is_refused():
    with pytest.raises(SchemaVersionError, match="schema version 7"):
        upgrade({"schema_version": 7})


def test_node_fields_are_strict():
    with pytest.raises(ValidationError):
        parse_graph({"schema_version": 1, "nodes": [{"id": "a", "kind": "input", "colour": 1}]})


def test_node_defaults_match_the_api_contract():
    graph = parse_graph({"schema_version": 1, "nodes": [{"id": "a", "kind": "input"}]})
    node = graph.nodes[0]
    assert (node.on_error, node.retry.count, node.timeout_s, node.default) == (
        "fail",
        0,
        None,
        None,
    )
    assert graph.viewport.zoom == 1
