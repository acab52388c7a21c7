from __future__ import annotations

import pytest
import torch

from agents.lab.quant.packing import pack_codes, save_quantized
from agents.lab.quant.rtn import quantize_rtn
from agents.llm.builtin.packed import load_state_dict, read_header, unpack_codes


@pytest.mark.parametrize("bits", [2, 3, 4, 5, 8])
def test_packing_round_trips_codes_exactly(bits: int) -> None:
    codes = torch.randint(0, 2**bits, (37, 64), dtype=torch.uint8)
    packed = pack_codes(codes, bits)
    assert packed.numel() == -(-codes.numel() * bits // 8)
    assert torch.equal(unpack_codes(packed, bits, (37, 64)), codes)


def test_packing_refuses_a_code_too_wide_for_the_bits() -> None:
    with pytest.raises(ValueError, match="3 bits"):
        pack_codes(torch.tensor([8], dtype=torch.uint8), 3)


@pytest.mark.parametrize("bits", [2, 3, 4, 8])
def test_saved_model_reloads_to_the_same_dequantized_weights(tmp_path, tiny_llama, bits) -> None:  # type: ignore[no-untyped-def]
    quantized = quantize_rtn(tiny_llama, bits, 32)
    path = save_quantized(
        tmp_path / "m.safetensors", tiny_llama, quantized, {"method": "rtn", "base_model": "tiny"}
    )
    header, state = load_state_dict(path)
    for name, qw in quantized.items():
        assert torch.equal(state[f"{name}.weight"], qw.dequantize())
    assert header["bits"] == bits and header["group_size"] == 32
    assert header["tensors"]["model.layers.0.mlp.down_proj.weight"] == [128, 256]
    assert read_header(path)["method"] == "rtn"


def test_fp16_zero_points_survive_packing_exactly(tmp_path, tiny_llama) -> None:  # type: ignore[no-untyped-def]
    from agents.lab.quant.rtn import block_linears, quantize_weight

    quantized = {}
    for name, lin in block_linears(tiny_llama):
        quantized[name] = quantize_weight(lin.weight.data, 3, 32, float_zero=True)
        lin.weight.data = quantized[name].dequantize()
    path = save_quantized(
        tmp_path / "m.safetensors", tiny_llama, quantized, {"method": "awq", "base_model": "tiny"}
    )
    _header, state = load_state_dict(path)
    for name, qw in quantized.items():
        assert torch.equal(state[f"{name}.weight"], qw.dequantize())
