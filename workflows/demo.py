"""The demo a new user finds: four agents, two tools and a research-team workflow; and the
"Assistant", a workflow to chat with out of the box (docs/chat.md)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from agents.models import Agent
from tools.models import Tool
from workflows.models import Workflow
from workflows.services import workflow_create

DEMO_WORKFLOW = "Research team"

AGENTS = [
    (
        "Planner",
        "Breaks a question into research tasks",
        "You are a planner. Split the user's question into two short, distinct research tasks.",
    ),
    (
        "Researcher",
        "Investigates one task and reports facts",
        "You are a researcher. Answer the task you are given with concise, factual notes.",
    ),
    (
        "Critic",
        "Checks research for gaps and errors",
        "You are a critic. Point out errors, gaps and contradictions in the notes you are given.",
    ),
    (
        "Writer",
        "Writes the final answer",
        "You are a writer. Write a clear, short answer from the notes and the critique.",
    ),
]

TOOLS = [
    (
        "word_count",
        "Counts the words in a text.",
        {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
        {"code": "result = len(inputs['text'].split())"},
    ),
    (
        "title_case",
        "Turns a text into Title Case.",
        {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
        {"code": "result = inputs['text'].title()"},
    ),
]


def _node(node_id: str, kind: str, label: str, x: int, y: int, **config: Any) -> dict[str, Any]:
    return {
        "id": node_id,
        "kind": kind,
        "label": label,
        "position": {"x": x, "y": y},
        "config": config,
    }


def _edge(
    source: str, target: str, source_port: str = "out", target_port: str = "in"
) -> dict[str, Any]:
    return {
        "id": f"{source}-{target}",
        "source": source,
        "source_port": source_port,
        "target": target,
        "target_port": target_port,
    }


def demo_graph() -> dict[str, Any]:
    nodes = [
        _node(
            "question",
            "input",
            "Question",
            0,
            160,
            name="question",
            type="text",
            required=True,
            description="What should the team research?",
        ),
        _node("planner", "agent", "Planner", 240, 160, agent="Planner", prompt="{{in}}"),
        _node(
            "research_a",
            "agent",
            "Researcher A",
            500,
            60,
            agent="Researcher",
            prompt="Research the first task of this plan:\n{{in}}",
        ),
        _node(
            "research_b",
            "agent",
            "Researcher B",
            500,
            260,
            agent="Researcher",
            prompt="Research the second task of this plan:\n{{in}}",
        ),
        _node("join", "join", "Merge notes", 760, 160, policy="all"),
        _node("critic", "agent", "Critic", 980, 160, agent="Critic", prompt="{{in}}"),
        _node("writer", "agent", "Writer", 1200, 160, agent="Writer", prompt="{{in}}"),
        _node("answer", "output", "Answer", 1420, 160),
    ]
    edges = [
        _edge("question", "planner"),
        _edge("planner", "research_a"),
        _edge("planner", "research_b"),
        _edge("research_a", "join"),
        _edge("research_b", "join"),
        _edge("join", "critic"),
        _edge("critic", "writer"),
        _edge("writer", "answer"),
    ]
    return {"schema_version": 1, "nodes": nodes, "edges": edges}


def demo_seed(*, owner: Any) -> bool:
    """Create the demo for `owner` unless it is there already; True when created."""
    if Workflow.objects.filter(owner=owner, name=DEMO_WORKFLOW).exists():
        return False
    with transaction.atomic():
        for name, role, prompt in AGENTS:
            Agent.objects.get_or_create(
                owner=owner, name=name, defaults={"role": role, "system_prompt": prompt}
            )
        for name, description, schema, config in TOOLS:
            Tool.objects.get_or_create(
                owner=owner,
                name=name,
                defaults={
                    "kind": Tool.Kind.PYTHON,
                    "description": description,
                    "input_schema": schema,
                    "config": config,
                },
            )
        workflow_create(
            owner=owner,
            name=DEMO_WORKFLOW,
            graph=demo_graph(),
            description="A planner, two researchers in parallel, a critic and a writer.",
            message="Demo",
        )
    return True


ASSISTANT_WORKFLOW = "Assistant"
ASSISTANT_AGENT = (
    "Assistant",
    "Answers in a conversation, with a calculator, your knowledge base and session memory",
    "You are a helpful assistant in a conversation. Answer briefly and clearly. Use the "
    "calculator for arithmetic and knowledge_search to look things up in the user's documents. "
    "To remember something for the rest of this conversation, call memory_write with scope "
    '"session"; read it back with memory_read and the same scope.',
)
ASSISTANT_TOOLS = ["calculator", "knowledge_search", "memory_read", "memory_write"]


def assistant_graph() -> dict[str, Any]:
    nodes = [
        _node("chat", "input", "Message", 0, 160, name="message", type="text", chat=True),
        _node("assistant", "agent", "Assistant", 300, 160, agent="Assistant", prompt="{{in}}"),
        _node(
            "remember",
            "memory_write",
            "Remember the questions",
            300,
            340,
            key="questions",
            policy="append",
            scope="session",
        ),
        _node("answer", "output", "Answer", 600, 160, name="answer", chat=True),
    ]
    edges = [
        _edge("chat", "assistant"),
        {**_edge("chat", "assistant", "history", "history"), "id": "chat-assistant-history"},
        _edge("chat", "remember"),
        _edge("assistant", "answer"),
    ]
    return {"schema_version": 1, "nodes": nodes, "edges": edges}


def assistant_seed(*, owner: Any) -> bool:
    """Create the Assistant agent and workflow for `owner` unless there; True when created."""
    if Workflow.objects.filter(owner=owner, name=ASSISTANT_WORKFLOW).exists():
        return False
    name, role, prompt = ASSISTANT_AGENT
    with transaction.atomic():
        Agent.objects.get_or_create(
            owner=owner,
            name=name,
            defaults={"role": role, "system_prompt": prompt, "builtin_tools": ASSISTANT_TOOLS},
        )
        workflow_create(
            owner=owner,
            name=ASSISTANT_WORKFLOW,
            graph=assistant_graph(),
            description="Chat with an agent that can calculate, search your knowledge and "
            "remember what was said in the session. Runs on the builtin model.",
            message="Assistant",
        )
    return True
