"""The tool contract: validation before execution, timeouts, output checks."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tools.base import Tool, ToolContext, ToolError, validate_against


class Recorder(Tool):
    name = "recorder"
    description = "Records calls."
    input_schema = {
        "type": "object",
        "properties": {
            "expression": {"type": "string"},
            "items": {
                "type": "array",
                "items": {"type": "object", "properties": {"n": {"type": "integer"}}},
            },
            "mode": {"enum": ["a", "b"]},
        },
        "required": ["expression"],
        "additionalProperties": False,
    }

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> Any:
        self.calls.append(args)
        return {"echo": args["expression"]}


@pytest.mark.asyncio
async def test_invalid_input_is_refused_before_run_with_field_and_types() -> None:
    tool = Recorder()
    with pytest.raises(ToolError) as caught:
        await tool.invoke(ToolContext(), {"expression": 3})
    assert caught.value.reason == "'expression' must be a string, got integer"
    assert caught.value.code == "invalid_input"
    assert tool.calls == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({}, "'expression' is required"),
        (
            {"expression": "x", "items": [{"n": "one"}]},
            "'items[0].n' must be an integer, got string",
        ),
        ({"expression": "x", "mode": "c"}, "'mode' must be one of ['a', 'b'], got 'c'"),
        ({"expression": "x", "extra": 1}, "input: Additional properties are not allowed"),
        ([1], "input must be an object, got array"),
    ],
)
def test_validation_messages_name_the_path(args: Any, message: str) -> None:
    with pytest.raises(ToolError) as caught:
        Recorder().validate(args)
    assert caught.value.reason.startswith(message)


@pytest.mark.asyncio
async def test_valid_input_runs_and_returns() -> None:
    tool = Recorder()
    assert await tool.invoke(ToolContext(), {"expression": "1+1"}) == {"echo": "1+1"}
    assert tool.calls == [{"expression": "1+1"}]


class Sleeper(Tool):
    name = "sleeper"
    timeout_s = 0.05

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> Any:
        await asyncio.sleep(5)


@pytest.mark.asyncio
async def test_slow_tool_times_out_with_reason() -> None:
    with pytest.raises(ToolError) as caught:
        await Sleeper().invoke(ToolContext(), {})
    assert caught.value.code == "timeout"
    assert "timed out after 0.05 s" in caught.value.reason


class BadOutput(Tool):
    name = "bad_output"
    output_schema = {"type": "object", "required": ["value"]}

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> Any:
        return {"other": 1}


@pytest.mark.asyncio
async def test_output_is_checked_against_output_schema() -> None:
    with pytest.raises(ToolError) as caught:
        await BadOutput().invoke(ToolContext(), {})
    assert caught.value.code == "invalid_output"


def test_all_errors_are_listed_in_details() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}}
    with pytest.raises(ToolError) as caught:
        validate_against(schema, {"a": 1, "b": "x"})
    assert len(caught.value.details["errors"]) == 2
    assert caught.value.to_dict()["code"] == "invalid_input"
