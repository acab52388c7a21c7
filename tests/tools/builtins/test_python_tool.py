from __future__ import annotations

import pytest

from tools.base import ToolContext, ToolError
from tools.builtins.python import PythonTool
from tools.registry import tool_from_definition
from tools.sandbox import SandboxLimits


@pytest.mark.asyncio
async def test_python_tool_returns_result_and_output() -> None:
    out = await PythonTool().invoke(
        ToolContext(), {"code": "print('hi')\nresult = inputs * 2", "inputs": 21}
    )
    assert (out["reason"], out["result"], out["stdout"]) == ("ok", 42, "hi\n")


@pytest.mark.asyncio
async def test_failing_snippet_raises_with_the_traceback_in_details() -> None:
    with pytest.raises(ToolError) as caught:
        await PythonTool().invoke(ToolContext(), {"code": "1 / 0"})
    assert caught.value.code == "error"
    assert "ZeroDivisionError" in caught.value.reason
    assert "Traceback" in caught.value.details["stderr"]


@pytest.mark.asyncio
async def test_limit_reasons_reach_the_caller() -> None:
    tool = PythonTool(SandboxLimits(wall_s=1))
    with pytest.raises(ToolError) as caught:
        await tool.invoke(ToolContext(), {"code": "import time\ntime.sleep(10)"})
    assert caught.value.code == "timeout"
    assert "wall-clock limit" in caught.value.reason


@pytest.mark.asyncio
async def test_user_python_tool_gets_validated_arguments_as_inputs() -> None:
    tool = tool_from_definition(
        {
            "name": "double",
            "description": "Doubles n.",
            "kind": "python",
            "input_schema": {
                "type": "object",
                "properties": {"n": {"type": "integer"}},
                "required": ["n"],
            },
            "config": {"code": "result = inputs['n'] * 2"},
        }
    )
    assert await tool.invoke(ToolContext(), {"n": 4}) == 8
    with pytest.raises(ToolError, match="'n' must be an integer, got string"):
        await tool.invoke(ToolContext(), {"n": "4"})
