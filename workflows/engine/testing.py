"""An in-memory, scripted :class:`RunContext` for tests and benchmarks.

    ctx = ScriptedContext(replies={"n2": "hello"}, delays={"n2": 0.05})
    result = await execute(graph, ctx, {"input": "hi"})
    ctx.types()            # event types in order
    ctx.calls[0].started   # monotonic timestamps prove overlap

Replies are looked up by node id (full, then the id after the last "."), then by
prompt substring (``prompt_replies``), then agent/model ref; a reply may be a
string, a list (one per call), an exception (raised) or a callable(prompt) -> str.
``history`` maps agent names to their AgentStats for adaptive routers; ``agents``
(optional) is the set of existing agents, any other name is unknown.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from workflows.engine.adaptive import AgentStats
from workflows.engine.context import Decision, ModelResult, NodeRecord, Usage
from workflows.engine.errors import RunCancelled


@dataclass
class Call:
    """One recorded model/agent/tool call with monotonic start/finish times."""

    kind: str
    node: str
    target: str
    payload: Any
    started: float
    finished: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


class ScriptedContext:
    """Implements RunContext in memory (see module docstring)."""

    def __init__(
        self,
        *,
        replies: dict[str, Any] | None = None,
        prompt_replies: list[tuple[str, Any]] | None = None,
        delays: dict[str, float] | None = None,
        default_delay: float = 0.0,
        usage: Usage | None = None,
        tools: dict[str, Callable[..., Any]] | None = None,
        subflows: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] | None = None,
        approvals: dict[str, Decision | None] | None = None,
        memory: dict[str, Any] | None = None,
        stream: bool = True,
        cancel_after_calls: int | None = None,
        run_id: str = "run-1",
        history: dict[str, AgentStats] | None = None,
        agents: set[str] | None = None,
    ) -> None:
        self.run_id = run_id
        self.replies = dict(replies or {})
        self.prompt_replies = list(prompt_replies or [])
        self.delays = dict(delays or {})
        self.default_delay = default_delay
        self.usage = usage
        self.tools = dict(tools or {})
        self.subflows = dict(subflows or {})
        self.approvals: dict[str, Decision | None] = dict(approvals or {})
        self.approval_ids: dict[str, str] = {}
        self.memory: dict[str, Any] = dict(memory or {})
        self.messages: list[dict[str, Any]] = []
        self.stream = stream
        self.cancel_after_calls = cancel_after_calls
        self.cancelled = False
        self.events: list[dict[str, Any]] = []
        self.calls: list[Call] = []
        self.tool_results: dict[str, Any] = {}
        self.committed: dict[str, NodeRecord] = {}
        self.history = dict(history or {})
        self.agents = agents  # None: every agent name exists
        self._counts: dict[str, int] = {}

    # -- inspection -------------------------------------------------------------------

    def types(self, node: str | None = None) -> list[str]:
        return [e["type"] for e in self.events if node is None or e["node"] == node]

    def events_of(self, type: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == type]

    def calls_for(self, node: str) -> list[Call]:
        return [c for c in self.calls if c.node == node]

    def cancel(self) -> None:
        self.cancelled = True

    def decide(self, node_id: str, decision: str, comment: str = "", by: str = "tester") -> None:
        """Record a human decision (what the decide endpoint does)."""
        approval_id = self.approval_ids.get(node_id, f"approval-{node_id}")
        self.approvals[node_id] = Decision(decision, comment, by, approval_id)  # type: ignore[arg-type]
        self.events.append(
            self._event(
                "approval.resolved",
                node_id,
                {
                    "approval_id": approval_id,
                    "decision": decision,
                    "comment": comment,
                    "by": by,
                },
            )
        )

    # -- RunContext -------------------------------------------------------------------

    def _event(self, type: str, node: str | None, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "run": self.run_id,
            "seq": len(self.events) + 1,
            "type": type,
            "node": node,
            "ts": time.monotonic(),
            "data": data,
        }

    async def emit(self, type: str, node: str | None, data: dict[str, Any]) -> None:
        self.events.append(self._event(type, node, data))

    def _script(self, node_id: str, prompt: str, ref: str) -> Any:
        short = node_id.rsplit(".", 1)[-1]
        for key in (node_id, short):
            if key in self.replies:
                return self._next(key, self.replies[key])
        for needle, reply in self.prompt_replies:
            if needle in prompt:
                return self._next(needle, reply)
        if ref in self.replies:
            return self._next(ref, self.replies[ref])
        return f"{short}: ok"

    def _next(self, key: str, reply: Any) -> Any:
        count = self._counts.get(key, 0)
        self._counts[key] = count + 1
        if isinstance(reply, list):
            return reply[min(count, len(reply) - 1)]
        return reply

    def _delay(self, node_id: str) -> float:
        return self.delays.get(
            node_id, self.delays.get(node_id.rsplit(".", 1)[-1], self.default_delay)
        )

    def _check_cancel(self) -> None:
        if self.cancel_after_calls is not None and len(self.calls) >= self.cancel_after_calls:
            self.cancelled = True

    async def _reply(
        self, kind: str, node_id: str, ref: str, prompt: str, extra: Any
    ) -> ModelResult:
        call = Call(kind, node_id, ref, prompt, time.monotonic(), extra=extra)
        self.calls.append(call)
        self._check_cancel()
        delay = self._delay(node_id)
        if delay:
            await asyncio.sleep(delay)
        reply = self._script(node_id, prompt, ref)
        call.finished = time.monotonic()
        if isinstance(reply, BaseException):
            raise reply
        text = reply(prompt) if callable(reply) else str(reply)
        if self.stream and text:
            for piece in text.split(" "):
                await self.emit("node.token", node_id, {"text": piece + " "})
        usage = self.usage or Usage(len(prompt.split()), len(text.split()), 0.0)
        return ModelResult(text, [], Usage(usage.input_tokens, usage.output_tokens, usage.cost))

    async def call_model(
        self,
        node_id: str,
        model_ref: str,
        messages: list[dict[str, Any]],
        *,
        tools: list[dict[str, Any]] | None = None,
        params: dict[str, Any] | None = None,
        fallback: str | None = None,
    ) -> ModelResult:
        prompt = "\n".join(str(m.get("content", "")) for m in messages)
        return await self._reply(
            "model",
            node_id,
            model_ref,
            prompt,
            {"messages": messages, "params": params, "fallback": fallback},
        )

    async def run_agent(
        self,
        node_id: str,
        agent_ref: str,
        prompt: str,
        *,
        inputs: dict[str, Any],
        fallback: str | None = None,
        tool_guard: Any = None,
    ) -> ModelResult:
        return await self._reply(
            "agent", node_id, agent_ref, prompt, {"inputs": inputs, "fallback": fallback}
        )

    async def agent_history(self, names: list[str]) -> dict[str, AgentStats]:
        unknown = [n for n in names if self.agents is not None and n not in self.agents]
        if unknown:
            raise LookupError(f"There is no agent named {', '.join(map(repr, unknown))}.")
        return {name: self.history.get(name, AgentStats()) for name in names}

    async def call_tool(
        self, node_id: str, tool_name: str, args: dict[str, Any], *, idempotency_key: str
    ) -> Any:
        if idempotency_key in self.tool_results:
            return self.tool_results[idempotency_key]
        call = Call(
            "tool", node_id, tool_name, args, time.monotonic(), extra={"key": idempotency_key}
        )
        self.calls.append(call)
        self._check_cancel()
        delay = self._delay(node_id)
        if delay:
            await asyncio.sleep(delay)
        func = self.tools.get(tool_name)
        if func is None:
            raise LookupError(f'There is no tool named "{tool_name}".')
        result = func(**args)
        if asyncio.iscoroutine(result):
            result = await result
        call.finished = time.monotonic()
        self.tool_results[idempotency_key] = result
        return result

    async def memory_read(self, key: str, scope: str = "run") -> Any:
        return self.memory.get(key if scope == "run" else f"{scope}:{key}")

    async def memory_write(self, key: str, value: Any, policy: str, scope: str = "run") -> Any:
        key = key if scope == "run" else f"{scope}:{key}"  # other scopes: prefixed keys
        current = self.memory.get(key)
        if policy == "append":
            value = [
                *(current if isinstance(current, list) else ([] if current is None else [current])),
                value,
            ]
        elif policy == "merge" and isinstance(current, dict) and isinstance(value, dict):
            value = {**current, **value}
        self.memory[key] = value
        return value

    async def post_message(self, channel: str, sender: str, text: str) -> None:
        self.messages.append({"channel": channel, "sender": sender, "text": text})

    async def read_messages(self, channel: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["channel"] == channel]

    async def request_approval(
        self, node_id: str, prompt: str, payload: Any, deadline_s: float | None = None
    ) -> Decision | None:
        if node_id not in self.approval_ids:
            self.approval_ids[node_id] = f"approval-{node_id}"
            await self.emit(
                "approval.requested",
                node_id,
                {
                    "approval_id": self.approval_ids[node_id],
                    "prompt": prompt,
                    "payload": payload,
                },
            )
        return self.approvals.get(node_id)

    async def run_subflow(
        self, node_id: str, workflow_ref: str, inputs: dict[str, Any]
    ) -> dict[str, Any]:
        self.calls.append(Call("subflow", node_id, workflow_ref, inputs, time.monotonic()))
        func = self.subflows.get(workflow_ref)
        if func is None:
            raise LookupError(f'There is no workflow "{workflow_ref}".')
        return func(inputs)

    async def is_cancelled(self) -> bool:
        return self.cancelled

    async def node_committed(self, node_id: str, record: NodeRecord) -> None:
        self.committed[node_id] = record


def raise_cancelled() -> None:
    """Helper for scripts: a tool that cancels the run when called."""
    raise RunCancelled("The run was cancelled.")
