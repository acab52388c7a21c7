from __future__ import annotations

import pytest

from agents.llm.base import (
    BadResponse,
    Done,
    GenParams,
    Message,
    RateLimited,
    TextDelta,
    ToolSpec,
    UnknownModel,
    Unreachable,
    complete,
)
from agents.llm.providers.ollama import OllamaModel
from tests.agents.llm.fakes.server import FakeReply, FakeState

WEATHER = ToolSpec(
    "weather",
    "Weather for a city.",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


@pytest.mark.asyncio
async def test_streaming_yields_several_text_deltas_then_usage_and_done(
    ollama_url: str, fake_state: FakeState
) -> None:
    fake_state.replies.append(FakeReply("Paris is the capital of France."))
    events = [
        e
        async for e in OllamaModel("llama3", host=ollama_url).stream(
            [Message("user", "Capital of France?")]
        )
    ]
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert len(deltas) > 3
    assert "".join(deltas) == "Paris is the capital of France."
    assert events[-1] == Done("end")
    assert fake_state.requests[0]["stream"] is True


@pytest.mark.asyncio
async def test_non_streaming_reply_is_collected_with_usage(
    ollama_url: str, fake_state: FakeState
) -> None:
    fake_state.replies.append(FakeReply("Four."))
    result = await complete(
        OllamaModel("llama3", host=ollama_url, stream=False), [Message("user", "two plus two")]
    )
    assert result.text == "Four."
    assert result.usage.input_tokens == 3 and result.usage.output_tokens == 1
    assert fake_state.requests[0]["stream"] is False


@pytest.mark.asyncio
@pytest.mark.parametrize("stream", [True, False])
async def test_tool_call_round_trip_sends_tools_and_tool_results(
    ollama_url: str, fake_state: FakeState, stream: bool
) -> None:
    fake_state.replies += [
        FakeReply(tool_calls=[("weather", {"city": "Oslo"})]),
        FakeReply("It is sunny in Oslo."),
    ]
    model = OllamaModel("llama3", host=ollama_url, stream=stream)
    first = await complete(model, [Message("user", "Weather in Oslo?")], tools=[WEATHER])
    assert first.stop_reason == "tool_use"
    (call,) = first.tool_calls
    assert (call.name, call.arguments) == ("weather", {"city": "Oslo"})
    history = [
        Message("user", "Weather in Oslo?"),
        Message("assistant", tool_calls=(call,)),
        Message("tool", "sunny, 21C", tool_call_id=call.id, name="weather"),
    ]
    second = await complete(model, history, tools=[WEATHER])
    assert second.text == "It is sunny in Oslo."
    sent = fake_state.requests[1]
    assert sent["tools"][0]["function"]["name"] == "weather"
    assert sent["messages"][1]["tool_calls"][0]["function"]["arguments"] == {"city": "Oslo"}
    assert sent["messages"][2] == {"role": "tool", "content": "sunny, 21C", "tool_name": "weather"}


@pytest.mark.asyncio
async def test_generation_params_become_ollama_options(
    ollama_url: str, fake_state: FakeState
) -> None:
    params = GenParams(max_tokens=12, temperature=0.5, top_p=0.9, stop=("END",), seed=7)
    await complete(OllamaModel("llama3", host=ollama_url), [Message("user", "hi")], params=params)
    assert fake_state.requests[0]["options"] == {
        "num_predict": 12,
        "temperature": 0.5,
        "top_p": 0.9,
        "stop": ["END"],
        "seed": 7,
    }


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("model", "error", "reason"),
    [
        ("missing", UnknownModel, "model 'missing' not found"),
        ("busy", RateLimited, "too many concurrent requests"),
        ("broken", BadResponse, "llama runner process has terminated"),
    ],
)
async def test_provider_errors_map_to_model_errors_with_the_reason(
    ollama_url: str, model: str, error: type[Exception], reason: str
) -> None:
    with pytest.raises(error, match=reason):
        await complete(OllamaModel(model, host=ollama_url), [Message("user", "hi")])


@pytest.mark.asyncio
@pytest.mark.parametrize("stream", [True, False])
async def test_unreachable_host_raises_unreachable_naming_the_host(
    dead_url: str, stream: bool
) -> None:
    with pytest.raises(
        Unreachable, match=f"ollama {dead_url} model 'llama3': cannot reach the server"
    ):
        await complete(OllamaModel("llama3", host=dead_url, stream=stream), [Message("user", "hi")])


@pytest.mark.asyncio
async def test_host_defaults_to_the_ollama_host_variable(
    ollama_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OLLAMA_HOST", ollama_url)
    result = await complete(OllamaModel("llama3"), [Message("user", "hi")])
    assert result.text == "Hello from the fake model."
