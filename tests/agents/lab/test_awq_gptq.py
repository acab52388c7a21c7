from __future__ import annotations

import torch
from torch import nn

from agents.lab.quant.awq import AWQConfig, ScaleGroup, apply_scale, search_clip, search_scale
from agents.lab.quant.gptq import GPTQConfig, gptq_weight, hessian
from agents.lab.quant.rtn import fake_quantize, quantize_weight

from .conftest import output_error, salient_inputs

BITS, GROUP = 3, 32


def _layer() -> tuple[nn.Linear, nn.Linear, torch.Tensor]:
    """prev (identity) -> lin, with inputs that have a few salient channels."""
    torch.manual_seed(0)
    prev = nn.Linear(128, 128, bias=False)
    prev.weight.data = torch.eye(128)
    lin = nn.Linear(128, 64, bias=False)
    return prev, lin, salient_inputs()


def _awq(prev: nn.Linear, lin: nn.Linear, x: torch.Tensor, clip: bool) -> torch.Tensor:
    """Quantized output of prev->lin after AWQ; compare with float x @ W^T."""
    cfg = AWQConfig(bits=BITS, group_size=GROUP, clip=clip)
    group = ScaleGroup("g", prev, {"lin": lin})
    gram = x.T @ x / x.shape[0]
    s, _alpha = search_scale(group, gram, x.abs().mean(0), cfg)
    apply_scale(group, s)
    gram_s = gram / s[:, None] / s[None, :]
    clip_ratio = search_clip(lin.weight.data, gram_s, cfg) if clip else None
    wq = quantize_weight(lin.weight.data, BITS, GROUP, clip_ratio).dequantize()
    return prev(x) @ wq.T


def test_awq_fold_keeps_the_float_output_unchanged() -> None:
    prev, lin, x = _layer()
    before = lin(prev(x))
    apply_scale(ScaleGroup("g", prev, {"lin": lin}), torch.linspace(0.5, 2.0, 128))
    assert torch.allclose(lin(prev(x)), before, rtol=1e-4, atol=1e-4)


def test_awq_beats_rtn_on_a_layer_with_salient_input_channels() -> None:
    prev, lin, x = _layer()
    w = lin.weight.data.clone()
    rtn = output_error(x, w, fake_quantize(w, BITS, GROUP))
    awq = float(((_awq(prev, lin, x, clip=False) - x @ w.T) ** 2).mean())
    assert awq < 0.8 * rtn


def test_awq_clipping_does_not_make_the_layer_worse() -> None:
    prev, lin, x = _layer()
    w = lin.weight.data.clone()
    plain = float(((_awq(prev, lin, x, clip=False) - x @ w.T) ** 2).mean())
    prev2, lin2, _ = _layer()
    clipped = float(((_awq(prev2, lin2, x, clip=True) - x @ w.T) ** 2).mean())
    assert clipped <= plain * 1.0001


def test_gptq_beats_rtn_on_the_same_layer() -> None:
    _prev, lin, x = _layer()
    w = lin.weight.data.clone()
    rtn = output_error(x, w, fake_quantize(w, BITS, GROUP))
    for act_order in (True, False):
        qw = gptq_weight(
            w, hessian(x), GPTQConfig(bits=BITS, group_size=GROUP, act_order=act_order)
        )
        assert output_error(x, w, qw.dequantize()) < 0.8 * rtn


def test_gptq_codes_sit_on_contiguous_groups_like_rtn() -> None:
    _prev, lin, x = _layer()
    qw = gptq_weight(lin.weight.data, hessian(x), GPTQConfig(bits=BITS, group_size=GROUP))
    assert qw.scales.shape == (64, 128 // GROUP)
    assert int(qw.codes.max()) <= 2**BITS - 1
    assert torch.equal(qw.scales, qw.scales.half().float())


def test_awq_duo_scaling_search_finds_no_worse_a_loss_than_the_plain_grid() -> None:
    _prev, lin, x = _layer()
    w = lin.weight.data.clone()
    gram = x.T @ x / x.shape[0]

    def loss(cfg: AWQConfig) -> float:
        s, _alpha = search_scale(
            ScaleGroup("g", nn.Identity(), {"lin": lin}), gram, x.abs().mean(0), cfg
        )
        return float(
            ((x @ (quantize_weight(w * s, BITS, GROUP).dequantize() / s - w).T) ** 2).mean()
        )

    plain = loss(AWQConfig(bits=BITS, group_size=GROUP))
    duo = loss(AWQConfig(bits=BITS, group_size=GROUP, duo=True))
    assert duo <= plain * 1.0001
    assert plain < output_error(x, w, fake_quantize(w, BITS, GROUP))
