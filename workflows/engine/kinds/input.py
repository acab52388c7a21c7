"""Input: a value given when the run starts (``inputs[name]``)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from workflows.engine.errors import PermanentFailure
from workflows.engine.kinds.base import KindConfig, NodeKind
from workflows.engine.ports import Port, PortType


class InputConfig(KindConfig):
    name: str = Field("input", min_length=1, description="Key in the run's inputs.")
    type: PortType = "any"
    default: Any = None
    required: bool = False
    description: str = ""


class InputKind(NodeKind):
    kind = "input"
    title = "Input"
    category = "Data"
    description = "A value given when the run starts; where the flow begins."
    color = "#0ea5e9"
    Config = InputConfig
    outputs = [Port("out", "any")]
    dynamic_ports = True

    @classmethod
    def ports(cls, config: Any) -> tuple[list[Port], list[Port]]:
        return [], [Port("out", config.type)]

    async def run(self, ctx: Any, node: Any, inputs: dict[str, Any]) -> dict[str, Any]:
        config: InputConfig = node.config
        if config.name in ctx.run_inputs:
            return {"out": ctx.run_inputs[config.name]}
        if config.required:
            raise PermanentFailure(f'The run needs an input named "{config.name}".')
        return {"out": config.default}
