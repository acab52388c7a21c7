from __future__ import annotations

from agents.llm.base import ToolCall, ToolSpec
from agents.llm.toolcall import parse_tool_calls, render_call, tools_prompt

TOOLS = [
    ToolSpec(
        "search", "Search the web.", {"type": "object", "properties": {"q": {"type": "string"}}}
    ),
    ToolSpec("add", "Add.", {"type": "object"}),
]


def names_and_args(text: str) -> list[tuple[str, dict[str, object]]]:
    outcome = parse_tool_calls(text, TOOLS)
    assert outcome.error is None, outcome.error
    return [(c.name, c.arguments) for c in outcome.calls]


def test_plain_prose_is_an_answer_not_a_tool_call() -> None:
    assert parse_tool_calls("Paris is the capital.", TOOLS) == parse_tool_calls("", TOOLS)
    assert parse_tool_calls("Paris is the capital.", TOOLS).calls == ()


def test_a_json_object_is_a_tool_call() -> None:
    assert names_and_args('{"tool": "search", "arguments": {"q": "paris"}}') == [
        ("search", {"q": "paris"})
    ]


def test_fences_synonyms_string_arguments_and_trailing_prose_are_tolerated() -> None:
    text = '```json\n{"name": "add", "args": "{\\"a\\": 1}"}\n```\nI will add.'
    assert names_and_args(text) == [("add", {"a": 1})]


def test_several_objects_are_several_calls() -> None:
    text = '{"tool": "add", "arguments": {"a": 1}}\n{"tool": "search", "arguments": {}}'
    assert [n for n, _ in names_and_args(text)] == ["add", "search"]


def test_broken_json_and_unknown_tools_report_why() -> None:
    assert "invalid JSON" in (parse_tool_calls('{"tool": "add", "arguments": {', TOOLS).error or "")
    assert "unknown tool 'fly'" in (parse_tool_calls('{"tool": "fly"}', TOOLS).error or "")
    assert 'missing "tool"' in (parse_tool_calls('{"arguments": {}}', TOOLS).error or "")
    assert "must be a JSON object" in (
        parse_tool_calls('{"tool": "add", "arguments": [1]}', TOOLS).error or ""
    )


def test_the_prompt_lists_every_tool_and_calls_render_in_the_convention() -> None:
    prompt = tools_prompt(TOOLS)
    assert "- search: Search the web." in prompt and "- add: Add." in prompt
    rendered = render_call(ToolCall("c1", "add", {"a": 1}))
    assert names_and_args(rendered) == [("add", {"a": 1})]
