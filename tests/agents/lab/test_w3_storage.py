"""A W3 lab model is served from 3-bit storage: its bytes, its logits, its memory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from agents.lab.quant.packing import load_quantized_model, save_quantized
from agents.lab.quant.rtn import quantize_rtn
from agents.llm.builtin.compressed import model_from_packed
from agents.llm.builtin.lowbit import W3Model
from agents.llm.builtin.model import LlamaModel, set_threads

IDS = [1, 504, 3575, 282, 4649, 314, 2]
ROOT = Path(__file__).resolve().parents[3]


def _llama() -> Any:
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=49152,  # the base tokenizer's ids
        hidden_size=128,
        intermediate_size=256,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=32,
        tie_word_embeddings=True,
    )
    return LlamaForCausalLM(config).eval()  # type: ignore[no-untyped-call]


def _save(folder: Path, bits: int, exact_min: bool = False) -> Path:
    model = _llama()
    quantized = quantize_rtn(model, bits, 64)
    if exact_min:  # zero points whose -zero * scale is exact in fp16 (Q4_1's min)
        for qw in quantized.values():
            qw.zeros = torch.tensor([0.0, 1.0, 2.0, 4.0])[qw.zeros.long() % 4]
    meta = {"method": "rtn", "base_model": "tiny"}
    name = f"w{bits}{'-exact' if exact_min else ''}.safetensors"
    return save_quantized(folder / name, model, quantized, meta)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("w3")
    set_threads(1)
    return {
        "w3": _save(folder, 3),
        "w3_exact": _save(folder, 3, exact_min=True),
        "w4": _save(folder, 4),
    }


def _greedy(model: Any, steps: int) -> list[int]:
    cache = model.new_cache()
    logits, out = model.prefill(IDS, 0, cache), []
    for i in range(steps):
        out.append(int(logits.argmax()))
        logits = model.step([out[-1]], [len(IDS) + i], [cache], [True])[0]
    return out


def test_a_w3_model_keeps_its_projections_3_bit(files: dict[str, Path]) -> None:
    model = model_from_packed(files["w3"])
    assert isinstance(model, W3Model)
    lins = [m for layer in model.layers for m in (layer.qkv, layer.out, layer.gate_up, layer.down)]
    weights = sum(m.rows * m.cols for m in lins)
    assert sum(m.codes.nbytes for m in lins) == weights * 3 // 8
    # + an fp16 scale and an fp16 zero per group of 64: 3.5 bits per weight, as in the file
    assert sum(m.nbytes for m in lins) * 8 / weights == pytest.approx(3.5)


def test_its_logits_equal_the_widened_q4_1_path(files: dict[str, Path]) -> None:
    native = model_from_packed(files["w3_exact"])
    widened = model_from_packed(files["w3_exact"], storage="q4_1")
    assert isinstance(native, W3Model) and isinstance(widened, LlamaModel)
    a, b = native.forward(IDS, 0), widened.forward(IDS, 0)
    assert np.abs(a - b).max() <= 1e-3 * np.abs(b).max()
    assert _greedy(native, 8) == _greedy(widened, 8)


def test_it_is_closer_to_the_file_than_the_float_path_it_replaces(files: dict[str, Path]) -> None:
    _, reference = load_quantized_model(files["w3"])
    with torch.no_grad():
        want = reference(torch.tensor([IDS])).logits[0, -1].numpy()

    def cosine(model: Any) -> float:
        got = model.forward(IDS, 0)
        return float(want @ got / np.linalg.norm(want) / np.linalg.norm(got))

    native, old = (
        cosine(model_from_packed(files["w3"])),
        cosine(model_from_packed(files["w3"], storage="float")),
    )
    assert native > 0.999 and native > old  # the old path re-quantized onto Q4_1's own grid


def test_w3_holds_fewer_weight_bytes_than_w4(files: dict[str, Path]) -> None:
    w3, w4 = model_from_packed(files["w3"]), model_from_packed(files["w4"])
    assert isinstance(w4, LlamaModel)
    from agents.lab.bench_storage import weight_bytes

    w3_proj = weight_bytes(w3) - w3.embed.nbytes
    w4_proj = weight_bytes(w4) - w4.embed.nbytes
    assert w3.embed.nbytes == w4.embed.nbytes
    assert w3_proj / w4_proj == pytest.approx(3.5 / 5.0, rel=0.02)


def test_serving_a_w3_file_needs_no_torch_and_less_memory_than_w4(files: dict[str, Path]) -> None:
    def serve(path: Path) -> dict[str, Any]:
        cmd = [sys.executable, "-m", "agents.lab.bench_storage", "--child", str(path)]
        cmd += ["--new-tokens", "2", "--repeat", "1"]
        env = {"AXWEB_TORCH_THREADS": "1", "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
        out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        return json.loads(out.stdout)  # type: ignore[no-any-return]

    w3, w4 = serve(files["w3"]), serve(files["w4"])
    assert w3["storage"] == "W3Model" and not w3["torch_imported"] and not w4["torch_imported"]
    assert w3["weight_bytes"] < w4["weight_bytes"]
    assert w3["projection_bits_per_weight"] == 3.5 and w4["projection_bits_per_weight"] == 5.0


def test_a_w3_model_gives_the_same_logits_on_two_threads(files: dict[str, Path]) -> None:
    model = model_from_packed(files["w3"])
    try:
        set_threads(2)
        two = model.forward(IDS, 0)
    finally:
        set_threads(1)
    assert (model.forward(IDS, 0) == two).all()


def test_bench_storage_prints_w3_against_w4_as_json(files: dict[str, Path]) -> None:
    import io

    from django.core.management import call_command

    out = io.StringIO()
    argv = ["--w3", str(files["w3"]), "--w4", str(files["w4"]), "--variants", "w3,w4"]
    call_command("bench_storage", *argv, "--new-tokens", "2", "--repeat", "1", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert set(result["variants"]) == {"w3", "w4"}
    assert result["variants"]["w3"]["storage"] == "W3Model"
    assert 0 < result["w3_over_w4"]["weight_bytes"] < 1


def test_streams_stepped_together_equal_their_solo_runs(files: dict[str, Path]) -> None:
    model = model_from_packed(files["w3"])
    prompts = [IDS, IDS[2:] + [9, 10]]
    solo = []
    for ids in prompts:
        cache = model.new_cache()
        solo.append(model.step(ids, list(range(len(ids))), [cache] * len(ids), [True] * len(ids)))
    caches = [model.new_cache() for _ in prompts]
    tokens = prompts[0] + prompts[1]
    positions = list(range(len(prompts[0]))) + list(range(len(prompts[1])))
    owners = [caches[0]] * len(prompts[0]) + [caches[1]] * len(prompts[1])
    both = model.step(tokens, positions, owners, [True] * len(tokens))
    assert (both == np.concatenate(solo)).all()  # each row computed alike, whatever the batch
