from __future__ import annotations

import pytest
import torch

from agents.lab import corpora
from agents.lab.evaluate import calibration_windows, perplexity


class _Uniform(torch.nn.Module):
    """A 'model' predicting a uniform distribution over 10 tokens: perplexity 10."""

    def forward(self, input_ids: torch.Tensor, use_cache: bool = False):  # type: ignore[no-untyped-def]
        class Out:
            logits = torch.zeros(*input_ids.shape, 10)

        return Out()


def test_perplexity_of_a_uniform_model_is_the_vocabulary_size() -> None:
    result = perplexity(_Uniform(), torch.randint(0, 10, (100,)), window=16, stride=16)
    assert result["ppl"] == pytest.approx(10.0)


def test_perplexity_records_window_stride_and_scores_each_token_once() -> None:
    ids = torch.randint(0, 10, (32,))
    disjoint = perplexity(_Uniform(), ids, window=8, stride=8)
    sliding = perplexity(_Uniform(), ids, window=8, stride=4)
    assert disjoint["scored_tokens"] == 28  # the first token of each window has no context
    assert sliding["scored_tokens"] == 31
    assert (sliding["window"], sliding["stride"], sliding["tokens"]) == (8, 4, 32)


def test_perplexity_refuses_a_stride_longer_than_the_window() -> None:
    with pytest.raises(ValueError, match="stride"):
        perplexity(_Uniform(), torch.zeros(10, dtype=torch.long), window=4, stride=5)


def test_eval_text_is_pydoc_topics_in_sorted_key_order() -> None:
    from pydoc_data.topics import topics

    text = corpora.pydoc_topics_text()
    first = sorted(topics)[0]
    assert text.startswith(topics[first]) and len(text) > 100_000


def test_calibration_text_differs_from_the_eval_text() -> None:
    licenses = corpora.corpus_text("licenses")
    assert "GNU GENERAL PUBLIC LICENSE" in licenses
    assert licenses[:2000] not in corpora.pydoc_topics_text()
    with pytest.raises(ValueError, match="unknown corpus"):
        corpora.corpus_text("nope")


def test_calibration_windows_are_spread_over_the_tokens_after_start() -> None:
    ids = torch.arange(1000)
    batch, starts = calibration_windows(ids, n_samples=4, seq_len=100, start=500)
    assert starts == [500, 633, 766, 900]
    assert batch.shape == (4, 100) and int(batch.min()) == 500 and int(batch.max()) == 999
    assert torch.equal(batch[1], torch.arange(633, 733))


def test_calibration_windows_refuse_a_text_too_short_after_start() -> None:
    with pytest.raises(ValueError, match="only 50 tokens from offset 950"):
        calibration_windows(torch.arange(1000), n_samples=2, seq_len=100, start=950)
