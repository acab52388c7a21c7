"""Real inference with the builtin SmolLM2 (slow: loads the model once per session)."""

from __future__ import annotations

import asyncio
import threading

import pytest

from agents.llm.base import GenParams, Message, TextDelta, Usage, complete
from agents.llm.builtin.generation import Engine
from agents.llm.providers.builtin import BuiltinModel, get_engine, render_prompt

pytestmark = pytest.mark.slow
FRANCE = [Message("user", "What is the capital of France?")]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return get_engine()


@pytest.mark.asyncio
async def test_the_builtin_model_knows_the_capital_of_france(engine: Engine) -> None:
    result = await complete(BuiltinModel(), FRANCE, params=GenParams(max_tokens=24))
    assert "Paris" in result.text
    assert result.usage.input_tokens > 10 and result.usage.output_tokens > 0


@pytest.mark.asyncio
async def test_streaming_yields_several_deltas_then_usage_and_done(engine: Engine) -> None:
    events = [e async for e in BuiltinModel().stream(FRANCE, params=GenParams(max_tokens=12))]
    deltas = [e for e in events if isinstance(e, TextDelta)]
    assert len(deltas) >= 3
    usage = next(e for e in events if isinstance(e, Usage))
    assert usage.output_tokens <= 12
    assert events[-1].stop_reason in ("end", "max_tokens")  # type: ignore[union-attr]


@pytest.mark.asyncio
async def test_max_tokens_and_stop_sequences_end_generation(engine: Engine) -> None:
    story = [Message("user", "Tell me a long story about a dragon.")]
    capped = await complete(BuiltinModel(), story, params=GenParams(max_tokens=5))
    assert capped.stop_reason == "max_tokens" and capped.usage.output_tokens == 5
    stopped = await complete(BuiltinModel(), story, params=GenParams(max_tokens=60, stop=(" ",)))
    assert stopped.stop_reason == "stop_sequence" and " " not in stopped.text


@pytest.mark.asyncio
async def test_seeded_sampling_repeats_and_different_seeds_differ(engine: Engine) -> None:
    prompt = [Message("user", "Write a poem about the sea.")]

    async def sample(seed: int) -> str:
        params = GenParams(max_tokens=16, temperature=1.0, top_p=0.95, seed=seed)
        return (await complete(BuiltinModel(), prompt, params=params)).text

    first = await sample(1)
    assert await sample(1) == first
    assert {await sample(s) for s in (2, 3, 4)} != {first}


@pytest.mark.asyncio
async def test_concurrent_runs_share_the_model_and_both_finish(engine: Engine) -> None:
    params = GenParams(max_tokens=10)
    a, b = await asyncio.gather(
        complete(BuiltinModel(), FRANCE, params=params),
        complete(BuiltinModel(), FRANCE, params=params),
    )
    assert a.text == b.text and a.text


@pytest.mark.asyncio
async def test_cancelling_the_consumer_stops_generation(engine: Engine) -> None:
    started = asyncio.Event()

    async def consume() -> None:
        story = [Message("user", "Tell me a long story.")]
        async for event in BuiltinModel().stream(story, params=GenParams(max_tokens=2000)):
            if isinstance(event, TextDelta):
                started.set()

    task = asyncio.create_task(consume())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The scheduler notices the cancel flag before the stream's next token and drops it.
    for _ in range(200):
        if engine.active_streams() == 0:
            break
        await asyncio.sleep(0.05)
    assert engine.active_streams() == 0


def test_a_set_cancel_flag_stops_the_engine_after_the_current_token(engine: Engine) -> None:
    cancel = threading.Event()
    ids = engine.encode(render_prompt([Message("user", "Count to one hundred.")], None))
    outcome = engine.generate(ids, GenParams(max_tokens=500), cancel, lambda _: cancel.set())
    assert outcome.stop_reason == "cancelled" and outcome.output_tokens < 10


def test_two_engines_generating_at_once_each_give_their_solo_answer(engine: Engine) -> None:
    """Two engines (e.g. the builtin and a compressed model) share the kernel's worker thread:
    their steps take turns, so neither corrupts the other's output."""
    other = Engine(engine.model, engine.tokenizer)
    ids = engine.encode(render_prompt(FRANCE, None))
    params = GenParams(max_tokens=12, temperature=0.0)
    solo: list[str] = []
    engine.generate(ids, params, threading.Event(), solo.append)
    outputs: dict[int, list[str]] = {0: [], 1: []}

    def generate(which: int, eng: Engine) -> None:
        eng.generate(ids, params, threading.Event(), outputs[which].append)

    threads = [
        threading.Thread(target=generate, args=(i, e)) for i, e in enumerate((engine, other))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert "".join(outputs[0]) == "".join(outputs[1]) == "".join(solo) != ""
