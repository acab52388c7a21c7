"""Running one node: attempts, retries with backoff, timeout and the error policy."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from workflows.engine.context import NodeRecord
from workflows.engine.errors import ApprovalPending, BudgetExceeded, NodeFailed, RunCancelled
from workflows.engine.gate import Slot
from workflows.engine.runtime import NodeContext, PreparedNode

if TYPE_CHECKING:
    from workflows.engine.executor import Execution


@dataclass(frozen=True)
class Branch:
    """One incoming branch of a join, in declared edge order."""

    source: str
    status: Literal["succeeded", "skipped", "failed"]
    value: Any
    error: str | None
    # How messages name the branch: the label of its source or, for a failed branch, of the
    # node up the branch that really failed.
    name: str = ""
    # True when the join's branches all start at different outputs of one router or condition:
    # only one can be taken, so the join passes on its value rather than a one-item list.
    choice: bool = False


def describe(exc: BaseException) -> str:
    """A sentence for users from an exception."""
    if isinstance(exc, TimeoutError):
        return "The node timed out."
    text = str(exc).strip()
    return text or type(exc).__name__


def _retryable(exc: BaseException) -> bool:
    return bool(getattr(exc, "retryable", True))  # NodeFailed's, or any error that says so


async def _attempt(ex: Execution, node: PreparedNode, nctx: NodeContext, inputs: Any) -> Any:
    if await ex.ctx.is_cancelled():
        raise RunCancelled("The run was cancelled.")
    ex.tracker.take_step()
    timeout = node.spec.timeout_s
    if timeout is None:
        return await node.kind.run(nctx, node, inputs)
    try:
        async with asyncio.timeout(timeout):
            return await node.kind.run(nctx, node, inputs)
    except TimeoutError:
        raise NodeFailed(f"The node timed out after {timeout:g} s.") from None


async def run_node(ex: Execution, node: PreparedNode, inputs: Any) -> NodeRecord | None:
    """Run ``node`` until it settles; ``None`` when it waits for an approval.

    The node holds one of the run's concurrency slots from ``node.started`` until it
    settles, except while it sleeps between attempts.
    """
    slot = Slot(ex.gate)
    await slot.take()
    try:
        record = await _attempts(ex, node, inputs, slot)
    finally:
        slot.give_back()
    ex.running.pop(ex.prefix + node.id, None)
    return record


async def _attempts(
    ex: Execution, node: PreparedNode, inputs: Any, slot: Slot
) -> NodeRecord | None:
    node_id = ex.prefix + node.id
    started_at, t0 = time.time(), time.perf_counter()
    ex.running[node_id] = None
    await ex.ctx.emit("node.started", node_id, {"attempt": 1})
    attempt = 1
    while True:
        nctx = NodeContext(
            ex.ctx, node_id, attempt, ex.tracker, ex.inputs, node.spec.fallback_model, ex.run_body
        )
        try:
            outputs = await _attempt(ex, node, nctx, inputs)
        except ApprovalPending:
            return None
        except RunCancelled:
            raise
        except Exception as exc:
            error = describe(exc)
            await _report_budget(ex, node_id, exc)
            if _retryable(exc) and attempt <= node.spec.retry.count:
                attempt += 1
                await ex.ctx.emit("node.retrying", node_id, {"attempt": attempt, "error": error})
                slot.give_back()
                await asyncio.sleep(node.spec.retry.backoff_s * 2 ** (attempt - 2))
                await slot.take()
                continue
            record = _record(node, "failed", {}, inputs, nctx, started_at, t0)
            record.error = error
            return await _on_error(ex, node, node_id, record)
        record = _record(node, "succeeded", outputs or {}, inputs, nctx, started_at, t0)
        await _emit_finished(ex, node_id, record)
        return record


async def _report_budget(ex: Execution, node_id: str, exc: Exception) -> None:
    if isinstance(exc, BudgetExceeded) and not getattr(exc, "emitted", False):
        exc.emitted = True  # type: ignore[attr-defined]
        await ex.ctx.emit(
            "budget.exceeded", node_id, {"budget": exc.budget, "limit": exc.limit, "used": exc.used}
        )


async def _emit_finished(ex: Execution, node_id: str, record: NodeRecord) -> None:
    await ex.ctx.emit(
        "node.finished",
        node_id,
        {
            "output": record.outputs,
            "usage": record.usage.as_dict(),
            "duration_ms": record.duration_ms,
        },
    )


def _record(
    node: PreparedNode,
    status: Any,
    outputs: dict[str, Any],
    inputs: Any,
    nctx: NodeContext,
    started_at: float,
    t0: float,
) -> NodeRecord:
    shown = inputs if isinstance(inputs, dict) else {}
    if node.kind.wants_branches:
        shown = {port: [b.__dict__ for b in group] for port, group in inputs.items()}
    return NodeRecord(
        node.id,
        status,
        outputs,
        shown,
        attempt=nctx.attempt,
        usage=nctx.usage,
        started_at=started_at,
        finished_at=time.time(),
        duration_ms=round((time.perf_counter() - t0) * 1000, 3),
    )


def default_outputs(node: PreparedNode) -> dict[str, Any]:
    """Outputs of a node that failed with ``on_error="continue"``.

    A dict ``default`` whose keys are all output port names sets those ports;
    anything else is the value of the first output port.
    """
    default = node.spec.default
    names = [p.name for p in node.outputs if p.name != "error"]
    if isinstance(default, dict) and default and set(default) <= set(names):
        return dict(default)
    return {names[0]: default} if names else {}


async def _on_error(
    ex: Execution, node: PreparedNode, node_id: str, record: NodeRecord
) -> NodeRecord:
    policy = node.spec.on_error
    if policy == "continue":
        record.status = "succeeded"
        record.outputs = default_outputs(node)
        await _emit_finished(ex, node_id, record)
        return record
    if policy == "error_edge":
        record.outputs = {"error": {"message": record.error, "node": node.id}}
    await ex.ctx.emit("node.failed", node_id, {"error": record.error})
    return record
