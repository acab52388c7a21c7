"""The run context: the only way the workflow engine touches the world.

The engine (``workflows.engine``) is pure Python. Everything with a side effect —
events, models, agents, tools, memory, messages, approvals, sub-workflows,
cancellation and durable checkpoints — goes through an object implementing
:class:`RunContext`. The Django adapter (``workflows/``) implements it on top of the
database, the channel layer and the model/tool layers; ``workflows.engine.testing``
implements it in memory for tests and benchmarks.

Who emits which event
---------------------
* The ENGINE emits: ``run.*``, ``node.started``, ``node.finished``, ``node.failed``,
  ``node.retrying``, ``node.skipped``, ``node.tool_call`` / ``node.tool_result`` for
  *tool nodes*, ``memory.written`` (memory_write nodes) and ``message.posted`` (critic
  panels) after the context call returned, and ``budget.exceeded``.
* The CONTEXT emits: ``node.token`` while streaming inside :meth:`RunContext.call_model`
  and :meth:`RunContext.run_agent`; ``node.tool_call`` / ``node.tool_result`` for tool
  calls made *inside* an agent loop (:meth:`RunContext.run_agent`);
  ``approval.requested`` when :meth:`RunContext.request_approval` first creates the
  approval (only the context knows its id) and ``approval.resolved`` when it is decided.
* :meth:`RunContext.memory_write` and :meth:`RunContext.post_message` must NOT emit
  ``memory.written`` / ``message.posted`` themselves when called by the engine.

The context assigns ``seq`` numbers, timestamps (``ts``) and persists events.
Node ids of nodes inside a loop/map body are prefixed: ``"<loop id>[<iteration>].<inner id>"``
(e.g. ``"loop1[2].n3"``, ``"map1[0].n1"``), so events of body nodes can be told apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from workflows.engine.adaptive import AgentStats

NodeStatus = Literal["succeeded", "failed", "skipped"]
RunStatus = Literal["succeeded", "failed", "paused", "cancelled"]


@dataclass
class Usage:
    """Token and money usage of one model call, one node, or a whole run."""

    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0

    def add(self, other: Usage) -> None:
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.cost += other.cost

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def as_dict(self) -> dict[str, Any]:
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cost": self.cost,
        }


@dataclass
class ToolCall:
    """A tool call requested by a model (native tool calling)."""

    id: str
    name: str
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass
class ModelResult:
    """What a model call or an agent run returns.

    ``text`` is the full final text (the tokens were already streamed through
    ``emit("node.token", node_id, {"text": ...})`` by the context).
    """

    text: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)


@dataclass
class Decision:
    """A human decision on an approval."""

    decision: Literal["approve", "reject", "expire"]  # expire: nobody decided before the deadline
    comment: str = ""
    by: str | None = None
    approval_id: str | None = None

    @property
    def approved(self) -> bool:
        return self.decision == "approve"


@dataclass
class NodeRecord:
    """The durable result of one settled node (what ``node_committed`` receives).

    ``status``: ``succeeded`` (also used for ``on_error="continue"``, then ``error``
    is set), ``failed`` (``outputs`` holds ``{"error": ...}`` when the node has an
    error edge, else it is empty) or ``skipped``.
    ``outputs`` maps output port name -> value; only the ports present were taken
    (a condition that chose ``true`` has no ``false`` key).
    ``skip_origin``/``fail_origin``: for skipped nodes, why (branch not taken vs an
    upstream failure); the engine needs this to replay the record on resume.
    Timestamps are ``time.time()`` seconds; ``duration_ms`` is measured with a
    monotonic clock.
    """

    node_id: str
    status: NodeStatus
    outputs: dict[str, Any] = field(default_factory=dict)
    inputs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    attempt: int = 1
    usage: Usage = field(default_factory=Usage)
    started_at: float | None = None
    finished_at: float | None = None
    duration_ms: float = 0.0
    skip_reason: str | None = None
    fail_origin: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (to store in a JSON column)."""
        data = dict(self.__dict__)
        data["usage"] = self.usage.as_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NodeRecord:
        """Inverse of :meth:`as_dict`."""
        values = dict(data)
        values["usage"] = Usage(**(values.get("usage") or {}))
        return cls(**values)


