"""Router: sends the input to exactly one named route (by rules, an LLM, or agents' history).

In ``adaptive`` mode every route stands for a candidate agent (``agent``, or the route
name); the router reads each candidate's history in past runs through the run context
(``agent_history``), picks one with :func:`workflows.engine.adaptive.choose_agent` and
sends the input to that route — wire each route to the agent node that runs the agent,
so the choice and the agent's own run stay separate, visible nodes on the canvas. The
explanation goes to the node's text (a ``node.token``) and to its record under
``choice`` (every candidate's figures, the winner and why).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field

from workflows.engine.adaptive import AgentStats, Choice, Weights, choose_agent
from workflows.engine.expressions import check_expression, evaluate, variables_for
from workflows.engine.kinds.base import KindConfig, NodeKind, formatted
from workflows.engine.ports import Port
from workflows.engine.templates import as_text

ADAPTIVE = {"mode": "adaptive"}


class Route(KindConfig):
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64)
    expression: str = formatted(
        "expression", "", when={"mode": "rule"}, description="Rule mode: when true."
    )
    description: str = formatted(
        None, "", when={"mode": "llm"}, description="LLM mode: when to choose this route."
    )
    agent: str = formatted(
        "agent",
        "",
        when={"mode": "adaptive"},
        description="Adaptive mode: the candidate agent (empty: the route name).",
    )

    @property
    def candidate(self) -> str:
        return self.agent or self.name


class RouterConfig(KindConfig):
    mode: Literal["rule", "llm", "adaptive"] = "rule"
    routes: list[Route] = Field(min_length=1)
    model: str | None = formatted(
        "model", None, when={"mode": "llm"}, description="LLM mode: the classifier."
    )
    prompt: str = formatted(
        "prompt", "", when={"mode": "llm"}, description="LLM mode: extra instructions."
    )
    min_runs: int = formatted(
        None,
        3,
        when=ADAPTIVE,
        ge=0,
        le=1000,
        description="Adaptive mode: agents with fewer recorded runs are tried first.",
    )
    weight_success: float = formatted(
        None, 0.6, when=ADAPTIVE, ge=0, le=1, description="Adaptive mode: weight of success."
    )
    weight_latency: float = formatted(
        None, 0.2, when=ADAPTIVE, ge=0, le=1, description="Adaptive mode: weight of speed."
    )
    weight_cost: float = formatted(
        None, 0.2, when=ADAPTIVE, ge=0, le=1, description="Adaptive mode: weight of low cost."
    )


class RouterKind(NodeKind):
    kind = "router"
    title = "Router"
    category = "Flow"
    description = (
        "Chooses one route for the input: the first rule that holds, the route "
        "an LLM picks (otherwise 'default'), or the candidate agent with the best "
        "record in past runs."
    )
    color = "#f97316"
    Config = RouterConfig
    inputs = [Port("in", "any")]
    outputs = [Port("default", "any")]
    dynamic_ports = True

    @classmethod
    def ports(cls, config: Any) -> tuple[list[Port], list[Port]]:
        return cls.inputs, [*(Port(r.name, "any") for r in config.routes), Port("default")]

    @classmethod
    def check(cls, config: Any) -> list[tuple[str, str, str]]:
        problems, seen = [], set()
        reserved = (
            ("default", "error", "choice") if config.mode == "adaptive" else ("default", "error")
        )
        for i, route in enumerate(config.routes):
            where = f"config.routes[{i}]"
            if route.name in seen or route.name in reserved:
                problems.append(
                    (
                        "invalid_config",
                        f"{where}.name",
                        f'the route name "{route.name}" is used twice or reserved.',
                    )
                )
            seen.add(route.name)
            if config.mode == "rule":
                error = check_expression(route.expression or "")
                if error:
                    problems.append(("invalid_config", f"{where}.expression", error))
        if config.mode == "llm" and not config.model:
            problems.append(("invalid_config", "config.model", "an LLM router needs a model."))
        if config.mode == "adaptive":
            problems += _adaptive_problems(config)
        return problems

    async def run(self, ctx: Any, node: Any, inputs: dict[str, Any]) -> dict[str, Any]:
        config: RouterConfig = node.config
        value = inputs.get("in")
        if config.mode == "rule":
            names = variables_for(value)
            for route in config.routes:
                if evaluate(route.expression, names):
                    return {route.name: value}
            return {"default": value}
        if config.mode == "adaptive":
            return await _adaptive(ctx, config, value)
        return {await _classify(ctx, config, value): value}


def _adaptive_problems(config: RouterConfig) -> list[tuple[str, str, str]]:
    problems, seen = [], set()
    for i, route in enumerate(config.routes):
        if not route.candidate.strip():
            problems.append(
                (
                    "invalid_config",
                    f"config.routes[{i}].agent",
                    "an adaptive route needs a candidate agent.",
                )
            )
        elif route.candidate in seen:
            problems.append(
                (
                    "invalid_config",
                    f"config.routes[{i}].agent",
                    f'the agent "{route.candidate}" is a candidate twice.',
                )
            )
        seen.add(route.candidate)
    if config.weight_success + config.weight_latency + config.weight_cost <= 0:
        problems.append(
            (
                "invalid_config",
                "config.weight_success",
                "at least one of the adaptive weights must be above 0.",
            )
        )
    return problems


async def _adaptive(ctx: Any, config: RouterConfig, value: Any) -> dict[str, Any]:
    names = [route.candidate for route in config.routes]
    stats = await ctx.agent_history(names)
    weights = Weights(config.weight_success, config.weight_latency, config.weight_cost)
    choice = choose_agent(names, stats, weights=weights, min_runs=config.min_runs)
    route = config.routes[names.index(choice.name)]
    await ctx.emit("node.token", {"text": choice.explanation})
    return {route.name: value, "choice": _record(config, choice, stats, route.name)}


def _record(
    config: RouterConfig, choice: Choice, stats: dict[str, AgentStats], chosen: str
) -> dict[str, Any]:
    """The choice as the trace keeps it: the winner, why, and every candidate's figures."""
    rows = []
    for route in config.routes:
        s = stats.get(route.candidate, AgentStats())
        rows.append(
            {
                "route": route.name,
                "agent": route.candidate,
                "runs": s.runs,
                "successes": s.successes,
                "success_rate": round(s.success_rate, 4),
                "mean_latency_s": round(s.mean_latency_s, 4),
                "mean_cost": s.mean_cost,
                "score": None if not choice.scores else round(choice.scores[route.candidate], 4),
            }
        )
    return {
        "route": chosen,
        "agent": choice.name,
        "explored": choice.score is None,
        "reason": choice.explanation,
        "candidates": rows,
    }


async def _classify(ctx: Any, config: RouterConfig, value: Any) -> str:
    options = "\n".join(f"- {r.name}: {r.description}" for r in config.routes)
    prompt = (
        f"{config.prompt}\nChoose the best route for the input. Routes:\n{options}\n"
        f"Reply with the route name only.\n\nInput:\n{as_text(value)}"
    )
    result = await ctx.call_model(
        config.model, [{"role": "user", "content": prompt}], params={"temperature": 0}
    )
    words = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", result.text)
    names = {r.name.lower(): r.name for r in config.routes}
    for word in words:
        if word.lower() in names:
            return names[word.lower()]
    return "default"
