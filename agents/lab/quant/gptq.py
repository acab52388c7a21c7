"""GPTQ (Frantar et al., 2022): column-by-column rounding with Hessian-based updates.

For each linear, H = 2/n X^T X from its calibration inputs (X recorded on the block
whose earlier linears are already quantized, "true sequential"). Columns are rounded
one at a time onto the RTN grid; the rounding error of each is spread over the
not-yet-rounded columns through the upper Cholesky factor of H^-1, in blocks of
``block_size`` columns. Damping adds ``damp`` x mean(diag H) to the diagonal.

act_order processes columns by decreasing diag(H); the per-group scales and zeros are
then fixed up front from the original weights ("static groups"), so groups stay
contiguous in the original column order and pack exactly like RTN. Without act_order,
a group's parameters are taken from the (updated) weights when its first column comes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from agents.lab.quant.blocks import (
    AfterBlock,
    BlockInputs,
    quantize_blocks,
    record_inputs,
)
from agents.lab.quant.rtn import (
    QuantizedWeight,
    check_bits,
    group_params,
    mse_clip,
    require_group_size,
)


@dataclass(frozen=True)
class GPTQConfig:
    bits: int = 4
    group_size: int = 64
    damp: float = 0.01
    act_order: bool = True
    block_size: int = 128
    mse_clip: bool = True
    float_zero: bool = False


def hessian(x: torch.Tensor) -> torch.Tensor:
    x = x.float()
    return (2.0 / x.shape[0]) * (x.T @ x)


def _inverse_factor(h: torch.Tensor, damp: float) -> torch.Tensor:
    h = h.clone()
    h.diagonal().add_(damp * h.diagonal().mean())
    for _ in range(5):
        try:
            chol = torch.linalg.cholesky(h)
            factor: torch.Tensor = torch.linalg.cholesky(torch.cholesky_inverse(chol), upper=True)
            return factor
        except RuntimeError:  # torch.linalg.LinAlgError subclasses it
            h.diagonal().add_(damp * h.diagonal().mean())
    raise RuntimeError("Hessian is not positive definite even after extra damping")


def _params(w: torch.Tensor, cfg: GPTQConfig) -> tuple[torch.Tensor, torch.Tensor]:
    clip = mse_clip(w, cfg.bits, cfg.group_size) if cfg.mse_clip else None
    return group_params(w, cfg.bits, cfg.group_size, clip, cfg.float_zero)


@torch.no_grad()
def gptq_weight(w: torch.Tensor, h: torch.Tensor, cfg: GPTQConfig) -> QuantizedWeight:
    """Quantize one weight matrix (out, in) given the Hessian of its inputs (in, in)."""
    wd = w.float().clone()
    out, cols = wd.shape
    gs, qmax = cfg.group_size, 2**cfg.bits - 1
    h = h.float().clone()
    dead = h.diagonal() == 0
    h[dead, dead] = 1
    wd[:, dead] = 0
    scales = torch.zeros(out, cols // gs)
    zeros = torch.zeros_like(scales)
    if cfg.act_order:
        scales[:], zeros[:] = _params(wd, cfg)
        perm = torch.argsort(h.diagonal(), descending=True)
    else:
        perm = torch.arange(cols)
    wd, h = wd[:, perm], h[perm][:, perm]
    hinv = _inverse_factor(h, cfg.damp)
    codes = torch.zeros(out, cols, dtype=torch.uint8)
    step = max(gs, cfg.block_size // gs * gs)
    for i1 in range(0, cols, step):
        i2 = min(i1 + step, cols)
        w1, hinv1 = wd[:, i1:i2].clone(), hinv[i1:i2, i1:i2]
        err1 = torch.zeros(out, i2 - i1, dtype=wd.dtype)
        for i in range(i2 - i1):
            col = int(perm[i1 + i])
            g = col // gs
            if not cfg.act_order and col % gs == 0:
                s, z = _params(w1[:, i : i + gs], cfg)
                scales[:, g], zeros[:, g] = s[:, 0], z[:, 0]
            q = torch.round(w1[:, i] / scales[:, g] + zeros[:, g]).clamp(0, qmax)
            codes[:, col] = q.to(torch.uint8)
            err = (w1[:, i] - (q - zeros[:, g]) * scales[:, g]) / hinv1[i, i]
            w1[:, i:] -= err[:, None] @ hinv1[i, i:][None, :]
            err1[:, i] = err
        wd[:, i2:] -= err1 @ hinv[i1:i2, i2:]
    return QuantizedWeight(codes, scales, zeros, cfg.bits, gs)


def sequential_groups(block: Any) -> list[dict[str, nn.Linear]]:
    a, m = block.self_attn, block.mlp
    return [
        {"q_proj": a.q_proj, "k_proj": a.k_proj, "v_proj": a.v_proj},
        {"o_proj": a.o_proj},
        {"gate_proj": m.gate_proj, "up_proj": m.up_proj},
        {"down_proj": m.down_proj},
    ]


@torch.no_grad()
def gptq_block(block: nn.Module, inp: BlockInputs, cfg: GPTQConfig) -> dict[str, QuantizedWeight]:
    done: dict[str, QuantizedWeight] = {}
    for group in sequential_groups(block):
        xs = record_inputs(block, dict(group), inp)
        for name, lin in group.items():
            qw = gptq_weight(lin.weight.data, hessian(xs[name]), cfg)
            lin.weight.data = qw.dequantize().to(lin.weight.dtype)
            done[name] = qw
    return done


@torch.no_grad()
def quantize_gptq(
    model: nn.Module,
    calib_ids: torch.Tensor,
    cfg: GPTQConfig,
    blocks: list[int] | None = None,
    after_block: AfterBlock | None = None,
) -> dict[str, QuantizedWeight]:
    """Quantize the chosen decoder blocks in place; later blocks see quantized outputs."""
    check_bits(cfg.bits)
    require_group_size(model, cfg.group_size)
    return quantize_blocks(
        model,
        calib_ids,
        lambda block, inp: gptq_block(block, inp, cfg),
        label="gptq",
        blocks=blocks,
        after_block=after_block,
        feed_quantized=True,
    )
