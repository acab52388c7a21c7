"""Output: its input becomes the run's output ``outputs[name]`` (in chat mode: the answer)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from workflows.engine.kinds.base import KindConfig, NodeKind
from workflows.engine.ports import Port


class OutputConfig(KindConfig):
    name: str = Field("output", min_length=1, description="Key in the run's outputs.")
    chat: bool = Field(
        False,
        description="Chat mode: its input is the answer of a chat turn; the tokens of the "
        "node feeding it stream into the chat.",
    )


class OutputKind(NodeKind):
    kind = "output"
    title = "Output"
    category = "Data"
    description = "A result of the run; its input is stored under the given name."
    color = "#22c55e"
    Config = OutputConfig
    inputs = [Port("in", "any")]

    async def run(self, ctx: Any, node: Any, inputs: dict[str, Any]) -> dict[str, Any]:
        return {}
