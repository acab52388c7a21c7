"""Lab test fixtures: one torch thread, a tiny random Llama, the real SmolLM2 (shared)."""

from __future__ import annotations

from typing import Any

import pytest
import torch

torch.set_num_threads(1)


@pytest.fixture
def tiny_llama() -> Any:
    """A 2-block Llama with grouped-query attention, random weights (fast, no files)."""
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=128,
        hidden_size=128,
        intermediate_size=256,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=32,
        max_position_embeddings=64,
        tie_word_embeddings=True,
    )
    return LlamaForCausalLM(config).eval()


@pytest.fixture(scope="session")
def smollm2() -> Any:
    from agents.llm.builtin.weights import load_smollm2

    return load_smollm2()


def salient_inputs(tokens: int = 512, width: int = 128, salient: int = 4) -> torch.Tensor:
    """Activations whose first ``salient`` channels are ~30x larger than the rest."""
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(tokens, width, generator=gen)
    x[:, :salient] *= 30
    return x


def output_error(x: torch.Tensor, w: torch.Tensor, wq: torch.Tensor) -> float:
    return float(((x @ (wq - w).T) ** 2).mean())
