"""The registry: one table of builtins, a catalog, model tool specs, user tool definitions."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from agents.llm.base import ToolSpec
from tools.base import Tool
from tools.builtins.delegate import AgentTool, WorkflowTool
from tools.builtins.http import HttpEndpointTool
from tools.builtins.python import PythonCodeTool
from tools.registry import (
    BUILTINS,
    ToolDefinitionError,
    UnknownTool,
    builtin,
    builtin_specs,
    catalog,
    tool_from_definition,
)


def test_every_table_entry_imports_a_tool_with_that_name() -> None:
    for name, dotted in BUILTINS.items():
        module, _, attr = dotted.rpartition(".")
        cls = getattr(importlib.import_module(module), attr)
        assert issubclass(cls, Tool) and cls.name == name and cls.builtin


def test_catalog_lists_builtins_with_schema() -> None:
    entries = catalog()
    assert [e["name"] for e in entries] == list(BUILTINS)
    for entry in entries:
        assert entry["builtin"] is True and entry["description"]
        assert entry["input_schema"]["type"] == "object"


def test_builtin_specs_are_model_tool_specs() -> None:
    specs = builtin_specs(["calculator"])
    assert specs == [
        ToolSpec(
            name="calculator",
            description=builtin("calculator").description,
            input_schema=builtin("calculator").input_schema,
        )
    ]


def test_unknown_builtin_is_refused() -> None:
    with pytest.raises(UnknownTool):
        builtin("rm_rf")


def definition(**overrides: Any) -> dict[str, Any]:
    base = {
        "name": "double",
        "description": "Doubles n.",
        "kind": "python",
        "input_schema": {"type": "object", "properties": {"n": {"type": "integer"}}},
        "config": {"code": "result = inputs['n'] * 2"},
    }
    return base | overrides


def test_python_definition_builds_a_sandboxed_tool() -> None:
    tool = tool_from_definition(definition(config={"code": "result = 1", "limits": {"cpu_s": 1}}))
    assert isinstance(tool, PythonCodeTool)
    assert tool.limits.cpu_s == 1 and tool.name == "double" and not tool.builtin


def test_http_definition_builds_an_endpoint_tool() -> None:
    tool = tool_from_definition(
        definition(
            kind="http",
            config={"url": "https://api.example.com/v1/x", "method": "GET"},
            timeout_s=7,
        )
    )
    assert isinstance(tool, HttpEndpointTool)
    assert tool.method == "GET" and tool.timeout_s == 7


def test_agent_and_workflow_definitions() -> None:
    agent = tool_from_definition(definition(kind="agent", config={"agent": "researcher"}))
    flow = tool_from_definition(definition(kind="workflow", config={"workflow": "summarise"}))
    assert isinstance(agent, AgentTool) and agent.agent_ref == "researcher"
    assert isinstance(flow, WorkflowTool) and flow.workflow_ref == "summarise"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "shell"}, "'kind'"),
        ({"name": "has space"}, "'name'"),
        ({"config": {}}, "'config.code'"),
        ({"config": {"code": "x", "limits": {"gpu": 1}}}, "'config.limits'"),
        ({"kind": "http", "config": {"url": "ftp://x"}}, "'config.url'"),
        ({"input_schema": {"type": "array"}}, "'input_schema'"),
        (
            {"input_schema": {"type": "object", "properties": {"n": {"type": "bogus"}}}},
            "'input_schema'",
        ),
    ],
)
def test_invalid_definitions_name_the_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ToolDefinitionError) as caught:
        tool_from_definition(definition(**overrides))
    assert str(caught.value).startswith(field)
