"""Subflow: runs another saved workflow and outputs its outputs."""

from __future__ import annotations

from typing import Any

from workflows.engine.kinds.base import KindConfig, NodeKind, formatted
from workflows.engine.ports import Port


class SubflowConfig(KindConfig):
    workflow: str = formatted("workflow", min_length=1, description="The workflow to run.")


class SubflowKind(NodeKind):
    kind = "subflow"
    title = "Subflow"
    category = "Flow"
    description = (
        "Runs another workflow: a JSON object input becomes its inputs (anything "
        "else is passed as 'input'); outputs its outputs."
    )
    color = "#6366f1"
    Config = SubflowConfig
    inputs = [Port("in", "any")]
    outputs = [Port("out", "json")]

    async def run(self, ctx: Any, node: Any, inputs: dict[str, Any]) -> dict[str, Any]:
        value = inputs.get("in")
        payload = value if isinstance(value, dict) else {"input": value}
        return {"out": await ctx.run_subflow(node.config.workflow, payload)}
