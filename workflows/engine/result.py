"""What the engine hands back: a run's (or body's) outcome and validation problems.

A leaf: it imports nothing of the engine but the context's value types, so every other
engine module (the executor, the node context, validation) can name these.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from workflows.engine.context import NodeRecord, RunStatus, Usage


@dataclass
class Problem:
    """One validation problem (the api.md ``problems`` item)."""

    code: str
    message: str
    node: str | None = None
    edge: str | None = None
    field: str | None = None
    path: tuple[str, ...] = ()
    """Inside bodies: node ids from the workflow's container node down to the node at fault
    (``node`` stays the outermost container, so the workflow level marks it)."""

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["path"] = list(self.path)
        if not self.path:
            del out["path"]
        return out


@dataclass
class RunResult:
    """Outcome of a run (or of a nested body)."""

    status: RunStatus
    outputs: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    usage: Usage = field(default_factory=Usage)
    records: dict[str, NodeRecord] = field(default_factory=dict)
    waiting: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
