"""Exceptions of the workflow engine."""

from __future__ import annotations

from typing import Any


class EngineError(Exception):
    """Base class of engine errors."""


class RunCancelled(EngineError):  # noqa: N818 - reads as a sentence
    """The run was cancelled; raised at the next model/tool boundary."""


class NodeFailed(EngineError):  # noqa: N818 - reads as a sentence
    """A node failed (after its retries). ``retryable`` errors are retried first."""

    retryable = True


class BudgetExceeded(NodeFailed):
    """A run budget or a no-progress guard tripped (never retried)."""

    retryable = False

    def __init__(self, budget: str, limit: Any, used: Any, message: str | None = None) -> None:
        super().__init__(
            message or f"The run exceeded its {budget} budget (limit {limit}, used {used})."
        )
        self.budget = budget
        self.limit = limit
        self.used = used


class ApprovalPending(EngineError):  # noqa: N818 - reads as a sentence
    """An approval is not decided yet: the node waits and the run will pause."""


class GraphInvalid(EngineError):  # noqa: N818 - reads as a sentence
    """The graph document has problems; ``problems`` lists them all."""

    def __init__(self, problems: list[Any]) -> None:
        super().__init__("; ".join(p.message for p in problems) or "invalid graph")
        self.problems = problems


class ExpressionError(NodeFailed):
    """An expression could not be parsed or evaluated."""

    retryable = False


class PermanentFailure(NodeFailed):
    """A failure that another attempt cannot fix (e.g. a join policy not met)."""

    retryable = False
