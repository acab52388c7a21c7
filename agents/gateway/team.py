"""Agent runs: the owner's stored agents (model, tools, delegates) as an agent team; tool calls
go through the run's tool runner and show in the trace."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from asgiref.sync import sync_to_async

from agents.gateway.catalog import router_for
from agents.gateway.fitting import fitted
from agents.gateway.streaming import Checkpoint, OnToken, StreamingModel, calls_usage, gen_params
from agents.llm.agent_loop import AgentSpec, AgentTeam
from agents.llm.base import Message, ToolCall, ToolSpec
from agents.llm.router import CallRecord, Router
from agents.models import Agent
from workflows.engine import ModelResult

Emit = Callable[[str, dict[str, Any]], Awaitable[None]]
ToolRunner = Callable[[str, dict[str, Any], str], Awaitable[Any]]


def _agents_of(owner_id: int) -> dict[str, Agent]:
    return {a.name: a for a in Agent.objects.filter(owner_id=owner_id).prefetch_related("tools")}


def _tool_specs(agent: Agent) -> tuple[ToolSpec, ...]:
    from tools.registry import builtin, tools_from_definition
    from tools.services import tool_definition

    tools = [builtin(name) for name in agent.builtin_tools]
    for row in agent.tools.all():  # an MCP server row gives each of its discovered tools
        tools += tools_from_definition(tool_definition(row))
    return tuple(ToolSpec(t.name, t.description, t.input_schema) for t in tools)


def _team(
    owner_id: int,
    router: Router,
    on_token: OnToken,
    fallback: str | None,
    checkpoint: Checkpoint | None = None,
) -> dict[str, AgentSpec]:
    specs: dict[str, AgentSpec] = {}
    for name, agent in _agents_of(owner_id).items():
        fallbacks = tuple(agent.fallback_models or ()) + ((fallback,) if fallback else ())
        streaming = StreamingModel(
            router.model(
                agent.model, fallbacks=fallbacks, cache=bool(agent.parameters.get("cache"))
            ),
            on_token,
            checkpoint,
        )
        model = fitted(streaming, router, (agent.model, *fallbacks), on_token)
        specs[name] = AgentSpec(
            name=name,
            model=model,
            role=agent.role or "assistant",
            system_prompt=agent.system_prompt,
            tools=_tool_specs(agent),
            delegates=tuple(agent.parameters.get("delegates", ())),
            max_steps=int(agent.parameters.get("max_steps", 6)),
            params=gen_params(agent.parameters),
        )
    return specs


def _team_loaded(
    owner_id: int, on_token: OnToken, fallback: str | None, checkpoint: Checkpoint | None
) -> tuple[list[CallRecord], dict[str, AgentSpec]]:
    """The owner's router (its call records) and agent team, read in one trip to the
    database thread (under load each trip waits for that thread: it is before the first
    token)."""
    router, calls = router_for(owner_id)
    return calls, _team(owner_id, router, on_token, fallback, checkpoint)


async def agent_run(
    *,
    owner_id: int,
    agent_ref: str,
    prompt: str,
    fallback: str | None,
    run_id: str,
    node_id: str,
    emit: Emit,
    tool_runner: ToolRunner,
    checkpoint: Checkpoint | None = None,
    history: Sequence[dict[str, Any]] = (),
) -> ModelResult:
    """Run the owner's agent `agent_ref` (its tools, delegates and model) on `prompt`.

    `checkpoint` is awaited between model turns and tool calls; it raises to stop the agent
    (the run context raises RunCancelled once the run is cancelled). `history`: earlier chat
    turns (`{"role", "content"}`) given before the task; the oldest are trimmed to fit the
    model's context like any conversation."""
    calls, specs = await sync_to_async(_team_loaded)(
        owner_id, lambda t: emit("node.token", {"text": t}), fallback, checkpoint
    )
    if agent_ref not in specs:
        names = ", ".join(sorted(specs)) or "none yet"
        raise LookupError(f"There is no agent named '{agent_ref}'. Your agents: {names}.")
    counter = iter(range(1, 1_000_000))

    async def execute(call: ToolCall) -> str:
        key = f"{run_id}/{node_id}/call-{next(counter)}"
        await emit(
            "node.tool_call",
            {"call_id": call.id, "tool": call.name, "arguments": dict(call.arguments)},
        )
        try:
            result = await tool_runner(call.name, dict(call.arguments), key)
        except Exception as exc:
            await emit("node.tool_result", {"call_id": call.id, "result": None, "error": str(exc)})
            raise
        await emit("node.tool_result", {"call_id": call.id, "result": result, "error": None})
        return result if isinstance(result, str) else json.dumps(result, default=str)

    async def refused(
        call: ToolCall, error: str
    ) -> None:  # the trace shows it as a failed tool call
        await emit(
            "node.tool_call",
            {"call_id": call.id, "tool": call.name, "arguments": dict(call.arguments)},
        )
        await emit("node.tool_result", {"call_id": call.id, "result": None, "error": error})

    team = AgentTeam(specs, executor=execute, checkpoint=checkpoint, on_refused=refused)
    turns = [
        Message(role="user" if m.get("role") == "user" else "assistant", content=str(m["content"]))
        for m in history
        if m.get("role") in ("user", "assistant")
    ]
    result = await team.run(agent_ref, prompt, history=turns)
    return ModelResult(result.text, [], calls_usage(calls, result.usage))
