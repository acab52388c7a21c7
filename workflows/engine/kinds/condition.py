"""Condition: evaluates an expression; the input goes out on ``true`` or ``false``."""

from __future__ import annotations

from typing import Any

from workflows.engine.expressions import check_expression, evaluate, variables_for
from workflows.engine.kinds.base import KindConfig, NodeKind, formatted
from workflows.engine.ports import Port


class ConditionConfig(KindConfig):
    expression: str = formatted(
        "expression",
        min_length=1,
        description='E.g. value > 3 or "yes" in lower(value). Names: value, input, dict keys.',
    )


class ConditionKind(NodeKind):
    kind = "condition"
    title = "Condition"
    category = "Flow"
    description = "Checks an expression on the input and passes it to the true or false branch."
    color = "#eab308"
    Config = ConditionConfig
    inputs = [Port("in", "any")]
    outputs = [Port("true", "any"), Port("false", "any")]

    @classmethod
    def check(cls, config: Any) -> list[tuple[str, str, str]]:
        error = check_expression(config.expression)
        return [("invalid_config", "config.expression", error)] if error else []

    async def run(self, ctx: Any, node: Any, inputs: dict[str, Any]) -> dict[str, Any]:
        value = inputs.get("in")
        taken = bool(evaluate(node.config.expression, variables_for(value)))
        return {"true" if taken else "false": value}
