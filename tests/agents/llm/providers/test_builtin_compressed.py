"""Compressed models written by the lab run in the builtin model (tiny random Llama)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from agents.llm.base import GenParams, Message, UnknownModel, complete
from agents.llm.providers import builtin
from agents.llm.providers.builtin import BuiltinModel


def _tiny_llama() -> torch.nn.Module:
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        vocab_size=49152,
        tie_word_embeddings=True,
        rms_norm_eps=1e-5,
    )
    torch.manual_seed(0)
    return LlamaForCausalLM(config).eval()


@pytest.fixture(scope="module")
def packed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from agents.lab.quant.packing import save_quantized
    from agents.lab.quant.rtn import quantize_weight

    model = _tiny_llama()
    quantized = {
        name: quantize_weight(module.weight.detach(), 4, 32)
        for name, module in model.named_modules()
        if isinstance(module, torch.nn.Linear) and "lm_head" not in name
    }
    path = tmp_path_factory.mktemp("lab") / "tiny-rtn4.safetensors"
    return save_quantized(path, model, quantized, {"method": "rtn", "base_model": "tiny"})


def test_the_builtin_model_matches_the_dequantized_model_of_the_file(packed: Path) -> None:
    from agents.lab.quant.packing import load_quantized_model

    _, reference = load_quantized_model(packed)
    engine = builtin.get_compressed_engine(str(packed))
    ids = [1, 504, 3575, 282, 4649, 314, 2]
    with torch.no_grad():
        want = reference(torch.tensor([ids])).logits[0, -1]
    got = engine.model.forward(ids, 0)
    assert torch.nn.functional.cosine_similarity(want, got, dim=0) > 0.99
    assert int(want.argmax()) in got.topk(5).indices.tolist()


@pytest.mark.asyncio
async def test_a_compressed_model_answers_through_the_chat_model_contract(packed: Path) -> None:
    model = BuiltinModel.compressed("tiny-rtn4", str(packed))
    result = await complete(model, [Message("user", "hi")], params=GenParams(max_tokens=4))
    assert result.usage.output_tokens >= 1 and result.stop_reason in ("end", "max_tokens")


@pytest.mark.asyncio
async def test_a_missing_compressed_file_is_an_unknown_model(tmp_path: Path) -> None:
    model = BuiltinModel.compressed("gone", str(tmp_path / "gone.safetensors"))
    with pytest.raises(UnknownModel, match="does not exist"):
        await complete(model, [Message("user", "hi")])


def test_a_decode_step_runs_on_one_thread_and_gives_the_threads_back(
    packed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Single-token steps are too small to split across OpenMP threads (2x slower on two
    cores); prompts of SERIAL_BELOW_TOKENS and more use every configured thread."""
    from agents.llm.builtin import model as model_module

    engine = builtin.get_compressed_engine(str(packed))
    seen: list[int] = []
    real = torch.set_num_threads
    monkeypatch.setattr(
        model_module.torch, "set_num_threads", lambda n: (seen.append(n), real(n))[1]
    )
    before = torch.get_num_threads()
    real(2)
    try:
        engine.model.forward([1, 504, 3575], 0)
        engine.model.forward([282], 3)
        assert seen == [1, 2, 1, 2] and torch.get_num_threads() == 2
        seen.clear()
        engine.model.forward(list(range(model_module.SERIAL_BELOW_TOKENS)), 0)
        assert seen == []
    finally:
        real(before)
