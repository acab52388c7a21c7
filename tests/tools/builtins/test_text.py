from __future__ import annotations

import pytest

from tools.base import ToolContext, ToolError
from tools.builtins.text import TextTool, regex_extract


async def text(**args: object) -> object:
    return (await TextTool().invoke(ToolContext(), args))["value"]


@pytest.mark.asyncio
async def test_basic_operations() -> None:
    assert await text(operation="length", text="héllo") == 5
    assert await text(operation="upper", text="abc") == "ABC"
    assert await text(operation="lower", text="ABC") == "abc"
    assert await text(operation="split", text="a b  c") == ["a", "b", "c"]
    assert await text(operation="split", text="a,b", separator=",") == ["a", "b"]
    assert await text(operation="replace", text="a-b-c", old="-", new="+") == "a+b+c"


@pytest.mark.asyncio
async def test_regex_extract_returns_groups() -> None:
    assert await text(operation="regex_extract", text="a1 b22", pattern=r"\d+") == ["1", "22"]
    assert await text(operation="regex_extract", text="k=v x=y", pattern=r"(\w)=(\w)") == [
        ["k", "v"],
        ["x", "y"],
    ]


@pytest.mark.asyncio
async def test_missing_operation_argument_is_named() -> None:
    with pytest.raises(ToolError, match="'pattern' is required"):
        await text(operation="regex_extract", text="x")


def test_catastrophic_backtracking_is_stopped_by_the_timeout() -> None:
    with pytest.raises(ToolError) as caught:
        regex_extract(r"^(a|aa)+$", "a" * 60 + "b", timeout_s=0.2)
    assert caught.value.code == "timeout"


def test_invalid_pattern_is_reported() -> None:
    with pytest.raises(ToolError, match="invalid regular expression"):
        regex_extract("(", "x")
