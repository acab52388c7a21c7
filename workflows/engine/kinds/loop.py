"""Loop: runs a body graph repeatedly on a state until an exit condition or a cap."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from workflows.engine.document import Graph
from workflows.engine.errors import BudgetExceeded
from workflows.engine.expressions import check_expression, evaluate, variables_for
from workflows.engine.kinds._bodies import check_body, raise_for
from workflows.engine.kinds.base import KindConfig, NodeKind, body_value, formatted
from workflows.engine.ports import Port

HARD_CAP = 1000


class LoopConfig(KindConfig):
    body: Graph = Field(description='One iteration; inputs "state" and "iteration".')
    max_iterations: int | None = Field(None, ge=1, le=HARD_CAP)
    exit_condition: str | None = formatted(
        "expression", None, description="Stop when true; names: state, iteration, previous."
    )


class LoopKind(NodeKind):
    kind = "loop"
    title = "Loop"
    category = "Flow"
    description = (
        "Repeats its body on a state until the exit condition holds or "
        "max_iterations is reached; stops with an error if the state stops "
        "changing."
    )
    color = "#ec4899"
    Config = LoopConfig
    inputs = [Port("in", "any")]
    outputs = [Port("out", "any"), Port("history", "list")]

    @classmethod
    def check(cls, config: Any) -> list[tuple[str, str, str]]:
        problems = check_body(config.body, "state")
        if not config.exit_condition and config.max_iterations is None:
            problems.append(
                (
                    "loop_without_exit",
                    "config.max_iterations",
                    "the loop has no exit: set an exit condition or max_iterations.",
                )
            )
        if config.exit_condition:
            error = check_expression(config.exit_condition)
            if error:
                problems.append(("invalid_config", "config.exit_condition", error))
        return problems

    async def run(self, ctx: Any, node: Any, inputs: dict[str, Any]) -> dict[str, Any]:
        config: LoopConfig = node.config
        state, history = inputs.get("in"), []
        for iteration in range(config.max_iterations or HARD_CAP):
            result = await ctx.run_body(
                node.bodies["body"], {"state": state, "iteration": iteration}, iteration
            )
            raise_for(result, f"Iteration {iteration}")
            new_state = body_value(result.outputs, "state")
            history.append(new_state)
            if new_state == state:
                raise BudgetExceeded(
                    "no_progress",
                    0,
                    1,
                    f"The loop made no progress: iteration {iteration} left the state unchanged.",
                )
            previous, state = state, new_state
            if config.exit_condition and evaluate(
                config.exit_condition,
                variables_for(
                    state,
                    state=state,
                    iteration=iteration,
                    previous=previous,
                ),
            ):
                break
        return {"out": state, "history": history}
