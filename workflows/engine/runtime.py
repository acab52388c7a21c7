"""Prepared (resolved) graphs and the per-node context handed to node kinds."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from workflows.engine.adaptive import AgentStats
from workflows.engine.budgets import BudgetTracker
from workflows.engine.context import Decision, ModelResult, RunContext, Usage
from workflows.engine.document import Edge, Graph, Node
from workflows.engine.errors import ApprovalPending, RunCancelled
from workflows.engine.kinds.base import NodeKind
from workflows.engine.ports import ERROR_PORT, Port
from workflows.engine.result import RunResult


@dataclass(eq=False)
class PreparedEdge:
    """An edge with its position (``slot``) among the target's incoming edges."""

    edge: Edge
    slot: int


@dataclass(eq=False)
class PreparedNode:
    """A node with its kind instance, parsed config, ports and edges resolved."""

    id: str
    spec: Node
    kind: NodeKind
    config: Any
    inputs: list[Port]
    outputs: list[Port]
    in_edges: list[Edge] = field(default_factory=list)
    out_edges: list[PreparedEdge] = field(default_factory=list)
    bodies: dict[str, PreparedGraph] = field(default_factory=dict)

    def output_port(self, name: str) -> Port | None:
        for port in self.outputs:
            if port.name == name:
                return port
        return None


@dataclass(eq=False)
class PreparedGraph:
    nodes: dict[str, PreparedNode]
    sources: list[str]


def resolve_ports(
    node: Node, kind_cls: type[NodeKind], config: Any
) -> tuple[list[Port], list[Port]]:
    """Ports of a node: its kind's ports plus the ``error`` port for error edges."""
    inputs, outputs = kind_cls.ports(config)
    if node.on_error == "error_edge":
        outputs = [*outputs, ERROR_PORT]
    return list(inputs), list(outputs)


def prepare(graph: Graph, registry: dict[str, type[NodeKind]] | None = None) -> PreparedGraph:
    """Resolve a graph that passed validation (raises on anything invalid)."""
    from workflows.engine.kinds.registry import get_kind

    resolved = []
    for node in graph.nodes:
        kind_cls = (
            registry[node.kind] if registry and node.kind in registry else get_kind(node.kind)
        )
        config = kind_cls.Config.model_validate(node.config) if kind_cls.executable else None
        resolved.append((node, kind_cls, config))
    return assemble(resolved, graph.edges, registry)


def assemble(
    resolved: list[tuple[Node, type[NodeKind], Any]],
    edges: list[Edge],
    registry: dict[str, type[NodeKind]] | None = None,
) -> PreparedGraph:
    """Build the prepared graph from parsed nodes (kind, config) and edges."""
    nodes: dict[str, PreparedNode] = {}
    for node, kind_cls, config in resolved:
        if not kind_cls.executable:
            continue
        inputs, outputs = resolve_ports(node, kind_cls, config)
        prepared = PreparedNode(node.id, node, kind_cls(), config, inputs, outputs)
        for name, body in body_graphs(config).items():
            prepared.bodies[name] = prepare(body, registry)
        nodes[node.id] = prepared
    for edge in edges:
        target = nodes[edge.target]
        nodes[edge.source].out_edges.append(PreparedEdge(edge, len(target.in_edges)))
        target.in_edges.append(edge)
    sources = [nid for nid, node in nodes.items() if not node.in_edges]
    return PreparedGraph(nodes, sources)


def body_graphs(config: Any) -> dict[str, Graph]:
    """Nested graphs held in a config (loop/map ``body``)."""
    fields = getattr(config, "__dict__", None)
    if not fields:
        return {}
    return {name: value for name, value in fields.items() if isinstance(value, Graph)}


BodyRunner = Callable[[PreparedGraph, dict[str, Any], str, int], Awaitable[RunResult]]
"""Runs a nested body graph: ``(body, inputs, node-id prefix, max_concurrency)`` -> its
result. The executor supplies one per node (this module does not know how graphs run)."""