@runtime_checkable
class RunContext(Protocol):
    """The engine's view of the world for ONE run.

    Contract for implementers:

    * ``run_id`` is a stable string; the engine builds idempotency keys as
      ``f"{run_id}/{node_id}/{attempt}"``.
    * Every method may raise; the engine treats an exception as a failure of the
      node that made the call (retry / on_error apply). Raise
      :class:`workflows.engine.errors.RunCancelled` to cancel the run.
    * ``emit`` must not block for long (buffer and persist; batching is fine).
    * ``node_committed`` is awaited after a node settles (succeeded, failed or
      skipped) and BEFORE any successor starts: persist the record durably here.
      Records passed back to the executor as ``completed`` are never re-run.
    """

    run_id: str

    async def emit(self, type: str, node: str | None, data: dict[str, Any]) -> None:
        """Record one event (see api.md "Events"); assign seq + ts; persist; publish."""
        ...

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
        """Call a chat model; stream tokens as ``emit("node.token", node_id, {"text"})``.

        ``model_ref`` is ``"provider:name"`` (or a tier); ``fallback`` is the node's
        ``fallback_model`` to use when the primary fails. ``messages`` are
        ``{"role": "system"|"user"|"assistant", "content": str}`` dicts.
        """
        ...

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
        """Run a stored agent (its own loop, tools and delegation) on ``prompt``.

        ``inputs`` are the node's input values (port -> value) for context.
        Streams tokens and emits tool events for its tool calls itself.
        ``tool_guard(tool, args)`` is called before each tool call the agent makes; if it
        raises (a run budget such as repeated tool calls), the agent stops and this call
        raises that exception.
        """
        ...

    async def agent_history(self, names: list[str]) -> dict[str, AgentStats]:
        """How each agent in ``names`` did in past runs (the adaptive router's input):
        runs, successes, mean latency and mean cost of the agent nodes that ran it.
        Raises ``LookupError`` naming the agents that do not exist."""
        ...

    async def call_tool(
        self, node_id: str, tool_name: str, args: dict[str, Any], *, idempotency_key: str
    ) -> Any:
        """Run a tool with validated ``args``; the same key must not run it twice."""
        ...

    async def memory_read(self, key: str, scope: str = "run") -> Any:
        """Value of a key in the run's shared memory, or ``None``. ``scope``: ``run`` (this
        run's blackboard), ``session`` (kept across the turns of a chat session) or ``user``
        (kept across the sessions of one user and workflow)."""
        ...

    async def memory_write(self, key: str, value: Any, policy: str, scope: str = "run") -> Any:
        """Write with a merge ``policy`` (replace | append | merge) into ``scope``; return the
        stored value."""
        ...

    async def post_message(self, channel: str, sender: str, text: str) -> None:
        """Post an agent-to-agent message on a channel of this run."""
        ...

    async def read_messages(self, channel: str) -> list[dict[str, Any]]:
        """Messages of a channel, oldest first: ``[{"channel", "sender", "text"}]``."""
        ...

    async def request_approval(
        self, node_id: str, prompt: str, payload: Any, deadline_s: float | None = None
    ) -> Decision | None:
        """Return the decision, or ``None`` while nobody decided yet.

        ``deadline_s`` (set when the approval is created) gives the reviewer that many
        seconds; an approval still undecided past it is decided as ``"expire"``.

        Idempotent per ``node_id``: the first call creates the approval and emits
        ``approval.requested``; later calls (after a resume) return its state.
        ``None`` makes the engine pause that path; when every path is settled or
        waiting the run ends with status ``"paused"`` (no worker is held).
        """
        ...

    async def run_subflow(
        self, node_id: str, workflow_ref: str, inputs: dict[str, Any]
    ) -> dict[str, Any]:
        """Run another workflow to completion; return its outputs (name -> value)."""
        ...

    async def is_cancelled(self) -> bool:
        """True once the run was cancelled (cheap: called at every model/tool boundary)."""
        ...

    async def node_committed(self, node_id: str, record: NodeRecord) -> None:
        """Durably store a settled node; successors start only after this returns."""
        ...
