"""The dataflow executor: runs a graph through a :class:`RunContext`.

Scheduling: every incoming edge of a node gets a token when its source settles
(a value, "skipped" or "failed"). A node is examined once all its incoming edges
hold a token — O(edges) in total, no scans. A finished node continues inline with
its first ready successor and spawns tasks for the others, so independent
branches run concurrently (bounded by a per-run semaphore).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Any

from workflows.engine.budgets import Budgets, BudgetTracker
from workflows.engine.choice import join_is_exclusive
from workflows.engine.context import NodeRecord, RunContext
from workflows.engine.document import Graph
from workflows.engine.errors import RunCancelled
from workflows.engine.gate import Gate
from workflows.engine.kinds.base import NodeKind
from workflows.engine.noderun import Branch, run_node
from workflows.engine.result import RunResult
from workflows.engine.runtime import PreparedGraph, PreparedNode
from workflows.engine.validation import analyse

LIVE, SKIP, FAIL = 0, 1, 2
Token = tuple[int, Any]  # (LIVE, value) | (SKIP, None) | (FAIL, origin node id)


class Execution:
    """One execution of a prepared graph (a run, or a loop/map body)."""

    def __init__(
        self,
        graph: PreparedGraph,
        ctx: RunContext,
        inputs: dict[str, Any],
        *,
        tracker: BudgetTracker,
        completed: dict[str, NodeRecord] | None = None,
        max_concurrency: int = 8,
        prefix: str = "",
        root: bool = True,
        registry: dict[str, type[NodeKind]] | None = None,
    ) -> None:
        self.graph = graph
        self.ctx = ctx
        self.inputs = inputs
        self.tracker = tracker
        self.completed = completed or {}
        self.gate = Gate(max_concurrency)
        self.prefix = prefix
        self.root = root
        self.registry = registry
        self.tokens: dict[str, list[Token | None]] = {
            nid: [None] * len(n.in_edges) for nid, n in graph.nodes.items()
        }
        self.unresolved = {nid: len(n.in_edges) for nid, n in graph.nodes.items()}
        self.records: dict[str, NodeRecord] = {}
        self.outputs: dict[str, Any] = {}
        self.waiting: list[str] = []
        self.tasks: set[asyncio.Task[None]] = set()
        self.active = 0
        self.done = asyncio.Event()
        self.failure: str | None = None
        self.cancelled = False
        self.running: dict[str, None] = {}  # started, not settled (insertion-ordered)

    async def run(self) -> RunResult:
        if self.root:
            await self.ctx.emit(
                "run.resumed" if self.completed else "run.started", None, {"inputs": self.inputs}
            )
        for nid in self.graph.sources:
            self._spawn(nid)
        try:
            if self.active:
                await self._wait()
        except asyncio.CancelledError:  # our caller was cancelled: take our tasks along
            await self._stop_tasks()
            raise
        return await self._finish()

    async def run_body(
        self, body: PreparedGraph, inputs: dict[str, Any], prefix: str, max_concurrency: int
    ) -> RunResult:
        """Run a nested body graph (a loop/map iteration) under this run's budgets and kinds:
        the body runner handed to every node's context."""
        nested = Execution(
            body,
            self.ctx,
            inputs,
            tracker=self.tracker,
            max_concurrency=max_concurrency,
            prefix=prefix,
            root=False,
            registry=self.registry,
        )
        return await nested.run()

    async def _wait(self) -> None:
        limit = self.tracker.budgets.max_wall_s if self.root else None
        remaining = None if limit is None else max(0.0, limit - self._elapsed())
        try:
            await asyncio.wait_for(self.done.wait(), remaining)
        except TimeoutError:
            used = round(self._elapsed(), 3)
            await self.ctx.emit(
                "budget.exceeded", None, {"budget": "wall_time", "limit": limit, "used": used}
            )
            self.failure = f"The run exceeded its wall_time budget (limit {limit} s)."
        if self.failure or self.cancelled:
            await self._stop_tasks()
            await self._report_interrupted()

    async def _report_interrupted(self) -> None:
        """Nodes that started but were stopped get a ``node.failed`` saying why."""
        why = "the run was cancelled" if self.cancelled else "the run failed elsewhere"
        for node_id in list(self.running):
            # `stopped`: the node did not fail itself; the run view shows it as cancelled.
            data = {"error": f"Stopped because {why}.", "stopped": True}
            await self.ctx.emit("node.failed", node_id, data)
        self.running.clear()

    def _elapsed(self) -> float:
        return time.monotonic() - self.tracker.started

    async def _stop_tasks(self) -> None:
        current = asyncio.current_task()
        pending = [t for t in self.tasks if t is not current and not t.done()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def _finish(self) -> RunResult:
        result = RunResult(
            "succeeded",
            self.outputs,
            usage=self.tracker.usage,
            records=self.records,
            waiting=list(self.waiting),
        )
        if self.cancelled:
            result.status, result.error = "cancelled", "The run was cancelled."
            await self._emit_run("run.cancelled", {})
        elif self.failure:
            result.status, result.error = "failed", self.failure
            await self._emit_run("run.failed", {"error": self.failure})
        elif self.waiting:
            result.status = "paused"
            await self._emit_run("run.paused", {"waiting": [self.prefix + w for w in self.waiting]})
        else:
            await self._emit_run(
                "run.finished", {"outputs": self.outputs, "usage": self.tracker.usage.as_dict()}
            )
        return result

    async def _emit_run(self, type: str, data: dict[str, Any]) -> None:
        if self.root:
            await self.ctx.emit(type, None, data)

    # -- scheduling -------------------------------------------------------------------

    def _spawn(self, nid: str) -> None:
        self.active += 1
        task = asyncio.create_task(self._drive(nid))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _drive(self, nid: str | None) -> None:
        try:
            while nid is not None and not (self.failure or self.cancelled):
                nid = await self._process(self.graph.nodes[nid])
        except RunCancelled:
            self.cancelled = True
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # an engine bug must fail the run, not hang it
            self.failure = f"Internal engine error: {exc!r}"
        finally:
            self.active -= 1
            if self.active == 0 or self.failure or self.cancelled:
                self.done.set()

    async def _process(self, node: PreparedNode) -> str | None:
        record = self.completed.get(node.id)
        if record is None:
            record = await self._settle(node)
            if record is None:
                self.waiting.append(node.id)
                return None
            if self.root:
                await self.ctx.node_committed(node.id, record)
        self.records[node.id] = record
        if node.kind.kind == "output" and record.status == "succeeded":
            self.outputs[node.config.name] = record.inputs.get("in")
        return self._propagate(node, record)

    async def _settle(self, node: PreparedNode) -> NodeRecord | None:
        tokens = self.tokens[node.id]
        if node.kind.wants_branches:
            return await self._settle_join(node, tokens)
        inputs: dict[str, Any] = {}
        for edge, token in zip(node.in_edges, tokens, strict=True):
            assert token is not None
            state, value = token
            if state == FAIL:
                return await self._skip(node, f"Upstream node {self._name(value)} failed.", value)
            if state == LIVE:
                if _is_multiple(node, edge.target_port):
                    inputs.setdefault(edge.target_port, []).append(value)
                else:
                    inputs[edge.target_port] = value
        if tokens and not inputs:
            return await self._skip(node, "Its branch was not taken.", None)
        for port in node.inputs:
            if port.required and port.name not in inputs:
                return await self._skip(node, "Its branch was not taken.", None)
        return await run_node(self, node, inputs)

    async def _settle_join(
        self, node: PreparedNode, tokens: list[Token | None]
    ) -> NodeRecord | None:
        branches: dict[str, list[Branch]] = {}
        choice = join_is_exclusive(self.graph, node)
        for edge, token in zip(node.in_edges, tokens, strict=True):
            assert token is not None
            state, value = token
            name = self._name(edge.source)
            if state == LIVE:
                branch = Branch(edge.source, "succeeded", value, None, name)
            elif state == SKIP:
                branch = Branch(edge.source, "skipped", None, None, name)
            else:  # the node that really failed may be further up this branch
                branch = Branch(
                    edge.source, "failed", None, self._error_of(value), self._name(value)
                )
            branches.setdefault(edge.target_port, []).append(replace(branch, choice=choice))
        if all(b.status == "skipped" for group in branches.values() for b in group):
            return await self._skip(node, "None of its branches was taken.", None)
        return await run_node(self, node, branches)

    def _error_of(self, origin: str) -> str:
        record = self.records.get(origin)
        return (record.error if record else None) or f"Node {self._name(origin)} failed."

    def _name(self, node_id: str) -> str:
        """How messages name a node: its label in quotes, else its id."""
        node = self.graph.nodes.get(node_id)
        label = node.spec.label if node else None
        return f'"{label}"' if label else node_id

    async def _skip(self, node: PreparedNode, reason: str, origin: str | None) -> NodeRecord:
        await self.ctx.emit("node.skipped", self.prefix + node.id, {"reason": reason})
        return NodeRecord(node.id, "skipped", skip_reason=reason, fail_origin=origin)

    def _propagate(self, node: PreparedNode, record: NodeRecord) -> str | None:
        failed_origin = self._failure_origin(node, record)
        if failed_origin == node.id:
            # A join that failed because a branch failed: blame that branch, not the join (the
            # join's own record still says what its policy needed).
            failed_origin = self._failed_branch(node) or failed_origin
        if failed_origin is not None and not node.out_edges:
            what, why = self._name(failed_origin), self._error_of(failed_origin)
            self.failure = f"Node {what} failed: {why}"
            return None
        ready: list[str] = []
        outputs = record.outputs
        for out in node.out_edges:
            edge = out.edge
            if failed_origin is not None:
                token: Token = (FAIL, failed_origin)
            elif record.status != "skipped" and edge.source_port in outputs:
                token = (LIVE, outputs[edge.source_port])
            else:
                token = (SKIP, None)
            self.tokens[edge.target][out.slot] = token
            left = self.unresolved[edge.target] - 1
            self.unresolved[edge.target] = left
            if left == 0:
                ready.append(edge.target)
        for nid in ready[1:]:
            self._spawn(nid)
        return ready[0] if ready else None

    def _failed_branch(self, node: PreparedNode) -> str | None:
        if not node.kind.wants_branches:
            return None
        for token in self.tokens[node.id]:
            if token is not None and token[0] == FAIL:
                return str(token[1])
        return None

    @staticmethod
    def _failure_origin(node: PreparedNode, record: NodeRecord) -> str | None:
        """The failed node this record passes on, if any (an error edge absorbs it)."""
        if record.status == "skipped":
            return record.fail_origin
        if record.status == "failed" and not (
            "error" in record.outputs
            and any(out.edge.source_port == "error" for out in node.out_edges)
        ):
            return node.id
        return None


def _is_multiple(node: PreparedNode, port_name: str) -> bool:
    for port in node.inputs:
        if port.name == port_name:
            return port.multiple
    return False


async def execute(
    doc: Graph | dict[str, Any],
    ctx: RunContext,
    inputs: dict[str, Any] | None = None,
    *,
    completed: dict[str, NodeRecord] | None = None,
    budgets: Budgets | None = None,
    max_concurrency: int = 8,
    registry: dict[str, type[NodeKind]] | None = None,
) -> RunResult:
    """Validate and run a workflow graph to completion, pause or failure.

    ``completed``: records already committed (from a previous attempt or before a
    pause) — those nodes are never run again; their outputs feed their successors.
    An invalid graph is not run: the result is ``failed`` with ``problems`` set.
    """
    problems, graph = analyse(doc, registry=registry)
    if problems or graph is None:
        message = "The workflow is invalid: " + " ".join(p.message for p in problems)
        await ctx.emit("run.failed", None, {"error": message})
        return RunResult("failed", error=message, problems=problems)
    return await execute_prepared(
        graph,
        ctx,
        inputs,
        completed=completed,
        budgets=budgets,
        max_concurrency=max_concurrency,
        registry=registry,
    )


async def execute_prepared(
    graph: PreparedGraph,
    ctx: RunContext,
    inputs: dict[str, Any] | None = None,
    *,
    completed: dict[str, NodeRecord] | None = None,
    budgets: Budgets | None = None,
    max_concurrency: int = 8,
    registry: dict[str, type[NodeKind]] | None = None,
) -> RunResult:
    """Run a graph already checked by ``validation.analyse`` (no validation here)."""
    tracker = BudgetTracker(budgets or Budgets())
    for record in (completed or {}).values():
        tracker.usage.add(record.usage)
    execution = Execution(
        graph,
        ctx,
        dict(inputs or {}),
        tracker=tracker,
        completed=completed,
        max_concurrency=max_concurrency,
        registry=registry,
    )
    return await execution.run()
