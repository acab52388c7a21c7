"""The kernel's matmul paths (AVX2; VNNI on 256-bit and on 512-bit vectors, where the CPU
has it) compute bit-identical results: same int32 per lane, same float operations in the
same order. A path the CPU lacks falls back to AVX2, which the tests then say."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from agents.llm.base import Message
from agents.llm.builtin.model import (
    ISAS,
    Q4_1,
    Q8_0,
    matmul,
    quantize_blocks,
    set_isa,
    set_threads,
)
from agents.llm.providers.builtin import get_engine, render_prompt

PATHS = [name for name in ISAS if name != "auto"]


@pytest.fixture(autouse=True)
def _restore_path() -> Iterator[None]:
    yield
    set_isa("auto")


def test_auto_picks_a_path_and_an_unsupported_one_falls_back_to_avx2() -> None:
    chosen = set_isa("auto")
    assert chosen in PATHS
    for name in PATHS:
        assert set_isa(name) in (name, "avx2")


# widths of 1, 2, 3, 4, 5, 18 and 48 blocks: every grouping of the layout (groups of 4
# blocks, a leftover pair, a leftover block), batches of 1 to 6 tokens (every tile shape)
@pytest.mark.parametrize("kind", [Q4_1, Q8_0])
@pytest.mark.parametrize("cols", [32, 64, 96, 128, 160, 576, 1536])
def test_every_path_multiplies_bit_identically(kind: int, cols: int) -> None:
    rng = np.random.default_rng(cols)
    w = rng.standard_normal((37, cols)).astype(np.float32)
    x = rng.standard_normal((6, cols)).astype(np.float32)
    lin = quantize_blocks(w, kind)
    results = {}
    for name in PATHS:
        used = set_isa(name)
        results[used] = [matmul(lin, x[:b]) for b in range(1, 7)]
    reference = results["avx2"]
    for used, got in results.items():
        for b, (mine, theirs) in enumerate(zip(got, reference, strict=True)):
            assert np.array_equal(mine, theirs), f"{used} differs from avx2 at batch {b + 1}"
    want = x @ w.T
    tolerance = 0.15 if kind == Q4_1 else 0.03
    assert np.abs(reference[-1] - want).max() < tolerance * np.abs(want).max()


@pytest.mark.slow
def test_every_path_decodes_the_same_logits_and_tokens() -> None:
    engine = get_engine()
    model = engine.model
    ids = engine.encode(render_prompt([Message("user", "Name a color.")], None))
    runs = {}
    for name in PATHS:
        used = set_isa(name)
        cache = model.new_cache()
        logits = [model.prefill(ids, 0, cache)]
        for i in range(8):
            token = int(logits[-1].argmax())
            logits.append(model.step([token], [len(ids) + i], [cache], [True])[0])
        runs[used] = np.stack(logits)
    for used, got in runs.items():
        assert np.array_equal(got, runs["avx2"]), used


@pytest.mark.slow
def test_one_and_two_threads_give_the_same_logits_with_batched_streams() -> None:
    """Matmul rows and attention heads split between the caller and the worker thread:
    the split must not change a number."""
    engine = get_engine()
    model = engine.model
    prompts = [engine.encode(render_prompt([Message("user", q)], None)) for q in ("Hi.", "2+2?")]
    runs = []
    for threads in (1, 2):
        set_threads(threads)
        caches = [model.new_cache() for _ in prompts]
        rows = [model.prefill(ids, 0, cache) for ids, cache in zip(prompts, caches, strict=True)]
        pos = [len(ids) for ids in prompts]
        for _ in range(4):
            tokens = [int(row.argmax()) for row in rows]
            rows = list(model.step(tokens, pos, caches, [True, True]))
            pos = [p + 1 for p in pos]
        runs.append(np.stack(rows))
    set_threads(1)
    assert np.array_equal(runs[0], runs[1])
