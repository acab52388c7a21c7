"""AWQ / GPTQ over whole decoder blocks of a tiny random Llama (GQA: 4 heads, 2 kv)."""

from __future__ import annotations

import torch

from agents.lab.quant.awq import AWQConfig, apply_scale, quantize_awq, scale_groups
from agents.lab.quant.blocks import capture_block_inputs, record_inputs, run_block
from agents.lab.quant.gptq import GPTQConfig, quantize_gptq


def _calib() -> torch.Tensor:
    return torch.randint(0, 128, (4, 16), generator=torch.Generator().manual_seed(2))


def test_every_awq_fold_including_gqa_v_to_o_keeps_the_block_output(tiny_llama) -> None:  # type: ignore[no-untyped-def]
    inp = capture_block_inputs(tiny_llama, _calib())
    block = tiny_llama.model.layers[0]
    before = run_block(block, inp)
    gen = torch.Generator().manual_seed(3)
    for group in scale_groups(block):
        width = group.prev.weight.shape[0]
        apply_scale(group, torch.rand(width, generator=gen) * 3 + 0.2)
    assert torch.allclose(run_block(block, inp), before, rtol=1e-4, atol=1e-5)


def test_record_inputs_returns_every_linear_input_for_all_sequences(tiny_llama) -> None:  # type: ignore[no-untyped-def]
    inp = capture_block_inputs(tiny_llama, _calib())
    mlp = tiny_llama.model.layers[0].mlp
    xs = record_inputs(tiny_llama.model.layers[0], {"down": mlp.down_proj, "up": mlp.up_proj}, inp)
    assert xs["down"].shape == (64, 256) and xs["up"].shape == (64, 128)


def test_awq_and_gptq_leave_weights_equal_to_their_dequantized_codes(tiny_llama) -> None:  # type: ignore[no-untyped-def]
    import copy

    for quantize, cfg in (
        (quantize_awq, AWQConfig(bits=4, group_size=32, alpha_grid=4, clip_grid=4)),
        (quantize_gptq, GPTQConfig(bits=4, group_size=32)),
    ):
        model = copy.deepcopy(tiny_llama)
        done = quantize(model, _calib(), cfg, blocks=[1])
        assert sorted(done) == sorted(
            n for n, _ in model.named_modules() if n.startswith("model.layers.1.") and "proj" in n
        )
        weights = dict(model.named_parameters())
        for name, qw in done.items():
            assert torch.equal(weights[f"{name}.weight"], qw.dequantize())
        assert torch.equal(
            model.model.layers[0].mlp.up_proj.weight, tiny_llama.model.layers[0].mlp.up_proj.weight
        )


def test_awq_feed_quantized_changes_only_the_blocks_after_the_first(tiny_llama) -> None:  # type: ignore[no-untyped-def]
    import copy

    results = []
    for feed in (False, True):
        cfg = AWQConfig(bits=3, group_size=32, alpha_grid=4, clip_grid=4, feed_quantized=feed)
        results.append(quantize_awq(copy.deepcopy(tiny_llama), _calib(), cfg))
    plain, fed = results
    first = "model.layers.0.mlp.down_proj"
    second = "model.layers.1.mlp.down_proj"
    assert torch.equal(plain[first].codes, fed[first].codes)  # block 0 sees the same inputs
    assert not torch.equal(plain[second].dequantize(), fed[second].dequantize())
