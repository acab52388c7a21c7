"""Router: sends the input to exactly one named route (by rules or by an LLM)."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field

from workflows.engine.expressions import check_expression, evaluate, variables_for
from workflows.engine.kinds.base import KindConfig, NodeKind, formatted
from workflows.engine.ports import Port
from workflows.engine.templates import as_text


class Route(KindConfig):
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=64)
    expression: str = formatted("expression", "", description="Rule mode: when true.")
    description: str = Field("", description="LLM mode: when to choose this route.")


class RouterConfig(KindConfig):
    mode: Literal["rule", "llm"] = "rule"
    routes: list[Route] = Field(min_length=1)
    model: str | None = formatted("model", None, description="LLM mode: the classifier.")
    prompt: str = formatted("prompt", "", description="LLM mode: extra instructions.")


class RouterKind(NodeKind):
    kind = "router"
    title = "Router"
    category = "Flow"
    description = ("Chooses one route for the input: the first rule that holds, or the "
                   "route an LLM picks; otherwise 'default'.")
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
        for i, route in enumerate(config.routes):
            where = f"config.routes[{i}]"
            if route.name in seen or route.name in ("default", "error"):
                problems.append(("invalid_config", f"{where}.name",
                                 f'the route name "{route.name}" is used twice or reserved.'))
            seen.add(route.name)
            if config.mode == "rule":
                error = check_expression(route.expression or "")
                if error:
                    problems.append(("invalid_config", f"{where}.expression", error))
        if config.mode == "llm" and not config.model:
            problems.append(("invalid_config", "config.model", "an LLM router needs a model."))
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
        return {await _classify(ctx, config, value): value}


async def _classify(ctx: Any, config: RouterConfig, value: Any) -> str:
    options = "\n".join(f"- {r.name}: {r.description}" for r in config.routes)
    prompt = (f"{config.prompt}\nChoose the best route for the input. Routes:\n{options}\n"
              f"Reply with the route name only.\n\nInput:\n{as_text(value)}")
    result = await ctx.call_model(config.model, [{"role": "user", "content": prompt}],
                                  params={"temperature": 0})
    words = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", result.text)
    names = {r.name.lower(): r.name for r in config.routes}
    for word in words:
        if word.lower() in names:
            return names[word.lower()]
    return "default"
