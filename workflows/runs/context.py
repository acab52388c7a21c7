"""The engine's RunContext over Django: events, node records, memory, approvals, tools, models.

All database work runs through `sync_to_async` on one thread; an asyncio lock keeps event
order. An event after a quiet spell is stored at once; events that follow within FLUSH_S of
that flush are queued until FLUSH_S has passed (streamed tokens of a node coalesce into one
frame meanwhile), so a busy run commits at most every FLUSH_S and its first token is never
held back by the window. Nor is a node.started held back to share a later commit: a watcher
sees a node start when it starts (holding it for company saved two SQLite commits per chat turn
but put up to 100 ms between a node's start and the trace showing it). Events are stored in one
transaction — with the node's record when a node settles, so a node costs one commit;
`close()` can commit the run's final status with its last events. Committed events are
published to the channel layer by a task of their own, in commit order, so the next node does
not wait for Redis; `close()` waits for the last of them.

Fencing: a context made with the run's `lease_epoch` commits only while the run still has
that lease. When another worker took it over (this one stalled past its lease), the commit
is refused; the context `abandon()`s the run: it cancels the executing task and drops every
later event, so a stale worker writes nothing more.

Subflows: the context starts child runs through the `start_subflow` callable it is built
with (workflows.runs.subflows), so it never imports the services that build it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.utils import timezone

from agents import gateway
from agents import selectors as agent_selectors
from axweb.db_retry import retrying
from workflows.engine import Decision, ModelResult, NodeRecord
from workflows.engine.adaptive import AgentStats
from workflows.engine.errors import PermanentFailure, RunCancelled
from workflows.models import Run
from workflows.runs import approvals, history
from workflows.runs import events as ev
from workflows.runs import store as run_store

# starts (or resumes) the child run of a subflow node: workflows.runs.subflows.subflow_run
StartSubflow = Callable[..., Awaitable[dict[str, Any]]]
FLUSH_S = 0.02
SETTLE_EVENTS = ("node.finished", "node.failed", "node.skipped")
CANCEL_POLL_S = 0.25
log = logging.getLogger(__name__)


def _db(fn: Any) -> Any:
    return sync_to_async(retrying(fn), thread_sensitive=True)


class DjangoRunContext:
    """RunContext for one run, used by one worker holding the run's lease."""

    def __init__(
        self,
        run: Run,
        lease_epoch: int | None = None,
        *,
        start_subflow: StartSubflow | None = None,
    ) -> None:
        self.run = run
        self.start_subflow = start_subflow
        self.lease_epoch = lease_epoch
        self.lost = False
        # A top-level node's settle event waits for its record: committed apart (by a timed
        # flush, or with another node's record), a crash in between would leave a node that
        # "finished" without a record, and the resumed run would finish it a second time.
        self._roots = _root_node_ids(run)
        self._held: dict[str, list[ev.Stamped]] = {}
        self._main: asyncio.Task[Any] | None = None
        self.run_id = str(run.id)
        self._lock = asyncio.Lock()
        self._pending: list[ev.Stamped] = []
        self._flush_handle: asyncio.TimerHandle | None = None
        self._flushed_at = float("-inf")  # loop time of the last flush: the window starts there
        # the run row was just read: its cancel flag holds for CANCEL_POLL_S, so the first node
        # does not wait for a read of its own before it starts
        self._cancel_checked = time.monotonic()
        self._cancelled = bool(run.cancel_requested)
        self._outbox: list[dict[str, Any]] = []
        self._publisher: asyncio.Future[None] | None = None

    # -- the lease ---------------------------------------------------------------------

    def guard(self, task: asyncio.Task[Any]) -> None:
        """`task` executes the run: abandon() cancels it."""
        self._main = task

    def abandon(self) -> None:
        """The lease is gone: stop executing and write nothing more (idempotent)."""
        if self.lost:
            return
        self.lost = True
        self._pending.clear()
        log.warning(
            "run %s: the lease was taken over by another worker; abandoning the run here",
            self.run_id,
        )
        if self._main is not None and not self._main.done():
            self._main.cancel()

    # -- events ----------------------------------------------------------------------

    async def emit(self, type: str, node: str | None, data: dict[str, Any]) -> None:
        """Queue an event; it is stored at once after a quiet spell, else FLUSH_S after the last
        flush (or with the next node commit)."""
        if self.lost:
            return
        if type in SETTLE_EVENTS and node in self._roots:
            self._held.setdefault(node, []).append((type, node, dict(data), timezone.now()))
            return
        last = self._pending[-1] if self._pending else None
        if type == "node.token" and last and last[0] == "node.token" and last[1] == node:
            last[2]["text"] += str(data.get("text", ""))  # coalesce streamed tokens into one frame
        else:
            self._pending.append((type, node, dict(data), timezone.now()))
        if self._flush_handle is None:
            loop = asyncio.get_running_loop()
            wait = max(0.0, self._flushed_at + FLUSH_S - loop.time())  # 0: a leading-edge flush
            self._flush_handle = loop.call_later(wait, lambda: asyncio.ensure_future(self.flush()))

    async def flush(
        self, record: NodeRecord | None = None, then: Callable[[], object] | None = None
    ) -> None:
        """Store the queued events (and `record`, and the writes of `then`) in one
        transaction, in emit order."""
        async with self._lock:
            if self._flush_handle is not None:
                self._flush_handle.cancel()
                self._flush_handle = None
            batch, self._pending = self._pending, []
            self._flushed_at = asyncio.get_running_loop().time()
            if record is not None:
                batch += self._held.pop(record.node_id, [])
            if self.lost:
                raise ev.LeaseLost(f"run {self.run_id}: abandoned, the lease was taken over")
            if batch or record is not None or then is not None:
                try:
                    envelopes = await _db(run_store.events_and_record_commit)(
                        self.run.id, batch, record, self.lease_epoch, then
                    )
                except ev.LeaseLost:
                    self.abandon()
                    raise
                self._publish(envelopes)

    async def close(self, then: Callable[[], object] | None = None) -> None:
        """Store what is queued (with the writes of `then`, in the same transaction: the run's
        final status) and wait until every committed event has been published."""
        if not self.lost:
            for held in self._held.values():  # settled without a record (e.g. stopped): stored now
                self._pending.extend(held)
            self._held.clear()
            await self.flush(then=then)
        if self._publisher is not None:
            await self._publisher

    def _publish(self, envelopes: list[dict[str, Any]]) -> None:
        """Hand committed events to the publisher task (started when idle), keeping order."""
        if not envelopes:
            return
        self._outbox.extend(envelopes)
        if self._publisher is None or self._publisher.done():
            self._publisher = asyncio.ensure_future(self._publish_outbox())

    async def _publish_outbox(self) -> None:
        layer = get_channel_layer()
        while self._outbox:
            envelopes, self._outbox = self._outbox, []  # what queued meanwhile goes as one message
            if layer is None:
                continue
            try:
                await layer.group_send(ev.run_group(self.run_id), ev.events_message(envelopes))
            except Exception:  # clients read missed events back from the database
                log.exception("publishing events of run %s failed", self.run_id)

    # -- durable records -------------------------------------------------------------

    async def node_committed(self, node_id: str, record: NodeRecord) -> None:
        await self.flush(record)

    # -- models, agents, tools ------------------------------------------------------------

    async def _on_token(self, node_id: str, text: str) -> None:
        await self.emit("node.token", node_id, {"text": text})

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
        await self._boundary()
        return await gateway.model_call(
            owner_id=self.run.owner_id,
            model_ref=model_ref,
            messages=messages,
            tools=tools,
            params=params or {},
            fallback=fallback,
            on_token=lambda t: self._on_token(node_id, t),
            checkpoint=self._boundary,
        )

    async def run_agent(
        self,
        node_id: str,
        agent_ref: str,
        prompt: str,
        *,
        inputs: dict[str, Any],
        fallback: str | None = None,
        tool_guard: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> ModelResult:
        await self._boundary()
        stopped: list[
            Exception
        ] = []  # what the guard raised: the agent loop's next checkpoint re-raises it

        async def checkpoint() -> None:
            if stopped:
                raise stopped[0]
            await self._boundary()

        async def run_tool(name: str, args: dict[str, Any], key: str) -> Any:
            if tool_guard is not None:
                try:
                    tool_guard(name, args)
                except Exception as exc:
                    stopped.append(exc)
                    raise
            return await self.call_tool(node_id, name, args, idempotency_key=key)

        return await gateway.agent_run(
            owner_id=self.run.owner_id,
            agent_ref=agent_ref,
            prompt=prompt,
            fallback=fallback,
            run_id=self.run_id,
            node_id=node_id,
            emit=lambda t, d: self.emit(t, node_id, d),
            tool_runner=run_tool,
            checkpoint=checkpoint,
            history=inputs.get("history") or [],
        )

    async def agent_history(self, names: list[str]) -> dict[str, AgentStats]:
        """Each agent's record in the owner's past runs (not this one); unknown names raise."""
        known = await _db(agent_selectors.agent_names)(owner_id=self.run.owner_id)
        unknown = [name for name in names if name not in known]
        if unknown:
            yours = ", ".join(sorted(known)) or "none yet"
            raise LookupError(
                f"There is no agent named {', '.join(map(repr, unknown))}. Your agents: {yours}."
            )
        stats: dict[str, AgentStats] = await _db(history.agent_history)(
            owner_id=self.run.owner_id, names=names, exclude_run=self.run.id
        )
        return stats

    async def call_tool(
        self, node_id: str, tool_name: str, args: dict[str, Any], *, idempotency_key: str
    ) -> Any:
        await self._boundary()
        from tools import services as tool_services

        return await tool_services.tool_execute(
            owner_id=self.run.owner_id,
            name=tool_name,
            args=args,
            run_id=self.run_id,
            node_id=node_id,
            idempotency_key=idempotency_key,
            memory=RunMemory(self, node_id),
            emit=lambda t, d: self.emit(t, node_id, d),
            run_agent=lambda ref, prompt, inputs=None: self.run_agent(
                node_id, ref, prompt, inputs=inputs or {}
            ),
            run_workflow=lambda ref, inputs: self.run_subflow(node_id, ref, inputs),
        )

    # -- memory and messages ------------------------------------------------------------

    async def memory_read(self, key: str, scope: str = "run") -> Any:
        where = "" if scope == "run" else run_store.scope_key(self.run, scope)
        return await _db(run_store.memory_read)(self.run.id, key, scope, where)

    async def memory_write(self, key: str, value: Any, policy: str, scope: str = "run") -> Any:
        where = "" if scope == "run" else run_store.scope_key(self.run, scope)
        return await _db(run_store.memory_write)(self.run.id, key, value, policy, scope, where)

    async def post_message(self, channel: str, sender: str, text: str) -> None:
        await _db(run_store.message_post)(self.run.id, channel, sender, text)

    async def read_messages(self, channel: str) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = await _db(run_store.messages_read)(self.run.id, channel)
        return messages

    # -- humans, subflows, cancellation ---------------------------------------------------

    async def request_approval(
        self, node_id: str, prompt: str, payload: Any, deadline_s: float | None = None
    ) -> Decision | None:
        approval, created = await _db(run_store.approval_get_or_create)(
            self.run.id, node_id, prompt, payload, deadline_s
        )
        if created:
            await self.emit("approval.requested", node_id, approvals.requested_payload(approval))
        if approval.status == "pending" and await _db(approvals.approval_expire_if_due)(approval):
            await self.emit("approval.resolved", node_id, approvals.expired_payload(approval))
        if approval.status == "pending":
            return None
        return Decision(
            decision=approvals.DECISIONS[approval.status],
            comment=approval.comment,
            by=approval.decided_by.username if approval.decided_by else None,
            approval_id=str(approval.id),
        )

    async def run_subflow(
        self, node_id: str, workflow_ref: str, inputs: dict[str, Any]
    ) -> dict[str, Any]:
        await self._boundary()
        if self.start_subflow is None:
            raise PermanentFailure("This run context was built without subflows (start_subflow).")
        return await self.start_subflow(
            parent=self.run, node_id=node_id, workflow_ref=workflow_ref, inputs=inputs
        )

    async def is_cancelled(self) -> bool:
        now = time.monotonic()
        if not self._cancelled and now - self._cancel_checked >= CANCEL_POLL_S:
            self._cancel_checked = now
            self._cancelled = await _db(run_store.cancel_requested)(self.run.id)
        return self._cancelled

    async def _boundary(self) -> None:
        if await self.is_cancelled():
            raise RunCancelled("The run was cancelled.")


def _root_node_ids(run: Run) -> set[str]:
    """The run's top-level node ids (empty when its version is not loaded: nothing is held)."""
    if not Run.version.is_cached(run):
        return set()
    return {str(item.get("id")) for item in run.version.graph.get("nodes", [])}


class RunMemory:
    """The run's blackboard as tools see it (tools.base.MemoryAccess)."""

    def __init__(self, ctx: DjangoRunContext, node_id: str) -> None:
        self.ctx = ctx
        self.node_id = node_id

    async def read(self, key: str, scope: str = "run") -> Any:
        return await self.ctx.memory_read(key, scope)

    async def write(self, key: str, value: Any, policy: str = "replace", scope: str = "run") -> Any:
        stored = await self.ctx.memory_write(key, value, policy, scope)
        data = {"key": key, "value": value, "policy": policy}
        await self.ctx.emit(
            "memory.written", self.node_id, data if scope == "run" else {**data, "scope": scope}
        )
        return stored

    async def search(
        self, query: str, k: int = 5, collection: str | None = None
    ) -> list[dict[str, Any]]:
        from agents.knowledge.selectors import knowledge_search_for

        hits: list[dict[str, Any]] = await _db(knowledge_search_for)(
            self.ctx.run.owner_id, query, k, collection
        )
        return hits
