"""Static validation of a graph document: every problem, each as a user sentence."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from workflows.engine import limits
from workflows.engine.document import Edge, Graph, Node, SchemaVersionError, upgrade
from workflows.engine.kinds.base import NodeKind
from workflows.engine.ports import Port, connectable
from workflows.engine.result import Problem
from workflows.engine.runtime import PreparedGraph, assemble, body_graphs, resolve_ports
from workflows.engine.scc import strongly_connected


@dataclass
class _Resolved:
    node: Node
    kind: type[NodeKind]
    config: Any
    inputs: list[Port]
    outputs: list[Port]


def _lookup(kind: str, registry: dict[str, type[NodeKind]] | None) -> type[NodeKind] | None:
    from workflows.engine.kinds.registry import KINDS, get_kind

    if registry and kind in registry:
        return registry[kind]
    return get_kind(kind) if kind in KINDS else None


def _loc(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _name(node: Node) -> str:
    return f'"{node.label}" ({node.id})' if node.label else node.id


def validate(
    doc: dict[str, Any] | Graph,
    registry: dict[str, type[NodeKind]] | None = None,
    self_refs: frozenset[str] = frozenset(),
) -> list[Problem]:
    """Every problem of ``doc`` (an empty list means it can be saved and run).

    ``self_refs``: the names the workflow itself goes by (slug, id); a subflow node
    calling one of them is a problem (it would recurse until the depth limit).
    """
    return analyse(doc, registry, self_refs)[0]


def analyse(
    doc: dict[str, Any] | Graph,
    registry: dict[str, type[NodeKind]] | None = None,
    self_refs: frozenset[str] = frozenset(),
) -> tuple[list[Problem], PreparedGraph | None]:
    """Problems of ``doc`` and, when there are none, the prepared graph to run."""
    raw = doc.model_dump() if isinstance(doc, Graph) else doc
    if not isinstance(raw, dict):
        return [Problem("invalid_document", "The workflow document must be a JSON object.")], None
    too_big = size_problems(raw)
    if too_big:
        return too_big, None
    try:
        raw = upgrade(raw)
    except SchemaVersionError as exc:
        return [Problem("schema_version", str(exc), field="schema_version")], None
    v = _Validator(registry, self_refs)
    v.run(raw)
    if v.problems:
        return v.problems, None
    resolved = [(r.node, r.kind, r.config) for r in v.nodes.values() if r is not None]
    return [], assemble(resolved, v.edges, registry)


def size_problems(raw: dict[str, Any]) -> list[Problem]:
    """Problems of a document too big to look at further (nesting, node and edge counts)."""
    cap = limits.current()
    if limits.json_depth_over(raw, cap.json_max_depth):
        return [
            Problem(
                "too_deep",
                f"The workflow document is nested deeper than "
                f"{cap.json_max_depth} levels (AXWEB_JSON_MAX_DEPTH).",
            )
        ]
    problems = []
    for field, count, most in (
        ("nodes", len(_as_list(raw.get("nodes"))), cap.graph_max_nodes),
        ("edges", len(_as_list(raw.get("edges"))), cap.graph_max_edges),
    ):
        if count > most:
            problems.append(
                Problem(
                    f"too_many_{field}",
                    f"The graph has {count:,} {field}; at "
                    f"most {most:,} are allowed (AXWEB_GRAPH_MAX_"
                    f"{field.upper()}). Move part of it into a subflow.",
                    field=field,
                )
            )
    return problems


class _Validator:
    def __init__(
        self, registry: dict[str, type[NodeKind]] | None, self_refs: frozenset[str] = frozenset()
    ) -> None:
        self.registry = registry
        self.self_refs = self_refs
        self.problems: list[Problem] = []
        self.nodes: dict[str, _Resolved | None] = {}  # None: unknown kind / bad config
        self.edges: list[Edge] = []
        self.edge_ids: set[str] = set()

    def add(self, code: str, message: str, **where: Any) -> None:
        self.problems.append(Problem(code, message, **where))

    def run(self, raw: dict[str, Any]) -> None:
        for key in raw:
            if key not in Graph.model_fields:
                self.add(
                    "invalid_document", f'The document has an unknown field "{key}".', field=key
                )
        for index, item in enumerate(_as_list(raw.get("nodes"))):
            self._node(index, item)
        for index, item in enumerate(_as_list(raw.get("edges"))):
            self._edge(index, item)
        self._inputs()
        self._cycles()
        self._reachability()
        self._chat()

    def _node(self, index: int, item: Any) -> None:
        try:
            node = Node.model_validate(item)
        except ValidationError as exc:
            node_id = item.get("id") if isinstance(item, dict) else None
            for err in exc.errors():
                self.add(
                    "invalid_node",
                    f"Node {node_id or index}: {_loc(err['loc'])} — {err['msg']}.",
                    node=node_id,
                    field=_loc(err["loc"]),
                )
            return
        if node.id in self.nodes:
            self.add(
                "duplicate_id",
                f'Two nodes share the id "{node.id}"; ids must be unique.',
                node=node.id,
                field="id",
            )
            return
        kind = _lookup(node.kind, self.registry)
        if kind is None:
            self.nodes[node.id] = None
            self.add(
                "unknown_kind",
                f'Node {_name(node)} has an unknown kind "{node.kind}".',
                node=node.id,
                field="kind",
            )
            return
        self.nodes[node.id] = self._config(node, kind)

    def _config(self, node: Node, kind: type[NodeKind]) -> _Resolved | None:
        try:
            config = kind.Config.model_validate(node.config)
        except ValidationError as exc:
            for err in exc.errors():
                where = _loc(("config", *err["loc"]))
                self.add(
                    "invalid_config",
                    f"Node {_name(node)}: {where} — {err['msg']}.",
                    node=node.id,
                    field=where,
                )
            return None
        for code, where, message in kind.check(config):
            self.add(code, f"Node {_name(node)}: {message}", node=node.id, field=where)
        if node.kind == "subflow" and str(getattr(config, "workflow", "")) in self.self_refs:
            self.add(
                "subflow_self_call",
                f"Node {_name(node)} runs this same workflow, which "
                "would call itself until the subflow depth limit; pick another workflow.",
                node=node.id,
                field="config.workflow",
            )
        for field_name, body in body_graphs(config).items():
            for p in validate(body, self.registry, self.self_refs):
                where = f"config.{field_name}" + (f".{p.field}" if p.field else "")
                inner = p.path or ((p.node,) if p.node else ())
                self.add(
                    p.code,
                    f"In the {field_name} of {_name(node)}: {p.message}",
                    node=node.id,
                    field=where,
                    path=(node.id, *inner),
                )
        inputs, outputs = resolve_ports(node, kind, config)
        return _Resolved(node, kind, config, inputs, outputs)

    def _edge(self, index: int, item: Any) -> None:
        try:
            edge = Edge.model_validate(item)
        except ValidationError as exc:
            edge_id = item.get("id") if isinstance(item, dict) else None
            for err in exc.errors():
                self.add(
                    "invalid_edge",
                    f"Edge {edge_id or index}: {_loc(err['loc'])} — {err['msg']}.",
                    edge=edge_id,
                    field=_loc(err["loc"]),
                )
            return
        if edge.id in self.edge_ids:
            self.add(
                "duplicate_id",
                f'Two edges share the id "{edge.id}"; ids must be unique.',
                edge=edge.id,
                field="id",
            )
            return
        self.edge_ids.add(edge.id)
        missing = [n for n in (edge.source, edge.target) if n not in self.nodes]
        for node_id in missing:
            self.add(
                "unknown_node",
                f'Edge {edge.id} connects to a node "{node_id}" that does not exist.',
                edge=edge.id,
                field="source" if node_id == edge.source else "target",
            )
        if not missing:
            self.edges.append(edge)
            self._ports(edge)

    def _ports(self, edge: Edge) -> None:
        source, target = self.nodes[edge.source], self.nodes[edge.target]
        if source is None or target is None:
            return
        for res, port_name, side, ports in (
            (source, edge.source_port, "source_port", source.outputs),
            (target, edge.target_port, "target_port", target.inputs),
        ):
            if not res.kind.executable:
                self.add(
                    "unknown_port",
                    f"Edge {edge.id}: {_name(res.node)} is a "
                    f"{res.node.kind} and cannot be connected.",
                    edge=edge.id,
                    field=side,
                )
                return
            if not any(p.name == port_name for p in ports):
                self.add(
                    "unknown_port",
                    _unknown_port_message(edge, res, port_name, side),
                    edge=edge.id,
                    node=res.node.id,
                    field=side,
                )
                return
        out = next(p for p in source.outputs if p.name == edge.source_port)
        inp = next(p for p in target.inputs if p.name == edge.target_port)
        if not connectable(out.type, inp.type):
            self.add(
                "type_mismatch",
                f"{edge.source}.{out.name} ({out.type}) → "
                f"{edge.target}.{inp.name} ({inp.type}): a {out.type} output cannot feed "
                f"a {inp.type} input.",
                edge=edge.id,
                node=edge.target,
                field="target_port",
            )

    def _inputs(self) -> None:
        counts: dict[tuple[str, str], list[str]] = defaultdict(list)
        for edge in self.edges:
            counts[(edge.target, edge.target_port)].append(edge.id)
        for node_id, res in self.nodes.items():
            if res is None or not res.kind.executable:
                continue
            for port in res.inputs:
                edges = counts.get((node_id, port.name), [])
                if port.required and not edges:
                    self.add(
                        "missing_input",
                        f'Node {_name(res.node)} needs a connection on its "{port.name}" input.',
                        node=node_id,
                        field=f"inputs.{port.name}",
                    )
                if len(edges) > 1 and not port.multiple:
                    self.add(
                        "too_many_connections",
                        f'The "{port.name}" input of '
                        f"{_name(res.node)} accepts one connection; {len(edges)} are "
                        "connected (use a join to merge branches).",
                        node=node_id,
                        edge=edges[1],
                        field=f"inputs.{port.name}",
                    )

    def _cycles(self) -> None:
        successors: dict[str, list[str]] = defaultdict(list)
        for edge in self.edges:
            successors[edge.source].append(edge.target)
        for component in strongly_connected(list(self.nodes), successors):
            if len(component) > 1 or component[0] in successors[component[0]]:
                path = " → ".join([*component, component[0]])
                self.add(
                    "cycle",
                    f"Nodes {path} form a cycle; repeat work with a loop node instead.",
                    node=component[0],
                )

    def _reachability(self) -> None:
        live = {nid: r for nid, r in self.nodes.items() if r is None or r.kind.executable}
        starts = [nid for nid, r in live.items() if r is not None and r.node.kind == "input"]
        if not live:
            return
        if not starts:
            self.add("no_input", "The workflow has no input node; add one where the run starts.")
            return
        successors: dict[str, list[str]] = defaultdict(list)
        for edge in self.edges:
            successors[edge.source].append(edge.target)
        seen, stack = set(starts), list(starts)
        while stack:
            for nxt in successors[stack.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        for nid, res in live.items():
            if nid not in seen:
                label = _name(res.node) if res else nid
                self.add(
                    "unreachable",
                    f"Node {label} is not reachable from any input node, so it would never run.",
                    node=nid,
                )

    def _chat(self) -> None:
        """A flow talks through one chat input and one chat output (docs/engine.md, Chat)."""
        for kind in ("input", "output"):
            chats = [
                r.node.id
                for r in self.nodes.values()
                if r is not None and r.node.kind == kind and getattr(r.config, "chat", False)
            ]
            for extra in chats[1:]:
                self.add(
                    "chat_twice",
                    f"Only one {kind} node may be in chat mode; {chats[0]} already is.",
                    node=extra,
                    field="config.chat",
                )


def _unknown_port_message(edge: Edge, res: _Resolved, port: str, side: str) -> str:
    which = "output" if side == "source_port" else "input"
    if port == "error" and which == "output":
        return (
            f"Edge {edge.id}: {_name(res.node)} has no error output; set its on_error to "
            '"error_edge" to use one.'
        )
    names = ", ".join(p.name for p in (res.outputs if which == "output" else res.inputs))
    return (
        f'Edge {edge.id}: {_name(res.node)} has no {which} named "{port}" '
        f"(it has: {names or 'none'})."
    )


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
