"""Flowise chatflows: LangChain components wired into a chain or an agent.

Edges here are dependencies, not data: a chat model, a prompt template and tools point into
the chain or agent that uses them (``targetHandle`` ``<node>-input-<field>-<type>``). Each
chain or agent nothing else consumes becomes one LLM or agent node between the chat input and
an output; what fed it is folded into its config. The mapping table is ``CATEGORIES``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from workflows.importers.common import (
    GraphBuilder,
    Imported,
    Report,
    map_model,
    map_tool,
    note_text,
    placeholders,
    safe_id,
)

#: Flowise category -> what its components become.
CATEGORIES = {
    "Chains": "llm",
    "Agents": "agent",
    "Chat Models": "model",
    "LLMs": "model",
    "Prompts": "prompt",
    "Tools": "tool",
    "Retrievers": "retrieval",
    "Vector Stores": "retrieval",
}
RETRIEVAL_CHAINS = ("retrievalQAChain", "conversationalRetrievalQAChain")


def _data(node: dict[str, Any]) -> dict[str, Any]:
    data = node.get("data")
    return data if isinstance(data, dict) else {}


def _role(node: dict[str, Any]) -> str:
    return CATEGORIES.get(str(_data(node).get("category", "")), "other")


def _prompt(node: dict[str, Any]) -> tuple[str, str]:
    inputs = _data(node).get("inputs") or {}
    if "template" in inputs:
        return "", placeholders(str(inputs["template"]), {})
    system = placeholders(str(inputs.get("systemMessagePrompt") or ""), {})
    return system, placeholders(str(inputs.get("humanMessagePrompt") or "{{in}}"), {})


class _Chatflow:
    def __init__(self, document: dict[str, Any], known: list[str]) -> None:
        self.nodes = {str(n.get("id")): n for n in document.get("nodes", []) if isinstance(n, dict)}
        self.edges = [e for e in document.get("edges", []) if isinstance(e, dict)]
        self.known, self.report, self.builder = known, Report(), GraphBuilder()
        self.agents: list[dict[str, Any]] = []
        self.used: set[str] = set()

    def feeders(self, node_id: str) -> list[dict[str, Any]]:
        return [
            self.nodes[e["source"]]
            for e in self.edges
            if e.get("target") == node_id and e.get("source") in self.nodes
        ]

    def ends(self) -> list[str]:
        consumers = {e.get("source") for e in self.edges}
        return [
            i for i, n in self.nodes.items() if _role(n) in ("llm", "agent") and i not in consumers
        ]

    def model(self, end_id: str) -> str:
        for feeder in self.feeders(end_id):
            if _role(feeder) == "model":
                self.used.add(str(feeder["id"]))
                inputs = _data(feeder).get("inputs") or {}
                self.report.add(
                    "mapped", str(feeder["id"]), "model", "its model is the node's model."
                )
                return map_model(
                    str(_data(feeder).get("name", "")),
                    str(inputs.get("modelName") or inputs.get("model") or ""),
                    self.known,
                    self.report,
                    str(feeder["id"]),
                )
        return map_model("", "", self.known, self.report, end_id)

    def build(self, end_id: str, index: int) -> None:
        end = self.nodes[end_id]
        data, node_id = _data(end), safe_id(end_id)
        self.used.add(end_id)
        model, system, prompt = self.model(end_id), "", "{{in}}"
        source = "input"
        tools = []
        for feeder in self.feeders(end_id):
            role, fid = _role(feeder), str(feeder["id"])
            if role == "prompt":
                system, prompt = _prompt(feeder)
                self.used.add(fid)
                self.report.add("mapped", fid, "llm", "the prompt template is the node's prompt.")
            elif role == "tool":
                ours = map_tool(str(_data(feeder).get("name", "")))
                if ours:
                    tools.append(ours)
                    self.used.add(fid)
                    self.report.add("mapped", fid, "tool", f"the builtin {ours}.")
            elif role == "retrieval" or data.get("name") in RETRIEVAL_CHAINS:
                self.used.add(fid)
                search = f"{node_id}_search"
                self.builder.add(
                    search,
                    "tool",
                    "Knowledge search",
                    tool="knowledge_search",
                    arguments={"query": "{{in}}", "k": 4},
                )
                self.builder.connect("input", search)
                source = search
                self.report.add(
                    "approximated",
                    fid,
                    "tool",
                    "searches your knowledge collections (the vector store is not imported).",
                )
        label = str(data.get("label") or data.get("name") or end_id)
        if _role(end) == "agent":
            system = str((data.get("inputs") or {}).get("systemMessage") or system)
            self.agents.append(
                {
                    "name": label[:100],
                    "system_prompt": system,
                    "model": model,
                    "builtin_tools": sorted(set(tools)),
                }
            )
            self.builder.add(node_id, "agent", label, agent=label[:100], prompt=prompt)
        else:
            if source != "input":
                prompt = "Answer from these passages:\n{{in}}"
            self.builder.add(node_id, "llm", label, model=model, system=system, prompt=prompt)
        self.report.add("mapped", end_id, _role(end), "the chain's end: it answers the input.")
        self.builder.connect(source, node_id)
        self.builder.add(
            f"{node_id}_output", "output", "Answer", name=f"answer_{index}" if index else "answer"
        )
        self.builder.connect(node_id, f"{node_id}_output")

    def run(self, name: str) -> Imported:
        self.builder.add("input", "input", "Chat input", name="question", type="text")
        for index, end_id in enumerate(self.ends()):
            self.build(end_id, index)
        for node_id, node in self.nodes.items():
            if node_id in self.used:
                continue
            label = str(_data(node).get("label") or node_id)
            why = f"“{_data(node).get('name', '?')}” has no equivalent here."
            self.builder.add(
                safe_id(node_id),
                "note",
                label,
                text=note_text(label, why, _data(node).get("inputs") or {}),
            )
            self.report.add("dropped", node_id, "note", why + " Its configuration is in a note.")
        return Imported(
            name=name,
            description="",
            graph=self.builder.graph(),
            report=self.report,
            source_format="flowise-chatflow",
            agents=self.agents,
        )


def import_chatflow(document: dict[str, Any], known_models: Iterable[str]) -> Imported:
    flow = _Chatflow(document, list(known_models))
    return flow.run(str(document.get("name") or "Imported Flowise chatflow"))
