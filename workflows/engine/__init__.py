"""AXWeb's pure-Python workflow engine (no Django; the world is a RunContext).

Entry points: :func:`execute`, :func:`validate`, :func:`catalog`, :func:`upgrade`.
"""

from workflows.engine.budgets import Budgets
from workflows.engine.context import (
    Decision,
    ModelResult,
    NodeRecord,
    RunContext,
    ToolCall,
    Usage,
)
from workflows.engine.document import SCHEMA_VERSION, Graph, parse_graph, upgrade
from workflows.engine.executor import execute
from workflows.engine.kinds.registry import KINDS, catalog
from workflows.engine.result import Problem, RunResult
from workflows.engine.validation import validate

__all__ = [
    "KINDS",
    "SCHEMA_VERSION",
    "Budgets",
    "Decision",
    "Graph",
    "ModelResult",
    "NodeRecord",
    "Problem",
    "RunContext",
    "RunResult",
    "ToolCall",
    "Usage",
    "catalog",
    "execute",
    "parse_graph",
    "upgrade",
    "validate",
]
