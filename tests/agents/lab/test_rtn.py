from __future__ import annotations

import pytest
import torch

from agents.lab.quant.rtn import (
    GroupSizeError,
    check_group_size,
    quantize_rtn,
    quantize_weight,
)


@pytest.mark.parametrize("bits", [2, 3, 4, 8])
@pytest.mark.parametrize("group_size", [32, 64, 128])
def test_rtn_error_is_at_most_half_a_step_per_element(bits: int, group_size: int) -> None:
    w = torch.randn(48, 256) * 0.05
    qw = quantize_weight(w, bits, group_size)
    err = (qw.dequantize() - w).abs().reshape(48, -1, group_size)
    half_step = qw.scales[..., None] / 2
    assert bool((err <= half_step * (1 + 1e-4) + 1e-7).all())
    assert int(qw.codes.max()) <= 2**bits - 1


def test_rtn_grid_has_fp16_scales_and_integer_zero_points() -> None:
    qw = quantize_weight(torch.randn(8, 64), 3, 32)
    assert torch.equal(qw.scales, qw.scales.half().float())
    assert torch.equal(qw.zeros, qw.zeros.round())


def test_rtn_refuses_bits_outside_two_to_eight() -> None:
    with pytest.raises(ValueError, match="between 2 and 8"):
        quantize_weight(torch.randn(4, 32), 1, 32)


def test_group_size_error_says_the_width_is_not_a_multiple() -> None:
    with pytest.raises(GroupSizeError, match="576 is not a multiple of 128"):
        quantize_weight(torch.randn(4, 576), 4, 128)


def test_check_group_size_lists_every_offending_layer(tiny_llama) -> None:  # type: ignore[no-untyped-def]
    assert check_group_size(tiny_llama, 64) == []
    bad = check_group_size(tiny_llama, 96)
    assert len(bad) == 14  # 7 linears x 2 blocks; widths 128 and 256 are not multiples of 96
    assert "model.layers.0.self_attn.q_proj (in_features=128)" in bad


def test_check_group_size_on_smollm2_flags_128_not_64(smollm2) -> None:  # type: ignore[no-untyped-def]
    assert check_group_size(smollm2.model, 64) == []
    bad = check_group_size(smollm2.model, 128)
    assert any("q_proj (in_features=576)" in name for name in bad)
    assert not any("down_proj" in name for name in bad)  # 1536 = 12 x 128


def test_quantize_rtn_refuses_a_bad_group_size_before_touching_weights(tiny_llama) -> None:  # type: ignore[no-untyped-def]
    before = tiny_llama.model.layers[0].mlp.up_proj.weight.clone()
    with pytest.raises(GroupSizeError):
        quantize_rtn(tiny_llama, 4, 96)
    assert torch.equal(before, tiny_llama.model.layers[0].mlp.up_proj.weight)


@pytest.mark.parametrize("bits", [3, 4])
def test_an_fp16_zero_point_stays_within_half_a_step_and_lowers_the_error(bits: int) -> None:
    w = torch.randn(64, 256) * 0.05
    integer, fractional = (
        quantize_weight(w, bits, 64),
        quantize_weight(w, bits, 64, float_zero=True),
    )
    err = (fractional.dequantize() - w).abs().reshape(64, -1, 64)
    assert bool((err <= fractional.scales[..., None] / 2 * (1 + 1e-3) + 1e-7).all())
    assert torch.equal(fractional.zeros, fractional.zeros.half().float())
    assert not torch.equal(fractional.zeros, fractional.zeros.round())
    mse = lambda qw: float((qw.dequantize() - w).pow(2).mean())  # noqa: E731
    assert mse(fractional) < mse(integer)
