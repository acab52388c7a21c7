"""The builtin provider's JSON tool convention, over a scripted engine (no inference)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from agents.llm.base import GenParams, Message, ToolSpec, complete
from agents.llm.builtin.generation import GenerationOutcome
from agents.llm.providers import builtin
from agents.llm.providers.builtin import BuiltinModel, render_prompt

ADD = ToolSpec(
    "add",
    "Add two numbers.",
    {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}},
)


class ScriptedEngine:
    """Stands in for Engine: answers each generate() with the next scripted text."""

    def __init__(self, replies: list[str]) -> None:
        self.replies, self.prompts = replies, []  # type: ignore[var-annotated]

    def encode(self, text: str) -> list[int]:
        self.prompts.append(text)
        return [0] * len(text.split())

    def generate(
        self,
        ids: list[int],
        params: GenParams,
        cancel: threading.Event,
        emit: Callable[[str], None],
    ) -> GenerationOutcome:
        text = self.replies.pop(0)
        for word in text.split(" "):
            emit(word + " ")
        return GenerationOutcome(text, len(ids), len(text.split()), "end")


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> ScriptedEngine:
    fake = ScriptedEngine([])
    monkeypatch.setattr(builtin, "get_engine", lambda: fake)
    return fake


@pytest.mark.asyncio
async def test_a_json_reply_becomes_a_tool_call(engine: ScriptedEngine) -> None:
    engine.replies.append('{"tool": "add", "arguments": {"a": 2, "b": 3}}')
    result = await complete(BuiltinModel(), [Message("user", "2+3")], tools=[ADD])
    assert [(c.name, c.arguments) for c in result.tool_calls] == [("add", {"a": 2, "b": 3})]
    assert result.stop_reason == "tool_use" and result.text == ""
    assert "- add: Add two numbers." in engine.prompts[0]


@pytest.mark.asyncio
async def test_invalid_json_gets_one_corrective_retry(engine: ScriptedEngine) -> None:
    engine.replies += ['{"tool": "add", "arguments": {"a": 2,', '{"tool": "add", "arguments": {}}']
    result = await complete(BuiltinModel(), [Message("user", "2+3")], tools=[ADD])
    assert [c.name for c in result.tool_calls] == ["add"]
    assert "could not be used (invalid JSON" in engine.prompts[1]
    assert result.usage.output_tokens == 9


@pytest.mark.asyncio
async def test_a_second_invalid_reply_is_returned_as_text(engine: ScriptedEngine) -> None:
    engine.replies += ['{"tool": "fly"}', '{"tool": "fly", "arguments": {}}']
    result = await complete(BuiltinModel(), [Message("user", "fly")], tools=[ADD])
    assert result.tool_calls == () and "fly" in result.text and len(engine.prompts) == 2


@pytest.mark.asyncio
async def test_a_plain_answer_streams_as_text(engine: ScriptedEngine) -> None:
    engine.replies.append("It is five.")
    result = await complete(BuiltinModel(), [Message("user", "2+3")], tools=[ADD])
    assert result.text.strip() == "It is five." and result.tool_calls == ()


def test_tool_turns_are_rendered_into_the_chat_template() -> None:
    from agents.llm.base import ToolCall

    call = ToolCall("c1", "add", {"a": 1})
    prompt = render_prompt(
        [
            Message("system", "Be exact."),
            Message("user", "1+?"),
            Message("assistant", tool_calls=(call,)),
            Message("tool", "1", tool_call_id="c1", name="add"),
        ],
        [ADD],
    )
    assert prompt.startswith("<|im_start|>system\nBe exact.\n\nYou can use tools.")
    assert '<|im_start|>assistant\n{"tool": "add", "arguments": {"a": 1}}<|im_end|>' in prompt
    assert prompt.endswith(
        "<|im_start|>user\nResult of tool add: 1<|im_end|>\n<|im_start|>assistant\n"
    )


@pytest.mark.asyncio
async def test_a_plain_answer_after_leading_whitespace_streams_word_by_word(
    engine: ScriptedEngine,
) -> None:
    engine.replies.append("\n The answer is five.")
    events = [e async for e in BuiltinModel().stream([Message("user", "2+3")], tools=[ADD])]
    deltas = [e for e in events if type(e).__name__ == "TextDelta"]
    assert len(deltas) >= 4
