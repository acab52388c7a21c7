from __future__ import annotations

from typing import Any

import pytest

from tools.base import ToolContext, ToolError
from tools.builtins.json_tool import JsonTool, get_path, parse_path, set_path


async def call(**args: Any) -> Any:
    return (await JsonTool().invoke(ToolContext(), args))["value"]


@pytest.mark.asyncio
async def test_parse_and_get_by_path() -> None:
    assert await call(operation="parse", text='{"a": [1, 2]}') == {"a": [1, 2]}
    assert await call(operation="get", text='{"a": {"b": [5, 6]}}', path="a.b[-1]") == 6


@pytest.mark.asyncio
async def test_set_returns_a_copy_and_creates_missing_keys() -> None:
    document = {"a": {"b": 1}}
    result = await call(operation="set", document=document, path="a.c.d", value=True)
    assert result == {"a": {"b": 1, "c": {"d": True}}}
    assert document == {"a": {"b": 1}}


def test_set_appends_at_list_end() -> None:
    assert set_path({"l": [1]}, "l[1]", 2) == {"l": [1, 2]}


def test_path_errors_name_the_part() -> None:
    with pytest.raises(ToolError, match="not found at 'x'"):
        get_path({"a": 1}, "x")
    with pytest.raises(ToolError, match="malformed path"):
        parse_path("a..b")
    assert parse_path("a.b[0].c") == ["a", "b", 0, "c"]


@pytest.mark.asyncio
async def test_invalid_json_reports_position() -> None:
    with pytest.raises(ToolError, match="line 1 column"):
        await call(operation="parse", text="{bad")
