"""What every importer shares: the report, the graph being built, model and tool mapping.

An importer is a pure function ``(document, known_models) -> Imported``: no Django, no
network, no execution of anything in the document (embedded code is copied as text into a
note). ``known_models`` are the model references of the registry; a model the import names
that is not among them becomes the builtin model, with a warning in the report.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from workflows.importers.layout import layout

BUILTIN_MODEL = "builtin:smollm2-135m"

#: Tools of the other tools that have an equivalent builtin of ours (lower-cased names).
BUILTIN_TOOLS = {
    "calculator": "calculator",
    "python_repl": "python",
    "pythonrepl": "python",
    "pythonrepltool": "python",
    "code_interpreter": "python",
    "codeinterpreter": "python",
    "requests_get": "http_request",
    "requestsget": "http_request",
    "requests_post": "http_request",
    "requestspost": "http_request",
    "api_request": "http_request",
    "apirequest": "http_request",
    "retriever": "knowledge_search",
    "retrievertool": "knowledge_search",
    "search_api": "knowledge_search",
    "json_tool": "json",
}

#: Providers of the other tools and the provider of ours their models go to.
PROVIDERS = {
    "chatanthropic": "anthropic",
    "anthropic": "anthropic",
    "anthropicmodel": "anthropic",
    "chatollama": "ollama",
    "ollama": "ollama",
    "ollamamodel": "ollama",
}


@dataclass
class Report:
    """Per source component: what became of it and why."""

    mapped: list[dict[str, str]] = field(default_factory=list)
    approximated: list[dict[str, str]] = field(default_factory=list)
    dropped: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, bucket: str, source: str, kind: str, why: str) -> None:
        getattr(self, bucket).append({"source": source, "kind": kind, "why": why})

    def as_dict(self) -> dict[str, Any]:
        return {
            "mapped": self.mapped,
            "approximated": self.approximated,
            "dropped": self.dropped,
            "warnings": self.warnings,
        }


@dataclass
class Imported:
    name: str
    description: str
    graph: dict[str, Any]
    report: Report
    source_format: str
    agents: list[dict[str, Any]] = field(default_factory=list)  # {name, system_prompt, model,
    # builtin_tools}: the agents the graph's agent nodes name, created when it is saved


class ImportFormatError(ValueError):
    """The file is not a document this importer understands; the message says why."""


@dataclass
class GraphBuilder:
    """Nodes and edges of the graph being imported, with ids made safe and unique."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)

    def add(self, node_id: str, kind: str, label: str, **config: Any) -> dict[str, Any]:
        node = {"id": node_id, "kind": kind, "label": label[:200], "config": config}
        self.nodes.append(node)
        return node

    def connect(
        self, source: str, target: str, source_port: str = "out", target_port: str = "in"
    ) -> None:
        edge_id = f"{source}.{source_port}-{target}.{target_port}"
        if any(e["id"] == edge_id for e in self.edges):
            return
        self.edges.append(
            {
                "id": edge_id,
                "source": source,
                "source_port": source_port,
                "target": target,
                "target_port": target_port,
            }
        )

    def graph(self) -> dict[str, Any]:
        return layout({"schema_version": 1, "nodes": self.nodes, "edges": self.edges})


def safe_id(raw: str) -> str:
    """Our node ids: letters, digits, underscores."""
    return re.sub(r"[^A-Za-z0-9_]", "_", raw)[:80] or "node"


def note_text(title: str, why: str, original: Any) -> str:
    """A note keeping the original configuration (code included, as text only)."""
    body = json.dumps(original, indent=2, ensure_ascii=False, default=str)
    if len(body) > 20_000:
        body = body[:20_000] + "\n… (cut)"
    return f"{title}\n{why}\n\nOriginal configuration:\n{body}"


def map_model(provider: str, name: str, known: Iterable[str], report: Report, where: str) -> str:
    """Our model reference for the other tool's provider + model name."""
    ours = PROVIDERS.get(provider.lower().replace("_", ""))
    ref = f"{ours}:{name}" if ours and name else ""
    if ref and ref in set(known):
        return ref
    shown = f"{provider} {name}".strip() or "no model"
    report.warnings.append(
        f"{where}: the model “{shown}” is not in the model registry; it uses the builtin "
        f"model ({BUILTIN_MODEL}) instead."
    )
    return BUILTIN_MODEL


def map_tool(name: str) -> str | None:
    key = re.sub(r"[^a-z0-9_]", "", name.lower())
    return BUILTIN_TOOLS.get(key) or BUILTIN_TOOLS.get(key.replace("_", ""))


def placeholders(text: str, names: dict[str, str]) -> str:
    """The other tool's ``{var}`` / ``{{var}}`` placeholders as ours (``{{in}}`` when unknown)."""

    def swap(match: re.Match[str]) -> str:
        return "{{" + names.get(match.group(1), "in") + "}}"

    text = re.sub(r"\{\{\s*([\w.$\[\]]+)\s*\}\}", swap, text)
    return re.sub(r"(?<!\{)\{\s*([A-Za-z_]\w*)\s*\}(?!\})", swap, text)
