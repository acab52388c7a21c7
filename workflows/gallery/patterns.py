"""Templates of flow patterns: triage by rules or by an LLM, the adaptive router, map-reduce,
question answering over a knowledge collection, a code-running agent, a length check."""

from __future__ import annotations

from typing import Any

from workflows.gallery.spec import (
    AgentSpec,
    KnowledgeSpec,
    Template,
    ToolSpec,
    chain,
    edge,
    graph,
    node,
    output,
    text_input,
)

DESKS = (
    AgentSpec(
        "Billing desk",
        "Answers billing questions",
        "You answer billing questions (invoices, refunds) politely in two sentences.",
    ),
    AgentSpec(
        "Tech support",
        "Answers technical problems",
        "You help with technical problems. Suggest one concrete next step.",
    ),
    AgentSpec(
        "Front desk", "Answers everything else", "You answer general questions briefly and kindly."
    ),
)
ROUTES = (("billing", "Billing desk"), ("bug", "Tech support"))


def _triage(router: dict[str, Any]) -> dict[str, Any]:
    desks = [*ROUTES, ("default", "Front desk")]
    return graph(
        [
            text_input("ticket", "Ticket", "The customer's message."),
            node("route", "router", "Triage", **router),
            *(node(f"desk_{r}", "agent", name, agent=name) for r, name in desks),
            node("reply", "join", "Whichever answered", policy="all"),
            output("answer", "answer", "Reply"),
        ],
        [
            edge("input", "route"),
            *(edge("route", f"desk_{r}", r) for r, _ in desks),
            *(edge(f"desk_{r}", "reply") for r, _ in desks),
            edge("reply", "answer", "first"),
        ],
    )


def _rules(model: str) -> dict[str, Any]:
    return _triage(
        {
            "mode": "rule",
            "routes": [
                {
                    "name": "billing",
                    "expression": '"invoice" in lower(value) or "refund" in lower(value)',
                },
                {"name": "bug", "expression": '"error" in lower(value) or "crash" in lower(value)'},
            ],
        }
    )


def _llm_router(model: str) -> dict[str, Any]:
    return _triage(
        {
            "mode": "llm",
            "model": model,
            "routes": [
                {"name": "billing", "description": "invoices, payments, refunds"},
                {"name": "bug", "description": "errors, crashes, things that do not work"},
            ],
        }
    )


ANSWERERS = (
    AgentSpec("Quick answerer", "Answers in one sentence", "Answer in one short sentence."),
    AgentSpec("Thorough answerer", "Answers with reasons", "Answer with two reasons."),
)


def _adaptive(model: str) -> dict[str, Any]:
    pairs = (("quick", "Quick answerer"), ("thorough", "Thorough answerer"))
    return graph(
        [
            text_input("question", "Question", "Any question."),
            node(
                "route",
                "router",
                "Adaptive router",
                mode="adaptive",
                min_runs=2,
                routes=[{"name": r, "agent": name} for r, name in pairs],
            ),
            *(node(r, "agent", name, agent=name) for r, name in pairs),
            node("reply", "join", "Chosen answer", policy="all"),
            output("answer", "answer", "Answer"),
        ],
        [
            edge("input", "route"),
            *(edge("route", r, r) for r, _ in pairs),
            *(edge(r, "reply") for r, _ in pairs),
            edge("reply", "answer", "first"),
        ],
    )


def _map_reduce(model: str) -> dict[str, Any]:
    body = graph(
        [
            node("item", "input", "Item", name="item"),
            node(
                "summarize",
                "llm",
                "Summarize one",
                model=model,
                max_tokens=48,
                prompt="Summarize in one sentence:\n{{in}}",
            ),
            output("result", "result", "Summary"),
        ],
        chain("item", "summarize", "result"),
    )
    return graph(
        [
            node(
                "input",
                "input",
                "Texts",
                name="texts",
                type="list",
                required=False,
                default=SAMPLE_TEXTS,
                description="A list of texts to summarize.",
            ),
            node("map", "map", "Summarize each", body=body, max_concurrency=2),
            node(
                "reduce",
                "llm",
                "Combine",
                model=model,
                max_tokens=96,
                prompt="Combine these summaries into one short paragraph:\n{{in}}",
            ),
            output("summary", "summary", "Summary"),
        ],
        [edge("input", "map", "out", "items"), *chain("map", "reduce", "summary")],
    )


SAMPLE_TEXTS = [
    "Agents are language models that call tools in a loop until a task is done.",
    "A critic panel lets several agents vote on a draft before it is accepted.",
    "Quantization stores weights in fewer bits so that models run on small machines.",
]

HANDBOOK = KnowledgeSpec(
    "AXWeb handbook",
    "A small handbook the RAG template answers from.",
    (
        (
            "Runs",
            "# Runs\nEvery run pins the workflow version it ran. A run can pause for an "
            "approval, be cancelled within a second, and be re-run from any node.",
        ),
        (
            "Agents",
            "# Agents\nAn agent has a system prompt, a model and tools. Agents can "
            "delegate tasks to other agents they name as delegates.",
        ),
        (
            "Models",
            "# Models\nThe builtin model is SmolLM2-135M-Instruct, running in the worker "
            "without a network. Ollama and Anthropic models can be added with a key.",
        ),
    ),
)
LIBRARIAN = AgentSpec(
    "Librarian",
    "Answers from passages",
    "You answer questions using only the passages you are given.",
)


