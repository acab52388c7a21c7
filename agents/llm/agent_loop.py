"""The agent loop: a role + system prompt + model, calling tools until it answers.

An ``AgentTeam`` holds named agents. ``team.run(name, task)`` sends the task to the
agent's model; while the model asks for tools (at most ``max_steps`` model turns) the
calls are executed — concurrently within a turn — and their results fed back. Agents
may call other agents listed in ``delegates`` as tools named ``agent__<name>``.
An agent calls only what it was given: a call to any other name — whatever the provider
produced it — is refused before anything runs, reaches the model as a tool error listing
what it may call, and is reported to ``on_refused``. Delegation is refused past
``max_depth`` (3) nested agents or when it would form a cycle, and the refusal reaches
the calling model as a tool error it can react to.

``checkpoint`` (optional) is awaited before every model turn and every tool call, and
after a tool call failed; it raises to stop the agent (the run context raises
``RunCancelled`` once the run is cancelled). Its exception is never turned into a tool
error, and sibling tool calls of the same turn are cancelled with it.

The critic panel lives in ``critic`` and is re-exported here. (The adaptive choice among
agents is the engine's router: ``workflows.engine.adaptive``.)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from agents.llm.base import ChatModel, GenParams, Message, ToolCall, ToolSpec, Usage, complete
from agents.llm.critic import PanelResult, Verdict, critic_panel

__all__ = [
    "AgentSpec",
    "AgentTeam",
    "AgentResult",
    "Step",
    "DelegationError",
    "ToolNotGranted",
    "PanelResult",
    "Verdict",
    "critic_panel",
]

DELEGATE_PREFIX = "agent__"
T = TypeVar("T")
ToolExecutor = Callable[[ToolCall], Awaitable[str]]
EventSink = Callable[[str, dict[str, Any]], None]
Checkpoint = Callable[[], Awaitable[None]]
OnRefused = Callable[[ToolCall, str], Awaitable[None]]


class DelegationError(Exception):
    """A delegation was refused (depth limit, cycle, or unknown agent)."""


class ToolNotGranted(Exception):
    """The model called a tool or delegate its agent was not given."""


@dataclass(frozen=True)
class AgentSpec:
    """An agent: who it is (role, system prompt), its model, tools and delegates."""

    name: str
    model: ChatModel
    role: str = "assistant"
    system_prompt: str = ""
    tools: tuple[ToolSpec, ...] = ()
    delegates: tuple[str, ...] = ()
    max_steps: int = 6
    params: GenParams = field(default_factory=GenParams)

    def system(self) -> str:
        head = f"You are {self.name}, acting as {self.role}."
        return f"{head}\n{self.system_prompt}".strip()


@dataclass(frozen=True)
class Step:
    """One thing the agent did: a model turn, a tool call or a delegation."""

    kind: str  # "model" | "tool" | "delegate"
    name: str
    detail: dict[str, Any]
    error: str | None = None
    latency_s: float = 0.0


@dataclass
class AgentResult:
    agent: str
    text: str
    stop_reason: str  # "end" | "max_steps"
    usage: Usage
    steps: list[Step]
    messages: list[Message]


async def _all_or_none(calls: Iterable[Coroutine[Any, Any, T]]) -> list[T]:
    """Run ``calls`` concurrently; when one raises, cancel the others and re-raise."""
    tasks = [asyncio.ensure_future(c) for c in calls]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _add(a: Usage, b: Usage) -> Usage:
    return Usage(a.input_tokens + b.input_tokens, a.output_tokens + b.output_tokens)


@dataclass
class AgentTeam:
    """Named agents that can run tasks and delegate to each other."""

    agents: Mapping[str, AgentSpec]
    executor: ToolExecutor | None = None
    max_depth: int = 3
    on_event: EventSink | None = None
    checkpoint: Checkpoint | None = None
    on_refused: OnRefused | None = (
        None  # awaited with a call refused for not being granted, and why
    )

    async def _checkpoint(self) -> None:
        if self.checkpoint is not None:
            await self.checkpoint()

    def _emit(self, kind: str, **data: Any) -> None:
        if self.on_event is not None:
            self.on_event(kind, data)

    def _check_delegation(self, target: str, chain: tuple[str, ...]) -> None:
        path = " → ".join((*chain, target))
        if target not in self.agents:
            raise DelegationError(f"no agent named {target!r}")
        if target in chain:
            raise DelegationError(f"delegation cycle refused: {path}")
        if len(chain) >= self.max_depth:
            raise DelegationError(f"delegation depth limit {self.max_depth} reached: {path}")

    def tools_for(self, spec: AgentSpec) -> list[ToolSpec]:
        """The agent's own tools plus one tool per delegate agent."""
        delegate_tools = [
            ToolSpec(
                DELEGATE_PREFIX + name,
                f"Ask the agent {name} ({self.agents[name].role}) to do a task.",
                {
                    "type": "object",
                    "properties": {"task": {"type": "string"}},
                    "required": ["task"],
                },
            )
            for name in spec.delegates
            if name in self.agents
        ]
        return [*spec.tools, *delegate_tools]

    def _check_grant(self, call: ToolCall, spec: AgentSpec) -> None:
        offered = [t.name for t in self.tools_for(spec)]
        if call.name in offered:
            return
        if call.name.startswith(DELEGATE_PREFIX):
            what = f"{spec.name} may not delegate to {call.name.removeprefix(DELEGATE_PREFIX)!r}"
        else:
            what = f"the tool {call.name!r} is not available to {spec.name}"
        raise ToolNotGranted(
            f"{what}: it was not given to this agent. "
            f"Tools available to you: {', '.join(offered) or 'none'}."
        )

    async def run(
        self, name: str, task: str, *, chain: tuple[str, ...] = (), history: Sequence[Message] = ()
    ) -> AgentResult:
        """Run agent ``name`` on ``task``. ``chain`` lists the delegating agents."""
        self._check_delegation(name, chain)
        spec = self.agents[name]
        messages = [Message("system", spec.system()), *history, Message("user", task)]
        tools = self.tools_for(spec)
        steps: list[Step] = []
        usage = Usage(0, 0)
        for _ in range(spec.max_steps):
            await self._checkpoint()
            t0 = time.perf_counter()
            reply = await complete(spec.model, messages, tools=tools or None, params=spec.params)
            usage = _add(usage, reply.usage)
            steps.append(
                Step(
                    "model",
                    name,
                    {"text": reply.text, "tool_calls": len(reply.tool_calls)},
                    latency_s=time.perf_counter() - t0,
                )
            )
            self._emit("model_reply", agent=name, text=reply.text, usage=reply.usage)
            messages.append(Message("assistant", reply.text, tool_calls=reply.tool_calls))
            if not reply.tool_calls:
                return AgentResult(name, reply.text, "end", usage, steps, messages)
            outcomes = await _all_or_none(
                self._call(call, (*chain, name)) for call in reply.tool_calls
            )
            for call, (content, step) in zip(reply.tool_calls, outcomes, strict=True):
                steps.append(step)
                messages.append(Message("tool", content, tool_call_id=call.id, name=call.name))
        last = next((m.content for m in reversed(messages) if m.role == "assistant"), "")
        return AgentResult(name, last, "max_steps", usage, steps, messages)

    async def _call(self, call: ToolCall, chain: tuple[str, ...]) -> tuple[str, Step]:
        t0 = time.perf_counter()
        kind = "delegate" if call.name.startswith(DELEGATE_PREFIX) else "tool"
        await self._checkpoint()
        self._emit("tool_call", agent=chain[-1], tool=call.name, arguments=call.arguments)
        try:
            self._check_grant(call, self.agents[chain[-1]])
            content = await (
                self._delegate(call, chain) if kind == "delegate" else self._execute(call)
            )
        except Exception as exc:  # noqa: BLE001 - the model sees the error and may recover
            await self._checkpoint()  # ...unless the failure was the run being cancelled
            error = f"{type(exc).__name__}: {exc}"
            if isinstance(exc, ToolNotGranted) and self.on_refused is not None:
                await self.on_refused(call, error)
            self._emit("tool_error", agent=chain[-1], tool=call.name, error=error)
            return f"Error: {error}", Step(
                kind, call.name, dict(call.arguments), error, time.perf_counter() - t0
            )
        self._emit("tool_result", agent=chain[-1], tool=call.name, result=content)
        return content, Step(
            kind,
            call.name,
            {**call.arguments, "result": content},
            latency_s=time.perf_counter() - t0,
        )

    async def _execute(self, call: ToolCall) -> str:
        if self.executor is None:
            raise LookupError(f"no tool executor for {call.name!r}")
        return await self.executor(call)

    async def _delegate(self, call: ToolCall, chain: tuple[str, ...]) -> str:
        target = call.name.removeprefix(DELEGATE_PREFIX)  # a granted delegate (_check_grant)
        task = str(call.arguments.get("task", ""))
        result = await self.run(target, task, chain=chain)
        return result.text