class NodeContext:
    """What a node kind sees while it runs: the run context plus engine services.

    Every model/tool/agent/subflow call checks cancellation before and after
    (the "boundary"), charges usage to the node and the run budget, and builds
    idempotency keys ``run/node/attempt``.
    """

    __slots__ = (
        "run",
        "node_id",
        "attempt",
        "tracker",
        "run_inputs",
        "fallback",
        "usage",
        "_tool_calls",
        "_body_runner",
    )

    def __init__(
        self,
        run: RunContext,
        node_id: str,
        attempt: int,
        tracker: BudgetTracker,
        run_inputs: dict[str, Any],
        fallback: str | None,
        body_runner: BodyRunner,
    ) -> None:
        self.run = run
        self.node_id = node_id
        self.attempt = attempt
        self.tracker = tracker
        self.run_inputs = run_inputs
        self.fallback = fallback
        self.usage = Usage()
        self._tool_calls = 0
        self._body_runner = body_runner

    @property
    def idempotency_key(self) -> str:
        return f"{self.run.run_id}/{self.node_id}/{self.attempt}"

    async def emit(self, type: str, data: dict[str, Any]) -> None:
        await self.run.emit(type, self.node_id, data)

    async def boundary(self) -> None:
        """Cancellation and spend check at a model/tool boundary."""
        if await self.run.is_cancelled():
            raise RunCancelled("The run was cancelled.")
        self.tracker.check_spend()

    def _charge(self, usage: Usage) -> None:
        self.usage.add(usage)
        self.tracker.add_usage(usage)

    async def call_model(
        self,
        model_ref: str,
        messages: list[dict[str, Any]],
        *,
        tools: list[dict[str, Any]] | None = None,
        params: dict[str, Any] | None = None,
    ) -> ModelResult:
        await self.boundary()
        result = await self.run.call_model(
            self.node_id,
            model_ref,
            messages,
            tools=tools,
            params=params,
            fallback=self.fallback,
        )
        self._charge(result.usage)
        await self.boundary()
        return result

    async def run_agent(self, agent_ref: str, prompt: str, inputs: dict[str, Any]) -> ModelResult:
        await self.boundary()
        result = await self.run.run_agent(
            self.node_id,
            agent_ref,
            prompt,
            inputs=inputs,
            fallback=self.fallback,
            # the agent's tool calls count toward the run's budgets
            tool_guard=self.tracker.record_tool_call,
        )
        self._charge(result.usage)
        await self.boundary()
        return result

    async def agent_history(self, names: list[str]) -> dict[str, AgentStats]:
        """How each named agent did in past runs (raises LookupError for unknown agents)."""
        await self.boundary()
        return await self.run.agent_history(names)

    async def call_tool(self, tool: str, args: dict[str, Any]) -> Any:
        await self.boundary()
        self.tracker.record_tool_call(tool, args)
        self._tool_calls += 1
        key = self.idempotency_key
        if self._tool_calls > 1:
            key = f"{key}#{self._tool_calls}"
        await self.emit("node.tool_call", {"call_id": key, "tool": tool, "arguments": args})
        try:
            result = await self.run.call_tool(self.node_id, tool, args, idempotency_key=key)
        except RunCancelled:
            raise
        except Exception as exc:
            await self.emit("node.tool_result", {"call_id": key, "result": None, "error": str(exc)})
            raise
        await self.emit("node.tool_result", {"call_id": key, "result": result, "error": None})
        await self.boundary()
        return result

    async def memory_read(self, key: str, scope: str = "run") -> Any:
        if scope == "run":
            return await self.run.memory_read(key)
        return await self.run.memory_read(key, scope=scope)

    async def memory_write(self, key: str, value: Any, policy: str, scope: str = "run") -> Any:
        if scope == "run":
            stored = await self.run.memory_write(key, value, policy)
        else:
            stored = await self.run.memory_write(key, value, policy, scope=scope)
        # The event carries the write, not the merged result: appends stay O(1) in the trace,
        # and readers rebuild the value by applying the policy (see workflows/runs/snapshot.py).
        data = {"key": key, "value": value, "policy": policy}
        await self.emit("memory.written", data if scope == "run" else {**data, "scope": scope})
        return stored

    async def post_message(self, channel: str, sender: str, text: str) -> None:
        await self.run.post_message(channel, sender, text)
        await self.emit("message.posted", {"channel": channel, "sender": sender, "text": text})

    async def read_messages(self, channel: str) -> list[dict[str, Any]]:
        return await self.run.read_messages(channel)

    async def request_approval(
        self, prompt: str, payload: Any, deadline_s: float | None = None
    ) -> Decision:
        """The decision; raises :class:`ApprovalPending` while undecided."""
        decision = await self.run.request_approval(self.node_id, prompt, payload, deadline_s)
        if decision is None:
            raise ApprovalPending(self.node_id)
        return decision

    async def run_subflow(self, workflow_ref: str, inputs: dict[str, Any]) -> dict[str, Any]:
        await self.boundary()
        result = await self.run.run_subflow(self.node_id, workflow_ref, inputs)
        await self.boundary()
        return result

    async def run_body(
        self,
        body: PreparedGraph,
        inputs: dict[str, Any],
        label: str | int,
        max_concurrency: int = 8,
    ) -> RunResult:
        """Run a nested body graph; its node ids are prefixed ``<node>[<label>].``."""
        return await self._body_runner(body, inputs, f"{self.node_id}[{label}].", max_concurrency)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
