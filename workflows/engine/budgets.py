"""Per-run budgets and no-progress guards, shared by nested loop/map bodies."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from workflows.engine.context import Usage
from workflows.engine.errors import BudgetExceeded


@dataclass(frozen=True)
class Budgets:
    """Limits of one run (``None`` = unlimited).

    ``max_steps`` counts node executions (attempts included, body nodes included);
    ``max_repeated_tool_calls`` refuses a call of the same tool with the same
    arguments beyond that many times in one run.
    """

    max_steps: int | None = None
    max_tokens: int | None = None
    max_cost: float | None = None
    max_wall_s: float | None = None
    max_repeated_tool_calls: int | None = 3


class BudgetTracker:
    """Counts usage of a run and raises :class:`BudgetExceeded` past a limit.

    The caller emits ``budget.exceeded`` (see ``NodeContext``) before the node's
    error policy applies.
    """

    def __init__(self, budgets: Budgets, usage: Usage | None = None) -> None:
        self.budgets = budgets
        self.usage = usage or Usage()
        self.steps = 0
        self.started = time.monotonic()
        self._tool_calls: dict[str, int] = {}

    def take_step(self) -> None:
        self.steps += 1
        limit = self.budgets.max_steps
        if limit is not None and self.steps > limit:
            raise BudgetExceeded("steps", limit, self.steps)
        self.check_wall()

    def check_wall(self) -> None:
        limit = self.budgets.max_wall_s
        if limit is not None:
            used = time.monotonic() - self.started
            if used > limit:
                raise BudgetExceeded("wall_time", limit, round(used, 3))

    def check_spend(self) -> None:
        tokens, cost = self.budgets.max_tokens, self.budgets.max_cost
        if tokens is not None and self.usage.total_tokens > tokens:
            raise BudgetExceeded("tokens", tokens, self.usage.total_tokens)
        if cost is not None and self.usage.cost > cost:
            raise BudgetExceeded("cost", cost, round(self.usage.cost, 6))
        self.check_wall()

    def add_usage(self, usage: Usage) -> None:
        self.usage.add(usage)
        self.check_spend()

    def record_tool_call(self, tool: str, args: Any) -> None:
        key = tool + "\x00" + json.dumps(args, sort_keys=True, default=str)
        count = self._tool_calls.get(key, 0) + 1
        self._tool_calls[key] = count
        limit = self.budgets.max_repeated_tool_calls
        if limit is not None and count > limit:
            raise BudgetExceeded("repeated_tool_call", limit, count)
