"""Langflow flow exports: ``{"name", "description", "data": {"nodes", "edges"}}``.

A node is ``{"id", "type": "genericNode" | "noteNode", "data": {"type": <component>,
"node": {"display_name", "template": {<field>: {"value"}}}}}``; an edge carries
``data.sourceHandle.name`` (the output) and ``data.targetHandle.fieldName`` (the input).
A Prompt's ``{variables}`` are inputs; it is folded into the model it feeds. A Loop sends
each item out of ``item``, gets it back into ``item`` and emits the list on ``done``: our map.
The mapping table is ``COMPONENTS``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from workflows.importers.common import (
    GraphBuilder,
    Imported,
    ImportFormatError,
    Report,
    map_model,
    map_tool,
    note_text,
    placeholders,
    safe_id,
)
from workflows.importers.shape import (
    bridge_notes,
    cut_body,
    ensure_ends,
    items_as_list,
    node_of,
)

MODELS = {
    "OpenAIModel": "openai",
    "AnthropicModel": "anthropic",
    "OllamaModel": "ollama",
    "GroqModel": "groq",
    "MistralModel": "mistral",
    "GoogleGenerativeAIModel": "google",
    "LanguageModelComponent": "",
}
COMPONENTS = {
    "ChatInput": "input",
    "TextInput": "input",
    "ChatOutput": "output",
    "TextOutput": "output",
    "Prompt": "prompt",
    "Agent": "agent",
    "ConditionalRouter": "condition",
    "LoopComponent": "map",
    "Loop": "map",
    **dict.fromkeys(MODELS, "llm"),
}
OPERATORS = {
    "equals": "{v} == {b}",
    "not equals": "{v} != {b}",
    "contains": "{b} in {v}",
    "starts with": "{v}.startswith({b})",
    "ends with": "{v}.endswith({b})",
}
PORTS = {"true_result": "true", "false_result": "false", "item": "item", "done": "out"}


def _template(node: dict[str, Any]) -> dict[str, Any]:
    template = ((node.get("data") or {}).get("node") or {}).get("template") or {}
    return template if isinstance(template, dict) else {}


def _value(node: dict[str, Any], field: str, default: Any = "") -> Any:
    entry = _template(node).get(field)
    if isinstance(entry, dict) and entry.get("value") not in (None, ""):
        return entry["value"]
    return default


def _label(node: dict[str, Any]) -> str:
    inner = (node.get("data") or {}).get("node") or {}
    return str(inner.get("display_name") or (node.get("data") or {}).get("type") or node["id"])


class _Langflow:
    def __init__(self, document: dict[str, Any], known: list[str]) -> None:
        data: dict[str, Any] = document.get("data") or {}
        nodes, edges = data.get("nodes"), data.get("edges")
        if not isinstance(nodes, list) or not isinstance(edges, list):
            raise ImportFormatError("A Langflow export needs data.nodes and data.edges lists.")
        self.nodes = {str(n.get("id")): n for n in nodes if isinstance(n, dict)}
        self.edges = [e for e in edges if isinstance(e, dict)]
        self.known, self.report, self.builder = known, Report(), GraphBuilder()
        self.agents: list[dict[str, Any]] = []
        self.kinds: dict[str, str] = {}

    def kind(self, node: dict[str, Any]) -> str:
        if node.get("type") == "noteNode":
            return "note"
        component = str((node.get("data") or {}).get("type", ""))
        if map_tool(component.removesuffix("Component").removesuffix("Tool")):
            return "tool"
        return COMPONENTS.get(component, "other")

    def model(self, node: dict[str, Any]) -> str:
        component = str((node.get("data") or {}).get("type", ""))
        provider = MODELS.get(component) or str(
            _value(node, "provider", "") or _value(node, "agent_llm", "")
        )
        name = str(_value(node, "model_name", "") or _value(node, "model", ""))
        return map_model(provider, name, self.known, self.report, _label(node))

    def add(self, raw_id: str, node: dict[str, Any]) -> None:
        node_id, kind, label = safe_id(raw_id), self.kind(node), _label(node)
        self.kinds[raw_id] = kind
        b, r = self.builder, self.report
        if kind == "input":
            b.add(
                node_id,
                "input",
                label,
                name=safe_id(label.lower()),
                type="text",
                default=_value(node, "input_value", None),
            )
        elif kind == "output":
            b.add(node_id, "output", label, name=safe_id(label.lower()))
        elif kind == "llm":
            b.add(
                node_id,
                "llm",
                label,
                model=self.model(node),
                system=str(_value(node, "system_message")),
                prompt="{{in}}",
            )
        elif kind == "agent":
            self.agents.append(
                {
                    "name": label[:100],
                    "model": self.model(node),
                    "builtin_tools": [],
                    "system_prompt": str(_value(node, "system_prompt")),
                }
            )
            b.add(node_id, "agent", label, agent=label[:100])
        elif kind == "condition":
            b.add(node_id, "condition", label, expression=self.expression(node))
        elif kind == "map":
            b.add(node_id, "map", label)
        elif kind == "tool":
            component = str((node.get("data") or {}).get("type", ""))
            tool = map_tool(component.removesuffix("Component").removesuffix("Tool")) or ""
            b.add(node_id, "tool", label, tool=tool)
        elif kind == "note":
            text = str(((node.get("data") or {}).get("node") or {}).get("description", ""))
            b.add(node_id, "note", "Note", text=text)
        elif kind == "prompt":
            return  # folded into what it feeds (see fold_prompt)
        else:
            why = f"“{(node.get('data') or {}).get('type', '?')}” has no equivalent here."
            b.add(node_id, "note", label, text=note_text(label, why, _template(node)))
            r.add("dropped", raw_id, "note", why + " Its configuration (code as text) is kept.")
            return
        r.add("mapped", raw_id, kind, f"“{label}” → {kind}.")

    def expression(self, node: dict[str, Any]) -> str:
        operator = str(_value(node, "operator", "equals"))
        match = str(_value(node, "match_text", ""))
        sensitive = bool(_value(node, "case_sensitive", False))
        left = "str(value)" if sensitive else "lower(str(value))"
        right = json.dumps(match if sensitive else match.lower())
        if operator not in OPERATORS:
            self.report.add(
                "approximated",
                str(node["id"]),
                "condition",
                f"the operator “{operator}” became “contains”.",
            )
        return OPERATORS.get(operator, OPERATORS["contains"]).format(v=left, b=right)

    def fold_prompt(self, raw_id: str) -> None:
        """The prompt text goes into the model or agent it feeds; its inputs feed that node."""
        node = self.nodes[raw_id]
        text = placeholders(str(_value(node, "template", "{{in}}")), {})
        feeds = [e for e in self.edges if e.get("source") == raw_id]
        sources = [e for e in self.edges if e.get("target") == raw_id]
        for edge in feeds:
            target = node_of(self.builder, safe_id(str(edge.get("target"))))
            if target is None or target["kind"] not in ("llm", "agent"):
                continue
            field = _field(edge)
            if field == "system_message" and target["kind"] == "llm":
                target["config"]["system"] = text
            else:
                target["config"]["prompt"] = text
            for source in sources[:1]:
                self.builder.connect(
                    safe_id(str(source["source"])), target["id"], self.port(source, "source"), "in"
                )
        if len(sources) > 1:
            self.report.add(
                "approximated",
                raw_id,
                "prompt",
                f"only the first of its {len(sources)} variables gets a value ({{{{in}}}}).",
            )
        else:
            self.report.add("mapped", raw_id, "prompt", "its text is the model's prompt.")

    def port(self, edge: dict[str, Any], side: str) -> str:
        if side == "source":
            name = str(((edge.get("data") or {}).get("sourceHandle") or {}).get("name", ""))
            return PORTS.get(name, "out")
        target = self.kinds.get(str(edge.get("target")))
        return "items" if target == "map" and _field(edge) != "item" else "in"

    def wire(self) -> None:
        for edge in self.edges:
            source, target = str(edge.get("source")), str(edge.get("target"))
            if self.kinds.get(source) == "prompt" or self.kinds.get(target) == "prompt":
                continue
            if self.kinds.get(target) == "agent" and _field(edge) == "tools":
                self.give_tool(source, target)
                continue
            if source in self.nodes and target in self.nodes:
                self.builder.connect(
                    safe_id(source),
                    safe_id(target),
                    self.port(edge, "source"),
                    self.port(edge, "target"),
                )

    def give_tool(self, source: str, agent_id: str) -> None:
        tool = node_of(self.builder, safe_id(source))
        agent = node_of(self.builder, safe_id(agent_id))
        if tool is None or agent is None or tool["kind"] != "tool":
            return
        spec = next(a for a in self.agents if a["name"] == agent["config"]["agent"])
        spec["builtin_tools"] = sorted({*spec["builtin_tools"], tool["config"]["tool"]})
        self.builder.nodes.remove(tool)

    def loops(self) -> None:
        for raw_id, kind in self.kinds.items():
            if kind != "map":
                continue
            loop_id = safe_id(raw_id)
            starts = [
                e["target"]
                for e in self.builder.edges
                if e["source"] == loop_id and e["source_port"] == "item"
            ]
            members: set[str] = set()
            while starts:
                current = starts.pop()
                if current in members or current == loop_id:
                    continue
                members.add(current)
                starts += [e["target"] for e in self.builder.edges if e["source"] == current]
            cut_body(
                self.builder,
                loop_id,
                [n["id"] for n in self.builder.nodes if n["id"] in members],
                "item",
                "result",
                "items",
            )
            items_as_list(self.builder, loop_id, self.report)

    def run(self, name: str, description: str) -> Imported:
        for raw_id, node in self.nodes.items():
            self.add(raw_id, node)
        self.wire()
        for raw_id, kind in list(self.kinds.items()):
            if kind == "prompt":
                self.fold_prompt(raw_id)
        bridge_notes(self.builder, self.report)
        self.loops()
        ensure_ends(self.builder, self.report)
        return Imported(
            name=name,
            description=description,
            graph=self.builder.graph(),
            report=self.report,
            source_format="langflow",
            agents=self.agents,
        )


def _field(edge: dict[str, Any]) -> str:
    return str(((edge.get("data") or {}).get("targetHandle") or {}).get("fieldName", ""))


def is_langflow(document: dict[str, Any]) -> bool:
    data = document.get("data")
    return isinstance(data, dict) and isinstance(data.get("nodes"), list)


def import_langflow(document: dict[str, Any], known_models: Iterable[str]) -> Imported:
    flow = _Langflow(document, list(known_models))
    return flow.run(
        str(document.get("name") or "Imported Langflow flow"),
        str(document.get("description") or ""),
    )
