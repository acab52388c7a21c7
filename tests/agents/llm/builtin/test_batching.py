"""Concurrent callers share one batched decode (real model; slow)."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from agents.llm.base import GenParams, Message
from agents.llm.builtin.generation import Engine
from agents.llm.providers.builtin import get_engine, render_prompt

pytestmark = pytest.mark.slow
QUESTIONS = (
    "What is the capital of France?",
    "Write a haiku about rust.",
    "Explain photosynthesis briefly.",
    "Name three colors and say why you like them.",
)


@pytest.fixture(scope="module")
def engine() -> Engine:
    return get_engine()


def _prompt(engine: Engine, question: str) -> list[int]:
    return engine.encode(render_prompt([Message("user", question)], None))


def test_concurrent_greedy_streams_match_their_solo_runs_and_are_batched(
    engine: Engine,
) -> None:
    params = GenParams(max_tokens=24)
    prompts = [_prompt(engine, q) for q in QUESTIONS]
    solo = [engine.generate(p, params, threading.Event(), lambda _: None) for p in prompts]
    engine.peak_batch = 0
    together: list = [None] * len(prompts)

    def run(i: int) -> None:
        together[i] = engine.generate(prompts[i], params, threading.Event(), lambda _: None)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(prompts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [o.text for o in together] == [o.text for o in solo]
    assert [o.output_tokens for o in together] == [o.output_tokens for o in solo]
    assert engine.peak_batch >= 2


def test_each_caller_receives_its_tokens_while_the_others_still_decode(engine: Engine) -> None:
    params = GenParams(max_tokens=32)
    arrivals: dict[int, list[float]] = {0: [], 1: []}
    ends: dict[int, float] = {}

    def run(i: int) -> None:
        prompt = _prompt(engine, "Tell me a long story about a dragon.")
        engine.generate(
            prompt, params, threading.Event(), lambda _: arrivals[i].append(time.perf_counter())
        )
        ends[i] = time.perf_counter()

    threads = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in (0, 1):
        assert len(arrivals[i]) >= 5
        assert arrivals[i][0] < min(ends.values())  # streamed, not delivered at the end


def test_a_batched_step_gives_each_stream_the_logits_of_its_solo_step(engine: Engine) -> None:
    model = engine.model
    prompts = [_prompt(engine, q) for q in QUESTIONS[:3]]
    caches = [model.new_cache() for _ in prompts]
    solo = [model.prefill(p, 0, c) for p, c in zip(prompts, caches, strict=True)]
    nxt = [int(np.argmax(s)) for s in solo]
    alone = [
        model.step([t], [len(p)], [c], [True])[0]
        for t, p, c in zip(nxt, prompts, caches, strict=True)
    ]
    fresh = [model.new_cache() for _ in prompts]
    for p, c in zip(prompts, fresh, strict=True):
        model.prefill(p, 0, c)
    batched = model.step(nxt, [len(p) for p in prompts], fresh, [True] * 3)
    for a, b in zip(alone, batched, strict=True):
        assert np.array_equal(a, b)