def _rag(model: str) -> dict[str, Any]:
    return graph(
        [
            text_input("question", "Question", "Ask the handbook."),
            node(
                "search",
                "tool",
                "Search the handbook",
                tool="knowledge_search",
                arguments={"query": "{{in}}", "k": 2, "collection": HANDBOOK.collection},
            )
            # a fresh worker loads the embedding model on its first search: give it a retry
            | {"retry": {"count": 2, "backoff_s": 1.0}},
            node(
                "answer_it",
                "agent",
                "Librarian",
                agent="Librarian",
                prompt="Question: {{context}}\n\nPassages:\n{{in}}\n\nAnswer in two sentences.",
            ),
            output("answer", "answer", "Answer"),
        ],
        [
            *chain("input", "search", "answer_it", "answer"),
            edge("input", "answer_it", "out", "context"),
        ],
    )


STATS_CODE = (
    "numbers = [float(x) for x in str(inputs['numbers']).replace(',', ' ').split()]\n"
    "result = {'count': len(numbers), 'sum': sum(numbers),\n"
    "          'mean': sum(numbers) / len(numbers) if numbers else None}\n"
)
ANALYST = AgentSpec(
    "Data analyst",
    "Runs Python to check numbers",
    "You analyse data. Use the python tool to compute anything you need.",
    builtin_tools=("python",),
    tools=("number_stats",),
)
STATS_TOOL = ToolSpec(
    "number_stats",
    "python",
    "Count, sum and mean of the numbers in a text (runs in the sandbox).",
    {"code": STATS_CODE},
    {"type": "object", "properties": {"numbers": {"type": "string"}}, "required": ["numbers"]},
)


def _code(model: str) -> dict[str, Any]:
    return graph(
        [
            text_input(
                "numbers", "Numbers", "Numbers separated by spaces.", default="3 1 4 1 5 9 2 6"
            ),
            node(
                "compute",
                "tool",
                "Statistics in the sandbox",
                tool="number_stats",
                arguments={"numbers": "{{in}}"},
            ),
            node(
                "explain",
                "agent",
                "Data analyst",
                agent="Data analyst",
                prompt="Explain these statistics in one sentence:\n{{in}}",
            ),
            output("stats", "stats", "Statistics"),
            output("explanation", "explanation", "Explanation"),
        ],
        [*chain("input", "compute", "explain", "explanation"), edge("compute", "stats")],
    )


def _length_check(model: str) -> dict[str, Any]:
    return graph(
        [
            text_input("question", "Question", "Any question."),
            node("draft", "llm", "Answer", model=model, max_tokens=128, prompt="{{in}}"),
            node("long", "condition", "Too long?", expression="len(value) > 300"),
            node(
                "shorten",
                "llm",
                "Shorten",
                model=model,
                max_tokens=64,
                prompt="Shorten to two sentences:\n{{in}}",
            ),
            node("pick", "join", "Final answer", policy="all"),
            output("answer", "answer", "Answer"),
        ],
        [
            *chain("input", "draft", "long"),
            edge("long", "shorten", "true"),
            edge("long", "pick", "false"),
            edge("shorten", "pick"),
            edge("pick", "answer", "first"),
        ],
    )


PATTERNS = (
    Template(
        "triage-rules",
        "Ticket triage by rules",
        "Routing",
        "Rules send a ticket to the billing desk, tech support or the front desk.",
        _rules,
        {"ticket": "I was charged twice, please refund the second invoice."},
        agents=DESKS,
        tags=("router", "rules", "triage"),
    ),
    Template(
        "triage-llm",
        "Ticket triage by an LLM",
        "Routing",
        "A model reads the ticket and picks the desk that should answer it.",
        _llm_router,
        {"ticket": "The app shows an error when I save."},
        agents=DESKS,
        tags=("router", "llm", "triage"),
    ),
    Template(
        "adaptive-router",
        "Adaptive router between agents",
        "Routing",
        "Picks the agent with the best record in past runs (success, speed, cost); new "
        "agents are tried first.",
        _adaptive,
        {"question": "What is a vector database?"},
        agents=ANSWERERS,
        tags=("router", "adaptive", "history"),
    ),
    Template(
        "map-reduce-summary",
        "Map-reduce summary of a list",
        "Data",
        "Summarizes every text of a list in parallel, then combines the summaries.",
        _map_reduce,
        {"texts": SAMPLE_TEXTS},
        tags=("map", "parallel", "summary"),
    ),
    Template(
        "rag-qa",
        "Question answering over a knowledge collection",
        "Knowledge",
        "Searches a small seeded handbook collection and answers from the passages found.",
        _rag,
        {"question": "Which model is built in?"},
        agents=(LIBRARIAN,),
        knowledge=HANDBOOK,
        tags=("rag", "knowledge", "search"),
    ),
    Template(
        "code-runner",
        "Code-running agent with the sandbox",
        "Code",
        "Runs Python in the sandbox to compute statistics, then an agent with the python "
        "tool explains them.",
        _code,
        {"numbers": "3 1 4 1 5 9 2 6"},
        agents=(ANALYST,),
        tools=(STATS_TOOL,),
        tags=("python", "sandbox", "tools"),
    ),
    Template(
        "length-check",
        "Answer, then shorten if too long",
        "Basics",
        "A condition checks the answer's length and sends long answers to a shortener.",
        _length_check,
        {"question": "What is an operating system?"},
        tags=("condition", "llm"),
    ),
)
