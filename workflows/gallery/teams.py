"""Templates of agent teams: a supervisor and its delegates, a pipeline of roles, research
judged by a critic panel, refinement in a loop, an approval before publishing, a blackboard."""

from __future__ import annotations

from typing import Any

from workflows.gallery.spec import (
    AgentSpec,
    Template,
    chain,
    edge,
    graph,
    node,
    output,
    text_input,
)

ROLES = (
    AgentSpec(
        "Product manager",
        "Turns a request into requirements",
        "You are a product manager. Write short, numbered requirements for the request.",
    ),
    AgentSpec(
        "Architect",
        "Designs the solution",
        "You are a software architect. Propose a "
        "simple design (components and data) for the requirements.",
    ),
    AgentSpec(
        "Programmer",
        "Writes the code",
        "You are a programmer. Write concise Python code for the design you are given.",
    ),
    AgentSpec(
        "Tester",
        "Finds defects",
        "You are a tester. List test cases and the defects you expect in the code you are given.",
    ),
)
SUPERVISOR = AgentSpec(
    "Supervisor",
    "Leads the software team",
    "You lead a software team. Delegate to the product manager, architect, programmer and "
    "tester, then report the result in a few lines.",
    delegates=tuple(role.name for role in ROLES),
)


def _supervisor(model: str) -> dict[str, Any]:
    return graph(
        [
            text_input("task", "Task", "What should the team build?"),
            node(
                "lead",
                "agent",
                "Supervisor",
                agent="Supervisor",
                prompt="Deliver this task with your team:\n{{in}}",
            ),
            output("report", "report", "Report"),
            node(
                "note",
                "note",
                "How it works",
                text="The supervisor delegates to the product "
                "manager, architect, programmer and tester (its delegates) and merges their "
                "answers.",
            ),
        ],
        chain("input", "lead", "report"),
    )


def _pipeline(model: str) -> dict[str, Any]:
    steps = [
        ("pm", "Product manager"),
        ("architect", "Architect"),
        ("programmer", "Programmer"),
        ("tester", "Tester"),
    ]
    return graph(
        [
            text_input("task", "Task", "What should the team build?"),
            *(node(i, "agent", name, agent=name) for i, name in steps),
            output("result", "result", "Test report"),
        ],
        chain("input", *(i for i, _ in steps), "result"),
    )


RESEARCH = (
    AgentSpec(
        "Planner",
        "Splits a question into research tasks",
        "You are a planner. Split the question into three short research tasks.",
    ),
    AgentSpec(
        "Researcher",
        "Investigates one task",
        "You are a researcher. Answer the task with concise, factual notes.",
    ),
    AgentSpec("Fact checker", "Checks facts", "You check facts. Start with APPROVE or REJECT."),
    AgentSpec("Skeptic", "Looks for gaps", "You look for gaps. Start with APPROVE or REJECT."),
    AgentSpec(
        "Writer",
        "Writes and revises answers",
        "You are a writer. Write a clear, short answer from the notes you are given.",
    ),
)


def _research(model: str) -> dict[str, Any]:
    branches = ("a", "b", "c")
    return graph(
        [
            text_input("question", "Question", "What should be researched?"),
            node("plan", "agent", "Planner", agent="Planner"),
            *(
                node(
                    f"research_{b}",
                    "agent",
                    f"Researcher {b.upper()}",
                    agent="Researcher",
                    prompt=f"Research task {i + 1} of this plan:\n{{{{in}}}}",
                )
                for i, b in enumerate(branches)
            ),
            node("merge", "join", "Merge notes", policy="all"),
            node("write", "agent", "Writer", agent="Writer"),
            node(
                "panel",
                "critic_panel",
                "Critic panel",
                critics=["Fact checker", "Skeptic"],
                reviser="Writer",
                rounds=2,
            ),
            output("answer", "answer", "Answer"),
            output("approved", "approved", "Approved?"),
        ],
        [
            edge("input", "plan"),
            *(edge("plan", f"research_{b}") for b in branches),
            *(edge(f"research_{b}", "merge") for b in branches),
            *chain("merge", "write", "panel", "answer"),
            edge("panel", "approved", "approved"),
        ],
    )


REVIEWER = AgentSpec(
    "Reviewer",
    "Approves or rejects drafts",
    "You review drafts. Start with APPROVE or REJECT, then one reason.",
)


