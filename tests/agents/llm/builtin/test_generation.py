from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from agents.llm.base import GenParams
from agents.llm.builtin.generation import _sample, _TextStream
from agents.llm.builtin.gguf_file import GGUFFile, build_tokenizer
from agents.llm.builtin.weights import locate_smollm2_gguf

TEXT = "Hello  wörld 🤖 naïve café — 日本語 tabs\tand\nnewlines STOP after"


@pytest.fixture(scope="module")
def tokenizer() -> Any:
    gf = GGUFFile(locate_smollm2_gguf())
    try:
        return build_tokenizer(gf.metadata)
    finally:
        gf.close()


def test_streamed_pieces_join_to_the_text_even_across_split_characters(tokenizer: Any) -> None:
    stream = _TextStream(tokenizer, ())
    pieces = [stream.push(i)[0] for i in tokenizer.encode(TEXT).ids] + [stream.flush()]
    assert "".join(pieces) == TEXT
    assert all("\ufffd" not in p for p in pieces)


def test_a_stop_sequence_ends_the_text_before_it_and_is_never_sent(tokenizer: Any) -> None:
    stream = _TextStream(tokenizer, ("STOP",))
    sent = []
    for token in tokenizer.encode(TEXT).ids:
        piece, stopped = stream.push(token)
        sent.append(piece)
        if stopped:
            break
    assert stopped and "".join(sent) + stream.flush() == TEXT.split("STOP")[0]


def test_top_p_keeps_only_the_most_likely_tokens() -> None:
    logits = np.array([5.0, 4.9, 0.0, -3.0], dtype=np.float32)
    gen = np.random.default_rng(0)
    drawn = {_sample(logits, GenParams(temperature=1.0, top_p=0.6), gen) for _ in range(200)}
    assert drawn == {0, 1}
    assert _sample(logits, GenParams(temperature=0.0), gen) == 0
