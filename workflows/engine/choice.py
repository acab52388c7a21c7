"""Whether a join only meets the branches of one choice (a router or condition upstream).

Such a join can only ever receive one taken branch, so its ``out`` gives that branch's value
rather than a one-item list: a router followed by a join just works, without wiring ``first``.
"""

from __future__ import annotations

from workflows.engine.document import Edge
from workflows.engine.runtime import PreparedGraph, PreparedNode

CHOICE_KINDS = frozenset({"router", "condition"})
_MAX_HOPS = 64


def _choice_of(graph: PreparedGraph, edge: Edge) -> tuple[str, str] | None:
    """The (choice node, its output port) this edge's branch started at, following a chain of
    single-input nodes back; None when the branch does not start at one choice."""
    for _ in range(_MAX_HOPS):
        source = graph.nodes.get(edge.source)
        if source is None:
            return None
        if source.kind.kind in CHOICE_KINDS:
            return source.id, edge.source_port
        if len(source.in_edges) != 1:
            return None
        edge = source.in_edges[0]
    return None


def join_is_exclusive(graph: PreparedGraph, join: PreparedNode) -> bool:
    """True when every branch of the join starts at a different output of the same choice."""
    origins = [_choice_of(graph, edge) for edge in join.in_edges]
    if len(origins) < 2 or any(o is None for o in origins):
        return False
    nodes = {o[0] for o in origins if o}
    ports = {o[1] for o in origins if o}
    return len(nodes) == 1 and len(ports) == len(origins)