def _refine(model: str) -> dict[str, Any]:
    body = graph(
        [
            node("state", "input", "Draft so far", name="state"),
            node(
                "revise",
                "agent",
                "Writer",
                agent="Writer",
                prompt="Improve this draft (a reviewer's verdict may follow it):\n{{in}}",
            ),
            node("review", "critic_panel", "Reviewer", critics=["Reviewer"]),
            node("pair", "join", "Draft + verdict", policy="all"),
            node("next", "output", "Next state", name="state"),
        ],
        [
            *chain("state", "revise", "review", "pair"),
            edge("review", "pair", "approved"),
            edge("pair", "next"),
        ],
    )
    return graph(
        [
            text_input("topic", "Topic", "What should be written?"),
            node(
                "draft",
                "agent",
                "First draft",
                agent="Writer",
                prompt="Write a short paragraph about: {{in}}",
            ),
            node(
                "loop",
                "loop",
                "Refine until approved",
                body=body,
                max_iterations=3,
                exit_condition="state[1]",
            ),
            output("result", "result", "Draft and verdict"),
        ],
        chain("input", "draft", "loop", "result"),
    )


def _publish(model: str) -> dict[str, Any]:
    return graph(
        [
            text_input("topic", "Topic", "What should the post be about?"),
            node(
                "draft",
                "agent",
                "Writer",
                agent="Writer",
                prompt="Write a three-sentence blog post about: {{in}}",
            ),
            node("gate", "approval", "Approve publishing", prompt="Publish this post?\n\n{{in}}"),
            node(
                "format",
                "llm",
                "Format for the web",
                model=model,
                max_tokens=96,
                prompt="Add a one-line title above this post:\n{{in}}",
            ),
            output("published", "published", "Published"),
            output("returned", "returned", "Sent back"),
        ],
        [
            *chain("input", "draft"),
            edge("draft", "gate"),
            edge("gate", "format", "approved"),
            edge("format", "published"),
            edge("gate", "returned", "rejected"),
        ],
    )


def _blackboard(model: str) -> dict[str, Any]:
    return graph(
        [
            text_input("topic", "Topic", "What should be researched?"),
            node("research", "agent", "Researcher", agent="Researcher"),
            node("remember", "memory_write", "Pin notes", key="notes", policy="append"),
            node("recall", "memory_read", "Read notes", key="notes"),
            node(
                "write",
                "agent",
                "Writer",
                agent="Writer",
                prompt="Write a short answer from these notes:\n{{in}}",
            ),
            output("answer", "answer", "Answer"),
        ],
        chain("input", "research", "remember", "recall", "write", "answer"),
    )


TEAMS = (
    Template(
        "software-team",
        "Software team with a supervisor",
        "Agent teams",
        "A supervisor agent delegates to a product manager, an architect, a programmer and "
        "a tester, then reports.",
        _supervisor,
        {"task": "A command-line tool that counts words in a file"},
        agents=(*ROLES, SUPERVISOR),
        tags=("delegation", "supervisor", "roles"),
    ),
    Template(
        "software-pipeline",
        "Software pipeline of roles",
        "Agent teams",
        "Requirements, design, code and tests: four role agents in a row, each building on "
        "the last.",
        _pipeline,
        {"task": "A to-do list API"},
        agents=ROLES,
        tags=("roles", "sequential"),
    ),
    Template(
        "research-critic-panel",
        "Parallel research judged by a critic panel",
        "Research",
        "A planner splits the question, three researchers work in parallel, a writer "
        "merges their notes and a critic panel votes (the writer revises on a rejection).",
        _research,
        {"question": "Why do multi-agent systems need oversight?"},
        agents=RESEARCH,
        tags=("parallel", "join", "critic", "reflection"),
    ),
    Template(
        "refine-until-approved",
        "Refine until a critic approves",
        "Quality",
        "A writer drafts, then a loop revises the draft and asks a reviewer until it "
        "approves (at most three rounds).",
        _refine,
        {"topic": "Local language models"},
        agents=(RESEARCH[4], REVIEWER),
        tags=("loop", "critic", "reflection"),
    ),
    Template(
        "approval-publish",
        "Publish after approval",
        "Human in the loop",
        "A writer drafts a post; the run pauses until a person approves it, then it is "
        "formatted and published (or sent back).",
        _publish,
        {"topic": "Our new release"},
        agents=(RESEARCH[4],),
        tags=("approval", "human", "publish"),
    ),
    Template(
        "shared-notes",
        "Research with shared notes",
        "Memory",
        "A researcher pins notes on the run's blackboard; a writer reads them back and answers.",
        _blackboard,
        {"topic": "Vector databases"},
        agents=(RESEARCH[1], RESEARCH[4]),
        tags=("memory", "blackboard"),
    ),
)
