"""The node-kind registry and the catalog served to the palette."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from workflows.engine.kinds.base import NodeKind
from workflows.engine.kinds.registry import KINDS, catalog, get_kind
from workflows.engine.ports import PORT_TYPES

REQUIRED_KINDS = {
    "input",
    "output",
    "agent",
    "llm",
    "tool",
    "condition",
    "router",
    "join",
    "map",
    "loop",
    "approval",
    "subflow",
    "memory_read",
    "memory_write",
    "critic_panel",
    "note",
}
CATEGORIES = {"AI", "Flow", "Data", "Human", "Memory", "Annotation"}


def test_every_required_kind_is_registered():
    assert set(KINDS) >= REQUIRED_KINDS


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_loads_lazily_from_its_module(kind):
    cls = get_kind(kind)
    assert issubclass(cls, NodeKind) and cls.kind == kind
    assert cls.__module__ == f"workflows.engine.kinds.{kind}"


def test_unknown_kinds_raise_key_error():
    with pytest.raises(KeyError):
        get_kind("telepathy")


def test_catalog_matches_the_api_shape():
    entries = catalog()
    assert [e["kind"] for e in entries] == list(KINDS)
    for entry in entries:
        assert set(entry) == {
            "kind",
            "title",
            "category",
            "description",
            "color",
            "config_schema",
            "inputs",
            "outputs",
            "dynamic_ports",
        }
        assert entry["category"] in CATEGORIES
        assert entry["color"].startswith("#") and entry["description"].endswith(".")
        assert entry["config_schema"]["type"] == "object"
        assert entry["config_schema"]["additionalProperties"] is False
        for port in entry["inputs"]:
            assert set(port) == {"name", "type", "required", "multiple"}
            assert port["type"] in PORT_TYPES
        for port in entry["outputs"]:
            assert set(port) == {"name", "type"} and port["type"] in PORT_TYPES


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_config_refuses_unknown_fields(kind):
    with pytest.raises(ValidationError):
        get_kind(kind).Config.model_validate({"surely_not_a_field": 1})


@pytest.mark.parametrize(
    ("kind", "field", "fmt"),
    [
        ("agent", "agent", "agent"),
        ("agent", "prompt", "prompt"),
        ("llm", "model", "model"),
        ("llm", "prompt", "prompt"),
        ("llm", "system", "prompt"),
        ("tool", "tool", "tool"),
        ("subflow", "workflow", "workflow"),
        ("condition", "expression", "expression"),
        ("loop", "exit_condition", "expression"),
        ("approval", "prompt", "prompt"),
        ("critic_panel", "reviser", "agent"),
        ("router", "model", "model"),
    ],
)
def test_reference_fields_carry_a_format_hint(kind, field, fmt):
    schema = next(e for e in catalog() if e["kind"] == kind)["config_schema"]
    assert schema["properties"][field]["format"] == fmt


def test_list_of_agents_carries_the_hint_on_its_items():
    schema = next(e for e in catalog() if e["kind"] == "critic_panel")["config_schema"]
    assert schema["properties"]["critics"]["items"]["format"] == "agent"


def test_dynamic_ports_follow_the_config():
    router = get_kind("router")
    config = router.Config.model_validate({"routes": [{"name": "a", "expression": "True"}]})
    assert [p.name for p in router.ports(config)[1]] == ["a", "default"]
    llm = get_kind("llm")
    json_config = llm.Config.model_validate({"model": "m", "output": "json"})
    assert llm.ports(json_config)[1][0].type == "json"
