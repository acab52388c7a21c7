"""Flowise exports: Agentflow v2 (``*Agentflow`` nodes wired as a flow) and chatflows
(LangChain components wired into a chain or an agent, see ``flowise_chatflow``).

An Agentflow v2 node is ``{"id", "position", "data": {"name", "label", "inputs": {...}}}``;
an edge is ``{"source", "sourceHandle", "target", "targetHandle"}`` where a condition's
``sourceHandle`` ends in ``-output-<index>`` (the last index is "else"). A loop node jumps
back to ``inputs.loopBackToNode`` at most ``maxLoopCount`` times; an iteration node holds
its children (``parentNode``). The mapping table is ``AGENTFLOW`` below.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
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
from workflows.importers.shape import bridge_notes, ensure_ends, node_of

Ctx = dict[str, Any]  # builder, report, known models, agents to create
Mapper = Callable[[Ctx, str, dict[str, Any]], None]


def _inputs(data: dict[str, Any]) -> dict[str, Any]:
    inputs = data.get("inputs")
    return inputs if isinstance(inputs, dict) else {}


def _model(ctx: Ctx, inputs: dict[str, Any], key: str, where: str) -> str:
    config = inputs.get(f"{key}Config")
    if not isinstance(config, dict):
        config = {}
    name = str(config.get("modelName") or config.get("model") or "")
    return map_model(str(inputs.get(key) or ""), name, ctx["known"], ctx["report"], where)


def _messages(inputs: dict[str, Any], key: str) -> tuple[str, str]:
    """(system prompt, user prompt) from a Flowise messages list."""
    system: list[str] = []
    user: list[str] = []
    for message in inputs.get(key) or []:
        if isinstance(message, dict):
            text = placeholders(str(message.get("content", "")), {})
            (system if message.get("role") in ("system", "developer") else user).append(text)
    prompt = "\n\n".join(user)
    if "{{in}}" not in prompt:
        prompt = (prompt + "\n\n{{in}}").strip()
    return "\n\n".join(system), prompt


def _start(ctx: Ctx, node_id: str, data: dict[str, Any]) -> None:
    inputs = _inputs(data)
    ctx["builder"].add(
        node_id, "input", data.get("label") or "Start", name="question", type="text", required=False
    )
    if inputs.get("startInputType") == "formInput":
        ctx["report"].add(
            "approximated",
            node_id,
            "input",
            "a form start becomes one text input named “question”.",
        )
    else:
        ctx["report"].add("mapped", node_id, "input", "the chat input starts the flow.")


def _llm(ctx: Ctx, node_id: str, data: dict[str, Any]) -> None:
    inputs = _inputs(data)
    system, prompt = _messages(inputs, "llmMessages")
    model = _model(ctx, inputs, "llmModel", data.get("label") or node_id)
    ctx["builder"].add(
        node_id, "llm", data.get("label") or "LLM", model=model, system=system, prompt=prompt
    )
    ctx["report"].add("mapped", node_id, "llm", "model and messages became an LLM node.")


def _agent(ctx: Ctx, node_id: str, data: dict[str, Any]) -> None:
    inputs = _inputs(data)
    system, prompt = _messages(inputs, "agentMessages")
    name = str(data.get("label") or node_id)[:100]
    builtin: list[str] = []
    missing: list[str] = []
    for tool in inputs.get("agentTools") or []:
        picked = str(tool.get("agentSelectedTool", "")) if isinstance(tool, dict) else ""
        ours = map_tool(picked)
        if ours:
            builtin.append(ours)
        else:
            missing.append(picked)
    ctx["agents"].append(
        {
            "name": name,
            "system_prompt": system,
            "model": _model(ctx, inputs, "agentModel", name),
            "builtin_tools": sorted(set(builtin)),
        }
    )
    ctx["builder"].add(node_id, "agent", name, agent=name, prompt=prompt)
    why = f"an agent with {len(builtin)} tool(s)"
    if missing:
        ctx["report"].add(
            "approximated",
            node_id,
            "agent",
            f"{why}; no builtin fits {', '.join(missing)}, so they were left out.",
        )
    else:
        ctx["report"].add("mapped", node_id, "agent", why + ".")


OPERATIONS = {
    "equal": "{v} == {b}",
    "notEqual": "{v} != {b}",
    "contains": "{b} in str({v})",
    "notContains": "{b} not in str({v})",
    "startsWith": "str({v}).startswith({b})",
    "endsWith": "str({v}).endswith({b})",
    "isEmpty": "len(str({v})) == 0",
    "notEmpty": "len(str({v})) > 0",
    "larger": "float({v}) > {b}",
    "largerEqual": "float({v}) >= {b}",
    "smaller": "float({v}) < {b}",
    "smallerEqual": "float({v}) <= {b}",
}


def _expression(condition: dict[str, Any]) -> str:
    """Our expression for one Flowise condition (on the node's input, ``value``)."""
    kind, operation = condition.get("type", "string"), condition.get("operation", "equal")
    raw = condition.get("value2", "")
    if kind == "number":
        try:
            right = repr(float(raw))
        except (TypeError, ValueError):
            right = "0.0"
    elif kind == "boolean":
        right = "True" if str(raw).lower() == "true" else "False"
    else:
        right = json.dumps(str(raw))
    template = OPERATIONS.get(str(operation), "{b} in str({v})")
    return template.format(v="value", b=right)


def _condition(ctx: Ctx, node_id: str, data: dict[str, Any]) -> None:
    conditions = [c for c in _inputs(data).get("conditions") or [] if isinstance(c, dict)]
    label = data.get("label") or "Condition"
    if len(conditions) <= 1:
        expression = _expression(conditions[0] if conditions else {})
        ctx["builder"].add(node_id, "condition", label, expression=expression)
        ctx["ports"][node_id] = ["true", "false"]
    else:
        routes = []
        for index, condition in enumerate(conditions):
            routes.append({"name": f"case_{index}", "expression": _expression(condition)})
        ctx["builder"].add(node_id, "router", label, mode="rule", routes=routes)
        ctx["ports"][node_id] = [r["name"] for r in routes] + ["default"]
    ctx["report"].add(
        "approximated",
        node_id,
        ctx["builder"].nodes[-1]["kind"],
        "the compared value is the node's input (Flowise variables such as "
        "$flow.state are not carried over).",
    )


def _condition_agent(ctx: Ctx, node_id: str, data: dict[str, Any]) -> None:
    inputs = _inputs(data)
    scenarios = [s for s in inputs.get("conditionAgentScenarios") or [] if isinstance(s, dict)]
    routes = [
        {"name": f"scenario_{i}", "description": str(s.get("scenario", ""))}
        for i, s in enumerate(scenarios or [{}])
    ]
    model = _model(ctx, inputs, "conditionAgentModel", data.get("label") or node_id)
    ctx["builder"].add(
        node_id,
        "router",
        data.get("label") or "Condition agent",
        mode="llm",
        model=model,
        routes=routes,
        prompt=str(inputs.get("conditionAgentInstructions") or ""),
    )
    ctx["ports"][node_id] = [r["name"] for r in routes] + ["default"]
    ctx["report"].add("mapped", node_id, "router", "its scenarios became an LLM router's routes.")


def _human(ctx: Ctx, node_id: str, data: dict[str, Any]) -> None:
    inputs = _inputs(data)
    prompt = str(inputs.get("humanInputDescription") or "Please review and approve.")
    ctx["builder"].add(
        node_id, "approval", data.get("label") or "Human input", prompt=placeholders(prompt, {})
    )
    ctx["ports"][node_id] = ["approved", "rejected"]
    ctx["report"].add("mapped", node_id, "approval", "proceed → approved, reject → rejected.")


def _reply(ctx: Ctx, node_id: str, data: dict[str, Any]) -> None:
    label = str(data.get("label") or "Reply")
    taken = {n["config"].get("name") for n in ctx["builder"].nodes if n["kind"] == "output"}
    name = safe_id(label.lower())
    ctx["builder"].add(node_id, "output", label, name=name if name not in taken else node_id)
    ctx["report"].add("mapped", node_id, "output", "the direct reply is an output.")


def _retriever(ctx: Ctx, node_id: str, data: dict[str, Any]) -> None:
    ctx["builder"].add(
        node_id,
        "tool",
        data.get("label") or "Retriever",
        tool="knowledge_search",
        arguments={"query": "{{in}}", "k": 4},
    )
    ctx["report"].add(
        "approximated",
        node_id,
        "tool",
        "searches all your knowledge collections (Flowise document stores are not imported).",
    )


def _tool(ctx: Ctx, node_id: str, data: dict[str, Any]) -> None:
    picked = str(_inputs(data).get("toolAgentflowSelectedTool") or "")
    ours = map_tool(picked)
    if ours is None:
        _note(ctx, node_id, data, f"no builtin tool fits “{picked}”.")
        return
    ctx["builder"].add(node_id, "tool", data.get("label") or picked, tool=ours)
    ctx["report"].add("mapped", node_id, "tool", f"{picked} → the builtin {ours}.")


def _loop(ctx: Ctx, node_id: str, data: dict[str, Any]) -> None:
    inputs = _inputs(data)
    try:
        count = max(1, min(int(inputs.get("maxLoopCount") or 5), 1000))
    except (TypeError, ValueError):
        count = 5
    ctx["builder"].add(node_id, "loop", data.get("label") or "Loop", max_iterations=count)
    back = str(inputs.get("loopBackToNode") or "").split("-")[0]
    ctx["loops"].append((node_id, back))
    ctx["report"].add(
        "approximated",
        node_id,
        "loop",
        f"the nodes from “{back}” to here repeat at most {count} times as the loop's body.",
    )


def _iteration(ctx: Ctx, node_id: str, data: dict[str, Any]) -> None:
    ctx["builder"].add(node_id, "map", data.get("label") or "Iteration")
    ctx["maps"].append(node_id)
    ctx["report"].add("mapped", node_id, "map", "its child nodes run once per item.")


def _sticky(ctx: Ctx, node_id: str, data: dict[str, Any]) -> None:
    ctx["builder"].add(
        node_id, "note", data.get("label") or "Note", text=str(_inputs(data).get("note") or "")
    )
    ctx["report"].add("mapped", node_id, "note", "a sticky note.")


def _note(ctx: Ctx, node_id: str, data: dict[str, Any], why: str) -> None:
    label = str(data.get("label") or data.get("name") or node_id)
    ctx["builder"].add(node_id, "note", label, text=note_text(label, why, _inputs(data)))
    ctx["report"].add("dropped", node_id, "note", why + " Its configuration is kept in a note.")


AGENTFLOW: dict[str, Mapper] = {
    "startAgentflow": _start,
    "llmAgentflow": _llm,
    "agentAgentflow": _agent,
    "conditionAgentflow": _condition,
    "conditionAgentAgentflow": _condition_agent,
    "humanInputAgentflow": _human,
    "directReplyAgentflow": _reply,
    "retrieverAgentflow": _retriever,
    "toolAgentflow": _tool,
    "loopAgentflow": _loop,
    "iterationAgentflow": _iteration,
    "stickyNoteAgentflow": _sticky,
}
UNSUPPORTED = {
    "customFunctionAgentflow": "custom JavaScript is never run here; the code is kept as text.",
    "executeFlowAgentflow": "running another Flowise flow is not imported.",
    "httpAgentflow": "HTTP calls are not imported (use the http_request tool by hand).",
}


def is_agentflow(document: dict[str, Any]) -> bool:
    return any(
        str(_data(n).get("name", "")).endswith("Agentflow") for n in document.get("nodes", [])
    )


def _data(node: Any) -> dict[str, Any]:
    data = node.get("data") if isinstance(node, dict) else None
    return data if isinstance(data, dict) else {}


def _port(ctx: Ctx, node_id: str, handle: str, side: str) -> str:
    ports = ctx["ports"].get(node_id)
    if side == "source" and ports and "-output-" in handle:
        tail = handle.rsplit("-", 1)[-1]
        if tail.isdigit() and int(tail) < len(ports):
            return str(ports[int(tail)])
        return str(ports[-1])
    kind = (node_of(ctx["builder"], node_id) or {}).get("kind")
    if side == "target":
        return "items" if kind == "map" else "in"
    return "out"


def _wire(ctx: Ctx, edges: Iterable[Any], ids: dict[str, str]) -> None:
    for edge in edges:
        if not isinstance(edge, dict) or edge.get("source") not in ids:
            continue
        if edge.get("target") not in ids:
            continue
        source, target = ids[edge["source"]], ids[edge["target"]]
        ctx["builder"].connect(
            source,
            target,
            _port(ctx, source, str(edge.get("sourceHandle") or ""), "source"),
            _port(ctx, target, str(edge.get("targetHandle") or ""), "target"),
        )


def import_agentflow(document: dict[str, Any], known_models: Iterable[str]) -> Imported:
    from workflows.importers.flowise_bodies import cut_iterations, cut_loops

    nodes = document.get("nodes")
    if not isinstance(nodes, list):
        raise ImportFormatError("A Flowise export needs a list of nodes.")
    ctx: Ctx = {
        "builder": GraphBuilder(),
        "report": Report(),
        "known": list(known_models),
        "agents": [],
        "ports": {},
        "loops": [],
        "maps": [],
        "parents": {},
    }
    ids: dict[str, str] = {}
    for raw in nodes:
        data = _data(raw)
        node_id = safe_id(str(raw.get("id") or data.get("id") or f"n{len(ids)}"))
        ids[str(raw.get("id"))] = node_id
        if raw.get("parentNode"):
            ctx["parents"][node_id] = safe_id(str(raw["parentNode"]))
        name = str(data.get("name", ""))
        if name in AGENTFLOW:
            AGENTFLOW[name](ctx, node_id, data)
        else:
            _note(ctx, node_id, data, UNSUPPORTED.get(name, f"“{name}” has no equivalent here."))
    _wire(ctx, document.get("edges") or [], ids)
    bridge_notes(ctx["builder"], ctx["report"])
    cut_iterations(ctx)
    cut_loops(ctx)
    ensure_ends(ctx["builder"], ctx["report"])
    return Imported(
        name=str(document.get("name") or "Imported Flowise agentflow"),
        description=str(document.get("description") or ""),
        graph=ctx["builder"].graph(),
        report=ctx["report"],
        source_format="flowise-agentflow-v2",
        agents=ctx["agents"],
    )
