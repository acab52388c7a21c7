"""Strongly connected components of a directed graph (the validator's cycle check)."""

from __future__ import annotations


class _Tarjan:
    """Tarjan's algorithm, iterative (no recursion limit on long chains)."""

    def __init__(self, successors: dict[str, list[str]]) -> None:
        self.successors = successors
        self.index: dict[str, int] = {}
        self.low: dict[str, int] = {}
        self.on_stack: set[str] = set()
        self.stack: list[str] = []
        self.result: list[list[str]] = []

    def visit(self, root: str) -> None:
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                self._enter(node)
            succ = self.successors.get(node, [])
            if i < len(succ):
                work.append((node, i + 1))
                self._follow(node, succ[i], work)
                continue
            if work:
                parent = work[-1][0]
                self.low[parent] = min(self.low[parent], self.low[node])
            if self.low[node] == self.index[node]:
                self._pop_component(node)

    def _enter(self, node: str) -> None:
        self.index[node] = self.low[node] = len(self.index)
        self.stack.append(node)
        self.on_stack.add(node)

    def _follow(self, node: str, nxt: str, work: list[tuple[str, int]]) -> None:
        if nxt not in self.index:
            work.append((nxt, 0))
        elif nxt in self.on_stack:
            self.low[node] = min(self.low[node], self.index[nxt])

    def _pop_component(self, node: str) -> None:
        component = []
        while True:
            member = self.stack.pop()
            self.on_stack.discard(member)
            component.append(member)
            if member == node:
                break
        self.result.append(component[::-1])


def strongly_connected(nodes: list[str], successors: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (no recursion limit on long chains)."""
    tarjan = _Tarjan(successors)
    for root in nodes:
        if root not in tarjan.index:
            tarjan.visit(root)
    return tarjan.result
