from __future__ import annotations

import pytest

from agents.llm.base import (
    AuthError,
    Done,
    GenParams,
    Message,
    RateLimited,
    TextDelta,
    ToolCall,
    ToolSpec,
    UnknownModel,
    Unreachable,
    Usage,
    complete,
)
from agents.llm.providers.anthropic import AnthropicModel
from tests.agents.llm.fakes.server import FakeReply, FakeState

WEATHER = ToolSpec(
    "weather",
    "Weather for a city.",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


def claude(url: str, model: str = "claude-test", **kw: object) -> AnthropicModel:
    return AnthropicModel(model, api_key="test-key", base_url=url, **kw)  # type: ignore[arg-type]


@pytest.mark.asyncio
async def test_sse_stream_yields_text_deltas_usage_and_done(
    anthropic_url: str, fake_state: FakeState
) -> None:
    fake_state.replies.append(FakeReply("Paris is the capital of France."))
    events = [
        e
        async for e in claude(anthropic_url).stream(
            [Message("system", "Be brief."), Message("user", "Capital of France?")]
        )
    ]
    deltas = [e.text for e in events if isinstance(e, TextDelta)]
    assert len(deltas) > 3 and "".join(deltas) == "Paris is the capital of France."
    usage = next(e for e in events if isinstance(e, Usage))
    assert usage.output_tokens == 6 and usage.input_tokens > 0
    assert events[-1] == Done("end")
    assert fake_state.requests[0]["system"] == "Be brief."


@pytest.mark.asyncio
async def test_json_reply_without_streaming(anthropic_url: str, fake_state: FakeState) -> None:
    fake_state.replies.append(FakeReply("Four."))
    result = await complete(
        claude(anthropic_url, stream=False),
        [Message("user", "2+2?")],
        params=GenParams(max_tokens=9, stop=("END",), top_p=0.5),
    )
    assert (result.text, result.stop_reason) == ("Four.", "end")
    sent = fake_state.requests[0]
    assert "stream" not in sent or sent["stream"] is False
    assert (sent["max_tokens"], sent["stop_sequences"]) == (9, ["END"])
    assert "temperature" not in sent and "top_p" not in sent


@pytest.mark.asyncio
async def test_sampling_params_are_sent_only_when_asked(
    anthropic_url: str, fake_state: FakeState
) -> None:
    model = claude(anthropic_url, send_sampling=True)
    await complete(model, [Message("user", "hi")], params=GenParams(temperature=0.3, top_p=0.5))
    assert (fake_state.requests[0]["temperature"], fake_state.requests[0]["top_p"]) == (0.3, 0.5)


@pytest.mark.asyncio
@pytest.mark.parametrize("stream", [True, False])
async def test_tool_use_blocks_round_trip_with_tool_results(
    anthropic_url: str, fake_state: FakeState, stream: bool
) -> None:
    fake_state.replies += [
        FakeReply(
            "Let me check.",
            tool_calls=[
                ("weather", {"city": "Oslo", "days": [1, 2]}),
                ("weather", {"city": "Rome"}),
            ],
        ),
        FakeReply("Sunny in both."),
    ]
    model = claude(anthropic_url, stream=stream)
    first = await complete(model, [Message("user", "Weather?")], tools=[WEATHER])
    assert first.stop_reason == "tool_use" and first.text == "Let me check."
    assert [(c.id, c.name, c.arguments) for c in first.tool_calls] == [
        ("toolu_00", "weather", {"city": "Oslo", "days": [1, 2]}),
        ("toolu_01", "weather", {"city": "Rome"}),
    ]
    results = [
        Message("tool", f"sunny in {c.arguments['city']}", tool_call_id=c.id, name=c.name)
        for c in first.tool_calls
    ]
    history = [
        Message("user", "Weather?"),
        Message("assistant", first.text, tool_calls=first.tool_calls),
        *results,
    ]
    second = await complete(model, history, tools=[WEATHER])
    assert second.text == "Sunny in both."
    sent = fake_state.requests[1]
    assert sent["tools"][0] == {
        "name": "weather",
        "description": "Weather for a city.",
        "input_schema": WEATHER.input_schema,
    }
    assert [m["role"] for m in sent["messages"]] == ["user", "assistant", "user"]
    assert [b["tool_use_id"] for b in sent["messages"][2]["content"]] == ["toolu_00", "toolu_01"]
    assert sent["messages"][1]["content"][1]["type"] == "tool_use"


@pytest.mark.asyncio
async def test_streamed_tool_call_arrives_after_its_block_stops(
    anthropic_url: str, fake_state: FakeState
) -> None:
    fake_state.replies.append(FakeReply(tool_calls=[("weather", {"city": "Oslo"})]))
    events = [
        e async for e in claude(anthropic_url).stream([Message("user", "w")], tools=[WEATHER])
    ]
    assert [type(e) for e in events] == [ToolCall, Usage, Done]
    assert events[-1] == Done("tool_use")


@pytest.mark.asyncio
@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.parametrize(
    ("model", "key", "error", "reason"),
    [
        ("claude-test", "wrong-key", AuthError, "invalid x-api-key"),
        ("missing", "test-key", UnknownModel, "model: missing"),
        ("busy", "test-key", RateLimited, "per-minute rate limit"),
    ],
)
async def test_http_errors_map_to_model_errors_with_the_reason(
    anthropic_url: str, stream: bool, model: str, key: str, error: type[Exception], reason: str
) -> None:
    model_ = AnthropicModel(model, api_key=key, base_url=anthropic_url, stream=stream)
    with pytest.raises(error, match=reason) as caught:
        await complete(model_, [Message("user", "hi")])
    if isinstance(caught.value, RateLimited):
        assert caught.value.retry_after == 7.0


@pytest.mark.asyncio
async def test_error_event_mid_stream_is_raised_as_rate_limited(anthropic_url: str) -> None:
    with pytest.raises(RateLimited, match="Overloaded"):
        await complete(claude(anthropic_url, "flaky"), [Message("user", "hi")])


@pytest.mark.asyncio
async def test_unreachable_base_url_raises_unreachable(dead_url: str) -> None:
    with pytest.raises(
        Unreachable, match=r"anthropic model 'claude-test': cannot reach the server"
    ):
        await complete(claude(dead_url), [Message("user", "hi")])


@pytest.mark.asyncio
async def test_api_key_comes_from_the_environment(
    anthropic_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "test-key")
    result = await complete(
        AnthropicModel("claude-test", base_url=anthropic_url), [Message("user", "hi")]
    )
    assert result.text == "Hello from the fake model."


@pytest.mark.asyncio
async def test_missing_api_key_is_an_auth_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(AuthError, match="ANTHROPIC_API_KEY"):
        await complete(AnthropicModel("claude-test"), [Message("user", "hi")])
