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
    got = torch.from_numpy(engine.model.forward(ids, 0))
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


def test_the_kernel_runs_on_the_configured_number_of_threads(
    packed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agents.llm.builtin.generation import configure_threads

    engine = builtin.get_compressed_engine(str(packed))
    monkeypatch.setenv("AXWEB_TORCH_THREADS", "2")
    assert configure_threads() == 2
    two = engine.model.forward([1, 504, 3575, 282], 0)
    monkeypatch.setenv("AXWEB_TORCH_THREADS", "1")
    assert configure_threads() == 1
    one = engine.model.forward([1, 504, 3575, 282], 0)
    assert (one == two).all()  # rows are split between threads, never their sums
